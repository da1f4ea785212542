import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { aDatabase, aTestEngine, STORE_KINDS } from '../support/engine.js'

/**
 * A service process killed with SIGKILL in the middle of batched ingest loses nothing it
 * acknowledged: every record of every batch answered 201 is in the database afterwards,
 * and no batch is half stored (records and rollups commit together or not at all).
 */
const VITE_NODE = fileURLToPath(new URL('../../node_modules/vite-node/vite-node.mjs', import.meta.url))
const SERVE = fileURLToPath(new URL('./fixtures/serve.ts', import.meta.url))
const WORKERS = 8
const BATCH = 200
const KILL_AFTER_BATCHES = 12

async function startService(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [VITE_NODE, SERVE, databaseUrl], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  const first = await lines.next()
  if (first.done) throw new Error(`the service exited before it listened:\n${stderr}`)
  return { child, url: String(first.value).trim() }
}

const aRecord = (id: string, i: number) => ({ id, provider: 'anthropic', model: 'claude-sonnet-4-20250514', component: `c${i % 5}`, inputTokens: 100 + i, outputTokens: 50 })

describe.each(STORE_KINDS)('a service killed during batched ingest on %s', (store) => {
  let dir: string
  let database: { url: string; drop(): Promise<void> }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'budget-crash-'))
    database = await aDatabase(store, dir)
  })

  afterEach(async () => {
    await database.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps every record whose POST was acknowledged', async () => {
    const { child, url } = await startService(database.url)
    const exited = new Promise((resolve) => child.once('exit', resolve))
    const acknowledged: string[] = []
    const attempted: string[][] = []
    let acknowledgedBatches = 0
    let next = 0
    let killed = false

    const worker = async () => {
      while (!killed) {
        const batch = next++
        const records = Array.from({ length: BATCH }, (_, i) => aRecord(`b${batch}-${i}`, i))
        attempted.push(records.map((r) => r.id))
        try {
          const response = await fetch(`${url}/api/v1/usage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ records }) })
          if (response.status !== 201) throw new Error(`batch ${batch}: ${response.status} ${await response.text()}`)
          acknowledged.push(...records.map((r) => r.id))
          if (++acknowledgedBatches === KILL_AFTER_BATCHES) {
            killed = true
            child.kill('SIGKILL')
          }
        } catch (error) {
          if (!killed) throw error
          return // the connection died with the process: this batch was never acknowledged
        }
      }
    }
    await Promise.all(Array.from({ length: WORKERS }, worker))
    await exited

    const reopened = await aTestEngine({ databaseUrl: database.url })
    try {
      const stored = new Set((await reopened.store.db.selectFrom('usageRecords').select('id').execute()).map((r) => r.id))
      expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER_BATCHES * BATCH)
      expect(attempted.length).toBeGreaterThan(acknowledged.length / BATCH) // the kill cut batches short
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([])
      for (const ids of attempted) expect([0, BATCH]).toContain(ids.filter((id) => stored.has(id)).length)
      expect((await reopened.engine.usageSummary({})).totals.requests).toBe(stored.size)
    } finally {
      await reopened.dispose()
    }
  })
})
