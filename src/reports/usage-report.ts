/**
 * The usage report: totals per calendar bucket and per value of the grouped dimensions,
 * over a range, with filters — read from the rollups only (rollup-source.ts says which).
 *
 * Rows come in key order (bucket, then each dimension) and pages are keyset pages: a page
 * is one query that starts after the previous page's last key, so paging through millions
 * of rows costs the same per page and never holds more than one page. Exports walk the
 * same pages.
 *
 * An open range is closed on the data: from the first to the last hour any rollup holds.
 */
import { type RawBuilder, sql } from 'kysely'
import type { FlatReportRow, Granularity, ReportDimension, ReportFilters, UsageReport, UsageReportQuery, UsageReportRow } from '../domain/report.js'
import type { EngineContext } from '../engine/context.js'
import { nextTurn } from './export-format.js'
import { decodeCursor, encodeCursor, fingerprintOf, type RowKey } from './report-cursor.js'
import { resolveRange } from './range.js'
import {
  bucketOf,
  ceilTo,
  chooseSource,
  extent,
  filtersOf,
  floorTo,
  HOURLY,
  metricSums,
  QUARTER_HOURLY,
  resolveFilters,
  singleBucket,
  slices,
  type Source,
} from './rollup-source.js'
import { bucketAt, bucketWindows, runsOf } from './time-buckets.js'
import { type Sums, sumsOf, TOTAL_COLUMNS, toTotals } from './totals.js'

/** Rows a page while an export walks the report. */
const EXPORT_PAGE = 5_000

interface Plan {
  timeZone: string
  granularity: Granularity | null
  dims: ReportDimension[]
  filters: ReportFilters
  source: Source
  /** Slice-aligned span read: slices whose start lies in [fromMs, toMs). */
  fromMs: number
  toMs: number
  /** Start of the first bucket; slices before it (inside a slice-straddling boundary) count in it. */
  firstBucketMs: number
  bucket: RawBuilder<number>
  bucketEnd: (startMs: number) => number
  fingerprint: string
}

export async function usageReport(ctx: EngineContext, query: UsageReportQuery): Promise<UsageReport> {
  const plan = await planReport(ctx, query)
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor, plan.fingerprint, plan.dims.length)
  const [rows, totals] = await Promise.all([page(ctx, plan, after, query.limit + 1), totalsOf(ctx, plan)])
  const shown = rows.slice(0, query.limit)
  const last = shown.at(-1)
  return {
    from: iso(plan.fromMs),
    to: iso(plan.toMs),
    timeZone: plan.timeZone,
    granularity: plan.granularity,
    groupBy: plan.dims,
    resolutionMinutes: plan.source.sliceMs / 60_000,
    rows: shown.map((row) => toReportRow(plan, row)),
    nextCursor: rows.length > query.limit && last ? encodeCursor(plan.fingerprint, last) : null,
    totals: toTotals(sumsOf(totals)),
  }
}

/** Every row of the report from the query's cursor on, flattened for export, a page at a time. */
export async function* usageReportRows(ctx: EngineContext, query: UsageReportQuery): AsyncGenerator<FlatReportRow> {
  for await (const row of groupedRows(ctx, query)) {
    const flat: FlatReportRow = { bucketStart: iso(row.bucketStartMs), bucketEnd: iso(row.bucketEndMs) }
    row.dims.forEach((d, i) => (flat[d] = row.values[i] === '' ? null : (row.values[i] as string)))
    const totals = toTotals(row.sums)
    for (const column of TOTAL_COLUMNS) flat[column] = totals[column]
    yield flat
  }
}

export interface GroupedRow {
  bucketStartMs: number
  bucketEndMs: number
  dims: readonly ReportDimension[]
  /** The value of each dimension, '' for none. */
  values: string[]
  sums: Sums
}

/** Every grouped row of the report from the query's cursor on, in key order, a page at a time. */
export async function* groupedRows(ctx: EngineContext, query: UsageReportQuery): AsyncGenerator<GroupedRow> {
  const plan = await planReport(ctx, query)
  let after = query.cursor === undefined ? null : decodeCursor(query.cursor, plan.fingerprint, plan.dims.length)
  for (;;) {
    const rows = await page(ctx, plan, after, EXPORT_PAGE)
    for (const row of rows) yield { bucketStartMs: row.bucketMs, bucketEndMs: plan.bucketEnd(row.bucketMs), dims: plan.dims, values: row.values, sums: sumsOf(row.sums) }
    if (rows.length < EXPORT_PAGE) return
    after = rows.at(-1) as Row
    await nextTurn()
  }
}

/** Export columns of a report grouped by `dims`. */
export const usageReportColumns = (dims: readonly ReportDimension[]) => ['bucketStart', 'bucketEnd', ...dims, ...TOTAL_COLUMNS]

type Row = RowKey & { sums: Record<string, unknown> }

async function planReport(ctx: EngineContext, query: UsageReportQuery): Promise<Plan> {
  const timeZone = query.timeZone ?? ctx.timeZone
  const dims = query.groupBy ?? []
  const filters = await resolveFilters(ctx.store.db, filtersOf(query))
  const needsContext = dims.includes('contextId') || filters.contextId !== undefined
  const range = resolveRange(query, timeZone, ctx.now())
  let { fromMs, toMs } = range
  if (fromMs === null || toMs === null) {
    const held = await extent(ctx.store.db, needsContext ? QUARTER_HOURLY : HOURLY)
    const now = floorTo(ctx.now(), HOURLY.sliceMs)
    fromMs ??= held ? held.firstMs : Math.min(now, toMs ?? now)
    toMs ??= Math.max(fromMs, held ? held.lastMs + HOURLY.sliceMs : now)
  }
  const granularity = query.granularity ?? null
  const windows = granularity === null || fromMs >= toMs ? [] : bucketWindows(granularity, fromMs, toMs, timeZone)
  const source = chooseSource(needsContext, [fromMs, toMs, ...windows.map((w) => w.startMs), ...windows.map((w) => w.endMs)])
  const from = floorTo(fromMs, source.sliceMs)
  const to = ceilTo(toMs, source.sliceMs)
  const ends = new Map(windows.map((w) => [w.startMs, w.endMs]))
  return {
    timeZone,
    granularity,
    dims,
    filters,
    source,
    fromMs: from,
    toMs: to,
    firstBucketMs: windows[0]?.startMs ?? from,
    bucket: windows.length === 0 ? singleBucket(from) : bucketOf(source, runsOf(windows)),
    bucketEnd: (startMs) => ends.get(startMs) ?? (granularity === null ? to : bucketAt(granularity, startMs, timeZone).endMs),
    fingerprint: fingerprintOf([granularity, dims, timeZone, source.table]),
  }
}

/** Up to `limit` grouped rows after `after`, in key order. */
async function page(ctx: EngineContext, plan: Plan, after: RowKey | null, limit: number): Promise<Row[]> {
  if (plan.fromMs >= plan.toMs) return []
  // Rows after a bucket only hold slices from that bucket on: the prune keeps later pages cheap.
  const fromMs = after !== null && after.bucketMs > plan.firstBucketMs ? Math.max(plan.fromMs, after.bucketMs) : plan.fromMs
  const inner = slices(ctx.store.db, plan.source, { fromMs, toMs: plan.toMs, filters: plan.filters }).select([
    plan.bucket.as('bucket'),
    ...plan.dims.map((d) => sql.ref(d).as(d)),
    ...metricColumns(),
  ])
  const keys = [sql.ref('s.bucket'), ...plan.dims.map((d) => sql.ref(`s.${d}`))]
  let grouped = ctx.store.db.selectFrom(inner.as('s')).select([sql<number>`${sql.ref('s.bucket')}`.as('bucket'), ...plan.dims.map((d) => sql<string>`${sql.ref(`s.${d}`)}`.as(d)), ...metricSums()])
  if (after !== null) {
    grouped = grouped.where(sql<boolean>`(${sql.join(keys)}) > (${sql.join([sql`cast(${after.bucketMs} as bigint)`, ...after.values])})`)
  }
  grouped = grouped.groupBy(keys)
  for (const key of keys) grouped = grouped.orderBy(key)
  const rows = (await grouped.limit(limit).execute()) as Record<string, unknown>[]
  return rows.map((row) => ({ bucketMs: Number(row.bucket), values: plan.dims.map((d) => String(row[d] ?? '')), sums: row }))
}

const metricColumns = () => ['requests', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens', 'costNano', 'unpricedRequests'].map((m) => sql.ref(m).as(m))

async function totalsOf(ctx: EngineContext, plan: Plan): Promise<Record<string, unknown>> {
  if (plan.fromMs >= plan.toMs) return {}
  const row = await slices(ctx.store.db, plan.source, { fromMs: plan.fromMs, toMs: plan.toMs, filters: plan.filters }).select(metricSums()).executeTakeFirst()
  return row ?? {}
}

const iso = (ms: number) => new Date(ms).toISOString()

function toReportRow(plan: Plan, row: Row): UsageReportRow {
  return {
    bucketStart: iso(row.bucketMs),
    bucketEnd: iso(plan.bucketEnd(row.bucketMs)),
    key: Object.fromEntries(plan.dims.map((d, i) => [d, row.values[i] === '' ? null : (row.values[i] as string)])),
    totals: toTotals(sumsOf(row.sums)),
  }
}
