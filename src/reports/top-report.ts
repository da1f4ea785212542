/**
 * The top N values of one dimension (models, components, sessions…) by cost, tokens or
 * requests over a range, each beside the same figures for the previous period of equal
 * length, [from − (to − from), from). A range that reaches into the future ends with the
 * current hour, so a month so far is compared with as many days before it, not with a
 * whole month.
 * Default range: the last 30 local days. Reads the rollups.
 */
import { sql } from 'kysely'
import { nanoToUsd } from '../domain/money.js'
import type { TopMetric, TopReport, TopReportQuery, TopRow } from '../domain/report.js'
import type { EngineContext } from '../engine/context.js'
import { presetRange, resolveRange } from './range.js'
import { ceilTo, chooseSource, countedTokenSum, extent, filtersOf, floorTo, HOUR_MS, HOURLY, metricSums, QUARTER_HOURLY, resolveFilters, slices, type Source } from './rollup-source.js'
import { emptySums, type Sums, sumsOf, toTotals } from './totals.js'

export async function topReport(ctx: EngineContext, query: TopReportQuery): Promise<TopReport> {
  const timeZone = query.timeZone ?? ctx.timeZone
  const now = ctx.now()
  const filters = await resolveFilters(ctx.store.db, filtersOf(query))
  const needsContext = query.by === 'contextId' || filters.contextId !== undefined
  const hasRange = query.from !== undefined || query.to !== undefined || query.period !== undefined
  const range = hasRange ? resolveRange(query, timeZone, now) : presetRange('last_30d', timeZone, now)
  const fromMs = range.fromMs ?? (await extent(ctx.store.db, needsContext ? QUARTER_HOURLY : HOURLY))?.firstMs ?? floorTo(now, HOURLY.sliceMs)
  const requestedTo = range.toMs ?? now
  // A range into the future ends with the current hour: the hourly rollup can still answer.
  const toMs = Math.max(fromMs, now > fromMs ? Math.min(requestedTo, ceilTo(now, HOUR_MS)) : requestedTo)
  const source = chooseSource(needsContext, [fromMs, toMs])
  const from = floorTo(fromMs, source.sliceMs)
  const to = Math.max(from, ceilTo(toMs, source.sliceMs))
  const previousFrom = from - (to - from)

  const span = (a: number, b: number) => ({ fromMs: a, toMs: b, filters })
  const db = ctx.store.db
  const current = await db
    .selectFrom(
      slices(db, source, span(from, to))
        .select([sql.ref(query.by).as('key'), ...metricSums(), countedTokenSum().as('countedTokens')])
        .groupBy(sql.ref(query.by))
        .as('g'),
    )
    .selectAll()
    .orderBy(sql.ref(RANK_COLUMN[query.metric]), 'desc')
    .orderBy(sql.ref('key'))
    .limit(query.n)
    .execute()
  const keys = current.map((row) => String((row as Record<string, unknown>).key))
  const previous = keys.length === 0 ? [] : await grouped(ctx, source, span(previousFrom, from), query.by, keys)
  const previousByKey = new Map(previous.map((row) => [String(row.key), sumsOf(row)]))
  const [currentTotal, previousTotal] = await Promise.all([total(ctx, source, span(from, to)), total(ctx, source, span(previousFrom, from))])

  return {
    by: query.by,
    metric: query.metric,
    timeZone,
    from: iso(from),
    to: iso(to),
    previousFrom: iso(previousFrom),
    previousTo: iso(from),
    rows: current.map((row, i) => topRow(i + 1, row as Record<string, unknown>, previousByKey, query.metric)),
    totals: { current: toTotals(currentTotal), previous: toTotals(previousTotal) },
  }
}

/** The rank query orders by an output column of the grouped subquery: no parameters in ORDER BY. */
const RANK_COLUMN: Record<TopMetric, string> = { cost: 'costNano', tokens: 'countedTokens', requests: 'requests' }

async function grouped(ctx: EngineContext, source: Source, span: { fromMs: number; toMs: number; filters: Record<string, string[]> }, by: string, keys: string[]) {
  const rows = await slices(ctx.store.db, source, span)
    .where(sql.ref(by), 'in', keys)
    .select([sql.ref(by).as('key'), ...metricSums(), countedTokenSum().as('countedTokens')])
    .groupBy(sql.ref(by))
    .execute()
  return rows as Record<string, unknown>[]
}

async function total(ctx: EngineContext, source: Source, span: { fromMs: number; toMs: number; filters: Record<string, string[]> }): Promise<Sums> {
  if (span.fromMs >= span.toMs) return emptySums()
  const row = await slices(ctx.store.db, source, span).select(metricSums()).executeTakeFirst()
  return sumsOf((row ?? {}) as Record<string, unknown>)
}

function topRow(rank: number, row: Record<string, unknown>, previousByKey: Map<string, Sums>, metric: TopMetric): TopRow {
  const key = String(row.key)
  const current = sumsOf(row)
  const previous = previousByKey.get(key) ?? emptySums()
  const now = toTotals(current)
  const before = toTotals(previous)
  const measure = (s: Sums, t: ReturnType<typeof toTotals>) => (metric === 'cost' ? Number(s.costNano) : metric === 'tokens' ? t.totalTokens : t.requests)
  const [a, b] = [measure(current, now), measure(previous, before)]
  return {
    rank,
    key: key === '' ? null : key,
    current: now,
    previous: before,
    change: {
      costUsd: nanoToUsd(current.costNano - previous.costNano),
      totalTokens: now.totalTokens - before.totalTokens,
      requests: now.requests - before.requests,
      percent: b === 0 ? null : Math.round(((a - b) / b) * 1_000) / 10,
    },
  }
}

const iso = (ms: number) => new Date(ms).toISOString()

/** Export columns of the top report. */
export const TOP_COLUMNS = ['rank', 'key', 'costUsd', 'totalTokens', 'requests', 'previousCostUsd', 'previousTotalTokens', 'previousRequests', 'changeCostUsd', 'changePercent'] as const

export function flattenTop(row: TopRow): Record<(typeof TOP_COLUMNS)[number], string | number | null> {
  return {
    rank: row.rank,
    key: row.key,
    costUsd: row.current.costUsd,
    totalTokens: row.current.totalTokens,
    requests: row.current.requests,
    previousCostUsd: row.previous.costUsd,
    previousTotalTokens: row.previous.totalTokens,
    previousRequests: row.previous.requests,
    changeCostUsd: row.change.costUsd,
    changePercent: row.change.percent,
  }
}
