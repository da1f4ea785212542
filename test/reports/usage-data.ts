/**
 * Generated usage for report tests, and the independent computation reports are checked
 * against: every stored record, read back one by one, put in the calendar window that
 * holds its instant (domain/periods.ts) and summed in plain JavaScript — no rollup, no SQL.
 */
import fc from 'fast-check'
import { calendarWindow, type CalendarPeriod } from '../../src/domain/periods.js'
import type { Granularity, ReportDimension } from '../../src/domain/report.js'
import type { UsageInput, UsageRecord } from '../../src/domain/usage.js'

export const ZONES = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham'] as const

/** Spans the northern spring DST change (8 March) and the southern autumn one (5 April 2026). */
export const SPAN = { fromMs: Date.parse('2026-02-20T00:00:00Z'), toMs: Date.parse('2026-04-20T00:00:00Z') }

const PERIOD: Record<Granularity, CalendarPeriod> = { hour: 'hourly', day: 'daily', week: 'weekly', month: 'monthly' }

const MODELS = [
  ['anthropic', 'claude-sonnet-4-20250514'],
  ['openai', 'gpt-4o'],
  ['openai', 'gpt-4o-mini'],
  ['acme', 'mystery-1'], // no known price: recorded unpriced
] as const

export const aUsage = (timestamps: fc.Arbitrary<number>): fc.Arbitrary<UsageInput> =>
  fc
    .record({
      at: timestamps,
      model: fc.constantFrom(...MODELS),
      component: fc.option(fc.constantFrom('planner', 'coder', 'critic, "the" reviewer'), { nil: undefined }),
      taskType: fc.option(fc.constantFrom('chat', 'code'), { nil: undefined }),
      contextId: fc.option(fc.constantFrom('s-1', 's-2', 's-3', 'S-1', 'sess_x'), { nil: undefined }),
      inputTokens: fc.integer({ min: 0, max: 50_000 }),
      outputTokens: fc.integer({ min: 0, max: 8_000 }),
      cacheReadTokens: fc.integer({ min: 0, max: 20_000 }),
      cacheWriteTokens: fc.integer({ min: 0, max: 5_000 }),
    })
    .map((u) => ({
      provider: u.model[0],
      model: u.model[1],
      component: u.component,
      taskType: u.taskType,
      contextId: u.contextId,
      inputTokens: u.inputTokens,
      outputTokens: u.outputTokens,
      reasoningTokens: Math.floor(u.outputTokens / 3),
      cacheReadTokens: u.cacheReadTokens,
      cacheWriteTokens: u.cacheWriteTokens,
      timestamp: new Date(u.at).toISOString(),
    }))

/** Instants on and next to window edges of every zone: the first and last millisecond of days, weeks and months. */
export function edgeInstants(): number[] {
  const instants = new Set<number>()
  for (const zone of ZONES) {
    for (const period of ['daily', 'weekly', 'monthly'] as const) {
      for (const at of [Date.parse('2026-03-08T12:00:00Z'), Date.parse('2026-04-05T03:00:00Z'), Date.parse('2026-03-01T00:00:00Z'), Date.parse('2026-04-01T00:00:00Z')]) {
        const { startMs, endMs } = calendarWindow(period, at, zone)
        for (const t of [startMs, startMs - 1, endMs - 1, endMs]) if (t >= SPAN.fromMs && t < SPAN.toMs) instants.add(t)
      }
    }
  }
  return [...instants]
}

export interface ExpectedRow {
  bucketStart: string
  key: Record<string, string | null>
  requests: number
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  reasoningTokens: number
  costNano: bigint
  unpricedRequests: number
}

export interface Independent {
  rows: ExpectedRow[]
  total: Omit<ExpectedRow, 'bucketStart' | 'key'>
}

const toNano = (usd: number) => BigInt(Math.round(usd * 1e9))

/** What a report over `records` must say, computed record by record. */
export function independently(
  records: readonly UsageRecord[],
  q: { fromMs: number; toMs: number; timeZone: string; granularity: Granularity | null; groupBy: ReportDimension[]; filters: Partial<Record<ReportDimension, string[]>> },
): Independent {
  const rows = new Map<string, ExpectedRow>()
  const total = { requests: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costNano: 0n, unpricedRequests: 0 }
  for (const r of records) {
    const at = Date.parse(r.timestamp)
    if (at < q.fromMs || at >= q.toMs) continue
    if (!Object.entries(q.filters).every(([d, values]) => values.includes((r[d as ReportDimension] as string | null) ?? ''))) continue
    const bucket = q.granularity === null ? q.fromMs : calendarWindow(PERIOD[q.granularity], at, q.timeZone).startMs
    const key = Object.fromEntries(q.groupBy.map((d) => [d, (r[d] as string | null) ?? null]))
    const id = JSON.stringify([bucket, key])
    let row = rows.get(id)
    if (row === undefined) {
      row = { bucketStart: new Date(bucket).toISOString(), key, requests: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costNano: 0n, unpricedRequests: 0 }
      rows.set(id, row)
    }
    for (const target of [row, total]) {
      target.requests += 1
      target.inputTokens += r.inputTokens
      target.outputTokens += r.outputTokens
      target.cacheReadTokens += r.cacheReadTokens
      target.cacheWriteTokens += r.cacheWriteTokens
      target.reasoningTokens += r.reasoningTokens
      target.costNano += r.costUsd === null ? 0n : toNano(r.costUsd)
      target.unpricedRequests += r.unpriced ? 1 : 0
    }
  }
  return { rows: [...rows.values()], total }
}

/** A report row in the shape of ExpectedRow. */
export const asExpected = (row: { bucketStart: string; key: Record<string, string | null>; totals: { requests: number; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; reasoningTokens: number; costUsd: number; unpricedRequests: number } }): ExpectedRow => ({
  bucketStart: row.bucketStart,
  key: row.key,
  requests: row.totals.requests,
  inputTokens: row.totals.inputTokens,
  outputTokens: row.totals.outputTokens,
  cacheReadTokens: row.totals.cacheReadTokens,
  cacheWriteTokens: row.totals.cacheWriteTokens,
  reasoningTokens: row.totals.reasoningTokens,
  costNano: toNano(row.totals.costUsd),
  unpricedRequests: row.totals.unpricedRequests,
})

export const byKey = (a: ExpectedRow, b: ExpectedRow) => {
  const [x, y] = [JSON.stringify([a.bucketStart, a.key]), JSON.stringify([b.bucketStart, b.key])]
  return x < y ? -1 : x > y ? 1 : 0
}
