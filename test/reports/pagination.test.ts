import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UsageReportQuery } from '../../src/domain/report.js'
import type { UsageInput } from '../../src/domain/usage.js'
import { aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'
import { aUsage, SPAN } from './usage-data.js'

const NOW = Date.parse('2026-05-01T00:00:00Z')
const someUsage = (n: number) => fc.array(aUsage(fc.integer({ min: SPAN.fromMs, max: SPAN.toMs - 1 })), { minLength: n, maxLength: n })

describe.each(STORE_KINDS)('paging on %s', (store) => {
  let t: TestEngine
  let runs = 0

  beforeAll(async () => {
    t = await aTestEngine({ store, startMs: NOW })
  })

  afterAll(async () => {
    await t.dispose()
  })

  it('never loses or repeats a report row while records keep arriving between pages', async () => {
    await fc.assert(
      fc.asyncProperty(someUsage(150), fc.array(someUsage(8), { minLength: 40, maxLength: 40 }), fc.integer({ min: 4, max: 25 }), async (initial, arrivals, limit) => {
        const budget = await t.engine.createBudget({ name: `paging-${store}-${++runs}` })
        const under = (records: UsageInput[]) => records.map((r) => ({ ...r, budgetId: budget.id }))
        await t.engine.recordBatch(under(initial))
        const query = UsageReportQuery.parse({ budgetId: budget.id, granularity: 'day', timeZone: 'Asia/Kolkata', groupBy: 'model,contextId', limit })
        const before = new Map((await t.engine.usageReport({ ...query, limit: 10_000 })).rows.map((r) => [JSON.stringify([r.bucketStart, r.key]), r.totals.requests]))

        const seen: string[] = []
        const requests = new Map<string, number>()
        let cursor: string | undefined
        for (let i = 0; ; i++) {
          const page = await t.engine.usageReport({ ...query, cursor })
          for (const row of page.rows) {
            seen.push(JSON.stringify([row.bucketStart, row.key]))
            requests.set(JSON.stringify([row.bucketStart, row.key]), row.totals.requests)
          }
          if (page.nextCursor === null) break
          cursor = page.nextCursor
          await t.engine.recordBatch(under(arrivals[i % arrivals.length] ?? []))
        }

        expect(new Set(seen).size).toBe(seen.length)
        for (const [key, count] of before) expect(requests.get(key), key).toBeGreaterThanOrEqual(count)
      }),
      { numRuns: store === 'sqlite' ? 8 : 4 },
    )
  }, 300_000)

  it('never loses or repeats a record of a listing while records keep arriving between pages', async () => {
    const budget = await t.engine.createBudget({ name: `listing-${store}` })
    const [initial, arriving] = fc.sample(someUsage(300), { numRuns: 2, seed: 3 }) as [UsageInput[], UsageInput[]]
    const stored = await t.engine.recordBatch(initial.map((r) => ({ ...r, budgetId: budget.id })))

    const seen: string[] = []
    let cursor: string | undefined
    for (let i = 0; ; i++) {
      const page = await t.engine.listUsage({ budgetId: budget.id, limit: 17, cursor })
      seen.push(...page.items.map((r) => r.id))
      if (page.nextCursor === null) break
      cursor = page.nextCursor
      await t.engine.recordBatch(arriving.slice(i * 15, i * 15 + 15).map((r) => ({ ...r, budgetId: budget.id })))
    }

    expect(new Set(seen).size).toBe(seen.length)
    expect(seen).toEqual(expect.arrayContaining(stored.ids))
  })
})
