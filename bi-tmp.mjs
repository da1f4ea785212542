import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
const dataDir = mkdtempSync(join(tmpdir(), 'bi-'))
const child = spawn(process.execPath, ['bench/server.js', 'normal', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] })
const url = (await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next()).value.trim()
const call = { provider: 'anthropic', model: 'claude-sonnet-4-20250514' }
const t = performance.now()
for (let b = 0; b < 10; b++) {
  const records = Array.from({ length: 10000 }, (_, i) => ({ ...call, component: `c${i % 7}`, inputTokens: 100 + i, outputTokens: 50, timestamp: new Date(Date.now() - i * 1000).toISOString() }))
  const r = await fetch(url + '/api/v1/usage', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ records }) })
  if (!r.ok) throw new Error(await r.text())
}
console.log('records/s', Math.round(100000 / ((performance.now() - t) / 1000)))
child.kill('SIGTERM'); await new Promise(r => child.once('exit', r))
