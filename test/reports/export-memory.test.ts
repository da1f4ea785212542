/**
 * A large export streams: memory stays flat however many rows go out. Rows are stored
 * with direct batched inserts (the export reads raw records; the write path is not what is
 * measured here), then downloaded over real HTTP while heap and RSS are sampled. A memory
 * bound, not a timing assertion.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { UsageRow } from '../../src/store/usage.js'
import { insertUsageRows } from '../../src/store/usage.js'
import { aTestServer, type TestServer } from '../support/http.js'

// 1M rows take over a minute on this machine: bench/reports.js measures that size; REPORT_EXPORT_ROWS=1000000 runs it here.
const ROWS = Number(process.env.REPORT_EXPORT_ROWS ?? 100_000)
const BATCH = 10_000
const MB = 1024 * 1024

let s: TestServer

beforeAll(async () => {
  s = await aTestServer()
  const base = Date.parse('2026-01-01T00:00:00Z')
  for (let start = 0; start < ROWS; start += BATCH) {
    const rows: UsageRow[] = Array.from({ length: Math.min(BATCH, ROWS - start) }, (_, i) => {
      const n = start + i
      return {
        id: `use_${String(n).padStart(10, '0')}`,
        timestamp: base + n * 1_000,
        budgetId: null,
        reservationId: null,
        contextId: `session-${n % 997}`,
        provider: 'anthropic',
        model: 'claude-sonnet-4-20250514',
        component: n % 3 === 0 ? 'planner, "v2"' : 'coder',
        taskType: null,
        tier: null,
        operation: null,
        inputTokens: 1_000 + (n % 500),
        outputTokens: 200,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        cacheWrite1hTokens: 0,
        reasoningTokens: 0,
        costNano: 6_000_000,
        priceVersion: 'bundled:anthropic/claude-sonnet-4-0@1970-01-01',
        metadata: '{}',
        createdAt: base,
      }
    })
    await s.server.engine.store.writes.write((trx) => insertUsageRows(trx, rows))
  }
}, 600_000)

afterAll(async () => {
  await s.close()
})

it(`streams ${ROWS.toLocaleString('en-US')} records as CSV with memory growing by less than 200 MB`, async () => {
  const before = process.memoryUsage()
  let peakHeap = before.heapUsed
  let peakRss = before.rss
  let lines = 0

  const response = await fetch(`${s.url}/api/v1/usage?format=csv`)
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  for (let chunks = 0; ; chunks++) {
    const { done, value } = await reader.read()
    if (done) break
    for (const byte of value) if (byte === 10) lines += 1
    if (chunks % 200 === 0) {
      const now = process.memoryUsage()
      peakHeap = Math.max(peakHeap, now.heapUsed)
      peakRss = Math.max(peakRss, now.rss)
    }
  }

  expect(response.status).toBe(200)
  expect(lines).toBe(ROWS + 1)
  expect((peakHeap - before.heapUsed) / MB).toBeLessThan(200)
  expect((peakRss - before.rss) / MB).toBeLessThan(200)
}, 600_000)
