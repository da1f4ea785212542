import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { calendarWindow } from '../../src/domain/periods.js'
import { type Granularity, REPORT_DIMENSIONS, type ReportDimension, UsageReportQuery } from '../../src/domain/report.js'
import type { UsageRecord } from '../../src/domain/usage.js'
import { localDayStart } from '../../src/reports/local-date.js'
import { aRecord, aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'
import { asExpected, aUsage, byKey, edgeInstants, independently, SPAN, ZONES } from './usage-data.js'

const NOW = Date.parse('2026-05-01T00:00:00Z')
const QUARTER_MS = 900_000

async function all<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const row of rows) out.push(row)
  return out
}

type Range = { kind: 'open' } | { kind: 'instants'; fromMs: number; toMs: number } | { kind: 'dates'; from: string; to: string } | { kind: 'preset'; period: 'last_month' | 'last_90d' }

const aRange: fc.Arbitrary<Range> = fc.oneof(
  fc.constant({ kind: 'open' as const }),
  fc
    .tuple(fc.integer({ min: 0, max: 5_600 }), fc.integer({ min: 1, max: 5_600 }))
    .map(([start, length]) => ({ kind: 'instants' as const, fromMs: SPAN.fromMs + start * QUARTER_MS, toMs: SPAN.fromMs + (start + length) * QUARTER_MS })),
  fc.constantFrom({ kind: 'dates' as const, from: '2026-03-05', to: '2026-04-10' }, { kind: 'dates' as const, from: '20260301', to: '20260401' }),
  fc.constantFrom({ kind: 'preset' as const, period: 'last_month' as const }, { kind: 'preset' as const, period: 'last_90d' as const }),
)

const aQuery = fc.record({
  timeZone: fc.constantFrom(...ZONES),
  granularity: fc.constantFrom<Granularity | null>(null, 'hour', 'day', 'week', 'month'),
  groupBy: fc.shuffledSubarray([...REPORT_DIMENSIONS], { maxLength: 3 }),
  filter: fc.option(
    fc.oneof(
      fc.record({ dimension: fc.constant<ReportDimension>('model'), values: fc.subarray(['gpt-4o', 'mystery-1', 'claude-sonnet-4-20250514'], { minLength: 1 }) }),
      fc.record({ dimension: fc.constant<ReportDimension>('contextId'), values: fc.subarray(['s-1', 'S-1', 'sess_x'], { minLength: 1 }) }),
      fc.record({ dimension: fc.constant<ReportDimension>('component'), values: fc.constant(['critic, "the" reviewer']) }),
    ),
    { nil: null },
  ),
  range: aRange,
  limit: fc.constantFrom(7, 50, 500, 10_000),
})

describe.each(STORE_KINDS)('the usage report on %s', (store) => {
  let t: TestEngine
  let records: UsageRecord[]

  beforeAll(async () => {
    t = await aTestEngine({ store, startMs: NOW })
    const random = fc.sample(aUsage(fc.integer({ min: SPAN.fromMs, max: SPAN.toMs - 1 })), { numRuns: 700, seed: 7 })
    const edges = fc.sample(aUsage(fc.constantFrom(...edgeInstants())), { numRuns: 250, seed: 8 })
    await t.engine.recordBatch([...random, ...edges])
    records = await all(t.engine.streamUsage({ limit: 100 }))
  }, 120_000)

  afterAll(async () => {
    await t.dispose()
  })

  it('agrees with a record-by-record computation in every zone, granularity, grouping, filter and range', async () => {
    await fc.assert(
      fc.asyncProperty(aQuery, async (q) => {
        const query = UsageReportQuery.parse({
          timeZone: q.timeZone,
          granularity: q.granularity ?? undefined,
          groupBy: q.groupBy,
          limit: q.limit,
          // A comma inside a value is escaped; the list itself may arrive as repeated values.
          ...(q.filter && { [q.filter.dimension]: (q.filter.values as string[]).map((v) => v.replaceAll(',', '\\,')) }),
          ...(q.range.kind === 'instants' && { from: new Date(q.range.fromMs).toISOString(), to: new Date(q.range.toMs).toISOString() }),
          ...(q.range.kind === 'dates' && { from: q.range.from, to: q.range.to }),
          ...(q.range.kind === 'preset' && { period: q.range.period }),
        })

        const pages = [await t.engine.usageReport(query)]
        while (pages.at(-1)?.nextCursor) pages.push(await t.engine.usageReport({ ...query, cursor: pages.at(-1)?.nextCursor ?? undefined }))

        const first = pages[0]!
        const expected = independently(records, {
          ...expectedRange(q.range, q.timeZone, Date.parse(first.from)),
          timeZone: q.timeZone,
          granularity: q.granularity,
          groupBy: q.groupBy,
          filters: q.filter ? { [q.filter.dimension]: q.filter.values } : {},
        })
        const rows = pages.flatMap((p) => p.rows)
        expect(rows.map(asExpected).sort(byKey)).toEqual(expected.rows.sort(byKey))
        expect(pages.every((p) => p.rows.length <= q.limit)).toBe(true)
        expect(rows.map((r) => r.bucketStart)).toEqual(rows.map((r) => r.bucketStart).sort())
        const { bucketStart: _b, key: _k, ...totals } = asExpected({ bucketStart: '', key: {}, totals: first.totals })
        expect(totals).toEqual(expected.total)
      }),
      { numRuns: store === 'sqlite' ? 60 : 25 },
    )
  }, 300_000)

  it('cuts days in Asia/Kolkata at 18:30 UTC, reading the 15-minute rollup', async () => {
    const report = await t.engine.usageReport(UsageReportQuery.parse({ timeZone: 'Asia/Kolkata', granularity: 'day', from: '2026-03-10', to: '2026-03-12' }))

    expect(report.resolutionMinutes).toBe(15)
    expect(report.rows.map((r) => [r.bucketStart, r.bucketEnd])).toEqual([
      ['2026-03-09T18:30:00.000Z', '2026-03-10T18:30:00.000Z'],
      ['2026-03-10T18:30:00.000Z', '2026-03-11T18:30:00.000Z'],
    ])
  })

  it('reads the hourly rollup when every boundary is a whole UTC hour and no session is asked for', async () => {
    const newYork = await t.engine.usageReport(UsageReportQuery.parse({ timeZone: 'America/New_York', granularity: 'day', period: 'last_month' }))
    const bySession = await t.engine.usageReport(UsageReportQuery.parse({ timeZone: 'UTC', granularity: 'day', groupBy: 'contextId' }))

    expect(newYork.resolutionMinutes).toBe(60)
    expect(bySession.resolutionMinutes).toBe(15)
  })
})

describe('the usage report, case by case', () => {
  let t: TestEngine

  beforeAll(async () => {
    t = await aTestEngine({ startMs: NOW })
  })

  afterAll(async () => {
    await t.dispose()
  })

  it('counts an unpriced record as a request and an unpriced request, never as cost', async () => {
    await t.engine.recordUsage(aRecord({ provider: 'acme', model: 'unknown-7', timestamp: '2026-04-02T10:00:00Z', component: 'unpriced-case' }))

    const report = await t.engine.usageReport(UsageReportQuery.parse({ component: 'unpriced-case', groupBy: 'model' }))

    expect(report.rows).toEqual([expect.objectContaining({ key: { model: 'unknown-7' }, totals: expect.objectContaining({ requests: 1, unpricedRequests: 1, costUsd: 0 }) })])
  })

  it('widens from and to that fall inside a slice to whole slices, and says so', async () => {
    await t.engine.recordUsage(aRecord({ timestamp: '2026-04-03T10:05:00Z', component: 'widen-case' }))

    const report = await t.engine.usageReport(UsageReportQuery.parse({ component: 'widen-case', from: '2026-04-03T10:10:00Z', to: '2026-04-03T10:20:00Z' }))

    expect(report).toMatchObject({ from: '2026-04-03T10:00:00.000Z', to: '2026-04-03T10:30:00.000Z', resolutionMinutes: 15, totals: { requests: 1 } })
  })

  it('takes filters as repeated values or comma lists, and budget names for ids', async () => {
    const budget = await t.engine.createBudget({ name: 'filters-case' })
    await t.engine.recordBatch(['a', 'b', 'c'].map((component) => aRecord({ budgetId: budget.id, component, timestamp: '2026-04-04T10:00:00Z' })))

    const repeated = await t.engine.usageReport(UsageReportQuery.parse({ budgetId: 'filters-case', component: ['a', 'b'], groupBy: 'component' }))
    const commas = await t.engine.usageReport(UsageReportQuery.parse({ budgetId: budget.id, component: 'a,b', groupBy: 'component' }))

    expect(repeated.rows.map((r) => r.key.component)).toEqual(['a', 'b'])
    expect(commas.rows).toEqual(repeated.rows)
  })

  it('refuses an unknown budget, a cursor of another report, and more buckets than it draws', async () => {
    const page = await t.engine.usageReport(UsageReportQuery.parse({ groupBy: 'model', limit: 1 }))

    await expect(t.engine.usageReport(UsageReportQuery.parse({ budgetId: 'nope' }))).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(t.engine.usageReport(UsageReportQuery.parse({ groupBy: 'component', cursor: page.nextCursor }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    await expect(t.engine.usageReport(UsageReportQuery.parse({ granularity: 'hour', from: '2000-01-01', to: '2026-01-01' }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
  })

  it('knows the presets of the zone: last_7d is seven local days up to the end of today', async () => {
    const report = await t.engine.usageReport(UsageReportQuery.parse({ period: 'last_7d', timeZone: 'Asia/Kathmandu' }))

    expect(report.from).toBe(new Date(localDayStart('2026-04-25', 'Asia/Kathmandu')).toISOString())
    expect(report.to).toBe(new Date(localDayStart('2026-05-02', 'Asia/Kathmandu')).toISOString())
  })
})

/** The instants a range covers, computed from the calendar, not from the report code. */
function expectedRange(range: Range, timeZone: string, reportFromMs: number): { fromMs: number; toMs: number } {
  switch (range.kind) {
    case 'open':
      // The report starts at its first rollup hour; every record lies inside.
      return { fromMs: reportFromMs, toMs: Number.POSITIVE_INFINITY }
    case 'instants':
      return { fromMs: range.fromMs, toMs: range.toMs }
    case 'dates':
      return { fromMs: localDayStart(range.from, timeZone), toMs: localDayStart(range.to, timeZone) }
    case 'preset': {
      if (range.period === 'last_month') {
        const thisMonth = calendarWindow('monthly', NOW, timeZone)
        const lastMonth = calendarWindow('monthly', thisMonth.startMs - 1, timeZone)
        return { fromMs: lastMonth.startMs, toMs: lastMonth.endMs }
      }
      const today = calendarWindow('daily', NOW, timeZone)
      let fromMs = today.startMs
      for (let i = 1; i < 90; i++) fromMs = calendarWindow('daily', fromMs - 1, timeZone).startMs
      return { fromMs, toMs: today.endMs }
    }
  }
}
