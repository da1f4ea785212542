/**
 * Reading reports for charts: every page of a usage report (up to a bound), and the rows
 * turned into chart series — one per group, the largest first, the tail folded into
 * "other" so a chart stays readable.
 */
import type { UsageReport, UsageReportRow } from '../../src/domain/report.js'
import type { UsageTotals } from '../../src/domain/usage.js'
import { get, type Query } from './api.js'
import type { Series } from './components/chart.js'

/** Rows beyond this are not fetched for one view (30 days hourly by 20 models is 14,400). */
const MAX_ROWS = 50_000

export async function fullUsageReport(query: Query, signal?: AbortSignal): Promise<UsageReport> {
  let page = await get<UsageReport>('/api/v1/reports/usage', { ...query, limit: 10_000 }, signal)
  const rows = [...page.rows]
  while (page.nextCursor !== null && rows.length < MAX_ROWS) {
    page = await get<UsageReport>('/api/v1/reports/usage', { ...query, limit: 10_000, cursor: page.nextCursor }, signal)
    rows.push(...page.rows)
  }
  return { ...page, rows }
}

export const keyOf = (row: UsageReportRow, dimension: string): string => row.key[dimension] ?? '(none)'

export interface ChartData {
  x: number[]
  tokens: Series[]
  cost: Series[]
}

const HOUR_S = 3600

/** Bucket starts of the chart: with hourly buckets every hour of the range (empty hours show as gaps), otherwise the buckets with data. */
function buckets(report: UsageReport): number[] {
  const seen = [...new Set(report.rows.map((r) => Date.parse(r.bucketStart) / 1000))].sort((a, b) => a - b)
  const first = seen[0]
  if (report.granularity !== 'hour' || first === undefined) return seen
  const from = Date.parse(report.from) / 1000
  const to = Date.parse(report.to) / 1000
  let t = first
  while (t - HOUR_S >= from) t -= HOUR_S
  const all: number[] = []
  for (; t < to; t += HOUR_S) all.push(t)
  return all
}

export function chartData(report: UsageReport, dimension: string, maxSeries = 8): ChartData {
  const x = buckets(report)
  const index = new Map(x.map((t, i) => [t, i]))
  const ranked = totalsBy(report, dimension)
    .sort((a, b) => b.totals.costUsd - a.totals.costUsd || b.totals.totalTokens - a.totals.totalTokens)
    .map((g) => g.key)
  const shown = ranked.slice(0, maxSeries - 1)
  const label = (key: string) => (shown.includes(key) ? key : 'other')
  const labels = ranked.length > maxSeries - 1 ? [...shown, 'other'] : shown
  const tokens = new Map(labels.map((l) => [l, x.map(() => 0)]))
  const cost = new Map(labels.map((l) => [l, x.map(() => 0)]))
  for (const row of report.rows) {
    const i = index.get(Date.parse(row.bucketStart) / 1000)
    if (i === undefined) continue
    const l = label(keyOf(row, dimension))
    const t = tokens.get(l)
    const c = cost.get(l)
    if (t) t[i] = (t[i] ?? 0) + row.totals.totalTokens
    if (c) c[i] = (c[i] ?? 0) + row.totals.costUsd
  }
  return {
    x,
    tokens: labels.map((l) => ({ label: l, values: tokens.get(l) ?? [] })),
    cost: labels.map((l) => ({ label: l, values: cost.get(l) ?? [] })),
  }
}

/** Totals of the rows per value of `dimension`. */
export function totalsBy(report: UsageReport, dimension: string): { key: string; totals: UsageTotals }[] {
  const out = new Map<string, UsageTotals>()
  for (const row of report.rows) {
    const key = keyOf(row, dimension)
    const t = out.get(key)
    out.set(key, t === undefined ? { ...row.totals } : addTotals(t, row.totals))
  }
  return [...out.entries()].map(([key, totals]) => ({ key, totals }))
}

export function addTotals(a: UsageTotals, b: UsageTotals): UsageTotals {
  return {
    requests: a.requests + b.requests,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
    totalTokens: a.totalTokens + b.totalTokens,
    // Nano-dollar sums, so that adding decimal dollars does not drift.
    costUsd: Math.round(a.costUsd * 1e9 + b.costUsd * 1e9) / 1e9,
    unpricedRequests: a.unpricedRequests + b.unpricedRequests,
  }
}
