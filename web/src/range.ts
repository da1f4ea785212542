/**
 * The time ranges the Usage, Costs and Providers pages share: a preset (last 24 hours,
 * 7 or 30 days) or custom local dates, and the bucket size that suits it. The range lives
 * in the URL (`range`, `from`, `to`, `granularity`) so a view can be linked.
 */
import type { Granularity } from '../../src/domain/report.js'

export const RANGES = { '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days', custom: 'Custom dates' } as const
export type RangeKey = keyof typeof RANGES

export const GRANULARITIES = ['auto', 'hour', 'day', 'week', 'month'] as const
export type GranularityChoice = (typeof GRANULARITIES)[number]

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS

/** The viewer's IANA time zone: reports bucket days and months in it. */
export const viewerTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone

export const isRangeKey = (value: string): value is RangeKey => value in RANGES

const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10)

/** A local date `days` before today, YYYY-MM-DD. */
export function localDate(daysAgo = 0, nowMs = Date.now()): string {
  const d = new Date(nowMs - daysAgo * DAY_MS)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

export interface ResolvedRange {
  /** ISO instant or local date, as the reports take them. */
  from: string
  /** Exclusive. */
  to: string
  spanMs: number
}

/** From/to for a report. Custom `to` is the last day shown (inclusive), so the report ends the day after. */
export function resolveRange(range: RangeKey, fromDate: string, toDate: string, nowMs = Date.now()): ResolvedRange {
  if (range === 'custom') {
    const to = nextDay(toDate)
    return { from: fromDate, to, spanMs: Math.max(DAY_MS, Date.parse(to) - Date.parse(fromDate)) }
  }
  const spanMs = range === '24h' ? DAY_MS : range === '7d' ? 7 * DAY_MS : 30 * DAY_MS
  const end = Math.ceil(nowMs / HOUR_MS) * HOUR_MS
  return { from: new Date(end - spanMs).toISOString(), to: new Date(end).toISOString(), spanMs }
}

export function autoGranularity(spanMs: number): Granularity {
  if (spanMs <= 8 * DAY_MS) return 'hour'
  if (spanMs <= 120 * DAY_MS) return 'day'
  if (spanMs <= 2 * 365 * DAY_MS) return 'week'
  return 'month'
}

export const granularityOf = (choice: GranularityChoice, spanMs: number): Granularity => (choice === 'auto' ? autoGranularity(spanMs) : choice)

