// `npm run bench`: each figure next to a reference measured in the same run on the same
// machine, because absolute numbers swing ±30 % between runs here.
import { spawn } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10)
const CONNECTIONS = 64
const here = new URL('.', import.meta.url).pathname

async function startServer(kind) {
  const dataDir = mkdtempSync(join(tmpdir(), 'budget-bench-'))
  const child = spawn(process.execPath, [join(here, 'server.js'), kind, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value])
  return {
    url: line.trim(),
    async stop() {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

const cannon = (options) => autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...options })

async function post(url, path, body) {
  const response = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`)
  return response.json()
}

const call = { provider: 'anthropic', model: 'claude-sonnet-4-20250514' }

async function checkAndCommit(kind) {
  const server = await startServer(kind)
  const budget = await post(server.url, '/api/v1/budgets', { name: 'bench' })
  await post(server.url, '/api/v1/policies', { budgetId: budget.id, type: 'hard_limit', period: 'daily', tokenLimit: 1e15, costLimitUsd: 1_000_000 })
  await post(server.url, '/api/v1/policies', { budgetId: budget.id, type: 'warn', period: 'monthly', costLimitUsd: 1_000_000 })
  const result = await cannon({
    url: server.url,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/check',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ budgetId: budget.id, ...call, inputTokens: 1200, maxOutputTokens: 800 }),
        onResponse: (status, body, context) => {
          context.reservationId = status === 200 ? JSON.parse(body).reservation?.id : undefined
        },
      },
      {
        method: 'POST',
        path: '/api/v1/usage',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request, context) => ({
          ...request,
          body: JSON.stringify({ reservationId: context.reservationId, ...call, inputTokens: 1100, outputTokens: 350, cacheReadTokens: 5000 }),
        }),
      },
    ],
  })
  await server.stop()
  return result
}

async function batchIngest() {
  const server = await startServer('normal')
  const batches = 10
  const size = 10_000
  const started = performance.now()
  for (let b = 0; b < batches; b++) {
    const records = Array.from({ length: size }, (_, i) => ({
      ...call,
      component: `c${i % 7}`,
      inputTokens: 100 + i,
      outputTokens: 50,
      timestamp: new Date(Date.now() - i * 1000).toISOString(),
    }))
    await post(server.url, '/api/v1/usage', { records })
  }
  const seconds = (performance.now() - started) / 1000
  await server.stop()
  return (batches * size) / seconds
}

function rawSqliteInsert() {
  const dir = mkdtempSync(join(tmpdir(), 'budget-bench-raw-'))
  const db = new Database(join(dir, 'raw.db'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec('create table r (id text primary key, ts integer, provider text, model text, input integer, output integer, cost integer)')
  const insert = db.prepare('insert into r values (?, ?, ?, ?, ?, ?, ?)')
  const rows = 100_000
  const started = performance.now()
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`id-${i}`, Date.now(), 'anthropic', 'claude', 100 + i, 50, 1234)
  })()
  const perSecond = rows / ((performance.now() - started) / 1000)
  db.close()
  rmSync(dir, { recursive: true, force: true })
  return perSecond
}

const hello = await startServer('hello')
const helloResult = await cannon({ url: hello.url })
await hello.stop()
const normal = await checkAndCommit('normal')
const strict = await checkAndCommit('strict')
const ingest = await batchIngest()
const raw = rawSqliteInsert()

const pairs = (r) => r.requests.average / 2
const rows = [
  ['bare Fastify GET / (reference)', `${Math.round(helloResult.requests.average)} req/s`, `p99 ${helloResult.latency.p99} ms`, '1.00'],
  ['check + commit pairs (synchronous=NORMAL)', `${Math.round(pairs(normal))} pairs/s`, `p99 ${normal.latency.p99} ms, errors ${normal.errors + normal.non2xx}`, (normal.requests.average / helloResult.requests.average).toFixed(3)],
  ['check + commit pairs (BUDGET_DURABILITY=strict)', `${Math.round(pairs(strict))} pairs/s`, `p99 ${strict.latency.p99} ms, errors ${strict.errors + strict.non2xx}`, (strict.requests.average / helloResult.requests.average).toFixed(3)],
  ['raw better-sqlite3 insert, one transaction (reference)', `${Math.round(raw)} rows/s`, '', '1.00'],
  ['batch ingest, POST /usage 10k records', `${Math.round(ingest)} records/s`, '', (ingest / raw).toFixed(3)],
]
const table = [
  `| measure | figure | notes | ratio to its reference |`,
  `|---|---|---|---|`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n')
console.log(table)
const section = `\n## ${new Date().toISOString().slice(0, 16)}Z — node ${process.version}, ${CONNECTIONS} connections, ${DURATION_S} s each\n\n${table}\n\nRequests/s ratios compare HTTP requests (a pair is two) with the bare Fastify reference.\n`
if (process.env.BENCH_RECORD !== '0') appendFileSync(join(here, 'RESULTS.md'), section)
