/**
 * Which rollup a report reads, and the query pieces every report shares: the slices of a
 * range, filtered; the sums of their metrics; the bucket each slice falls in.
 *
 * Two rollups are kept on write. usage_hourly (UTC hours) is the small one and answers
 * whenever every boundary the report cuts at — from, to and each bucket edge — is a whole
 * UTC hour and nothing asks for sessions. Otherwise usage_quarter_hourly (15-minute
 * slices, keyed by contextId as well) answers: exact in every zone of today, since all
 * offsets are multiples of 15 minutes. A boundary inside a slice (an instant like 10:17,
 * or a historic offset such as +0:19:32) counts the whole slice on the side of its start;
 * reports say which slice they read (resolutionMinutes) and widen from/to to whole slices.
 *
 * Raw records are never read here: reports stay fast however many records there are.
 */
import { type RawBuilder, type SelectQueryBuilder, sql } from 'kysely'
import type { ReportDimension, ReportFilters } from '../domain/report.js'
import { requireBudget } from '../engine/budgets.js'
import type { DB, Executor } from '../store/schema.js'
import { QUARTER_HOUR_MS } from '../store/quarter-hourly.js'
import type { Run } from './time-buckets.js'
import { METRICS } from './totals.js'

export const HOUR_MS = 3_600_000

export interface Source {
  table: 'usageHourly' | 'usageQuarterHourly'
  timeColumn: 'hourStart' | 'quarterStart'
  sliceMs: number
}

export const HOURLY: Source = { table: 'usageHourly', timeColumn: 'hourStart', sliceMs: HOUR_MS }
export const QUARTER_HOURLY: Source = { table: 'usageQuarterHourly', timeColumn: 'quarterStart', sliceMs: QUARTER_HOUR_MS }

/** The coarsest rollup that answers exactly: hourly unless sessions are involved or a boundary is not a whole hour. */
export function chooseSource(needsContext: boolean, boundaries: Iterable<number>): Source {
  if (needsContext) return QUARTER_HOURLY
  for (const ms of boundaries) if (ms % HOUR_MS !== 0) return QUARTER_HOURLY
  return HOURLY
}

export const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step
export const ceilTo = (ms: number, step: number) => Math.ceil(ms / step) * step

/**
 * The query builder is typed as usage_quarter_hourly, the wider of the two tables: every
 * column the reports name exists in both, except the time column (reached through
 * `timeOf`) and contextId (only asked of usage_quarter_hourly).
 */
export type SliceQuery = SelectQueryBuilder<DB, 'usageQuarterHourly', object>

export const timeOf = (source: Source): RawBuilder<number> => sql.ref<number>(source.timeColumn)

export interface SliceSpan {
  fromMs: number
  toMs: number
  filters: ReportFilters
}

/** Slices whose start lies in [fromMs, toMs) and that pass every filter. */
export function slices(db: Executor, source: Source, span: SliceSpan): SliceQuery {
  let query = db.selectFrom(source.table as 'usageQuarterHourly').where(timeOf(source), '>=', span.fromMs).where(timeOf(source), '<', span.toMs)
  for (const [dimension, values] of Object.entries(span.filters) as [ReportDimension, string[] | undefined][]) {
    if (values !== undefined && values.length > 0) query = query.where(dimension, 'in', values)
  }
  return query
}

/** The metric sums every report returns, named as the metric columns; valid at any query level. */
export const metricSums = () => METRICS.map((metric) => sql<number>`sum(${sql.ref(metric)})`.as(metric))

/** The sum of the tokens a policy counts (input, output, cache read, cache write). */
export const countedTokenSum = () => sql<number>`sum(${sql.ref('inputTokens')} + ${sql.ref('outputTokens')} + ${sql.ref('cacheReadTokens')} + ${sql.ref('cacheWriteTokens')})`

const big = (value: number) => sql<number>`cast(${value} as bigint)`

/**
 * The start of the bucket a slice falls in, from the runs of its buckets: one CASE over
 * the runs, integer division inside each. A slice before the first run (only possible
 * when a boundary falls inside a slice) goes to the first bucket, one past the last run to
 * the last.
 */
export function bucketOf(source: Source, runs: readonly Run[]): RawBuilder<number> {
  const t = timeOf(source)
  const inRun = (run: Run) => sql<number>`${big(run.startMs)} + ((${t} - ${big(run.startMs)}) / ${big(run.lengthMs)}) * ${big(run.lengthMs)}`
  const [first, ...rest] = runs
  if (first === undefined) throw new RangeError('a report needs at least one bucket')
  if (rest.length === 0) return sql<number>`case when ${t} < ${big(first.startMs)} then ${big(first.startMs)} else ${inRun(first)} end`
  const last = runs.at(-1) as Run
  const branches = runs.slice(0, -1).map((run) => sql`when ${t} < ${big(run.endMs)} then ${inRun(run)}`)
  return sql<number>`case when ${t} < ${big(first.startMs)} then ${big(first.startMs)} ${sql.join(branches, sql` `)} else ${inRun(last)} end`
}

/** A bucket that is the whole range: no granularity. */
export const singleBucket = (startMs: number): RawBuilder<number> => big(startMs)

/** First and last slice start of a rollup; null when it is empty. */
export async function extent(db: Executor, source: Source): Promise<{ firstMs: number; lastMs: number } | null> {
  const row = await db
    .selectFrom(source.table as 'usageQuarterHourly')
    .select([sql<number | null>`min(${timeOf(source)})`.as('firstMs'), sql<number | null>`max(${timeOf(source)})`.as('lastMs')])
    .executeTakeFirst()
  if (row?.firstMs === null || row?.firstMs === undefined || row.lastMs === null) return null
  return { firstMs: Number(row.firstMs), lastMs: Number(row.lastMs) }
}

/** Filters with budget names turned into ids; an unknown budget is NOT_FOUND. */
export async function resolveFilters(db: Executor, filters: ReportFilters): Promise<ReportFilters> {
  const budgets = filters.budgetId
  if (budgets === undefined) return filters
  const ids = await Promise.all(budgets.map(async (idOrName) => (await requireBudget(db, idOrName)).id))
  return { ...filters, budgetId: [...new Set(ids)] }
}

/** The filters named in a query, each a list. */
export function filtersOf(query: Partial<Record<ReportDimension, string[] | undefined>>): ReportFilters {
  const filters: ReportFilters = {}
  for (const dimension of ['budgetId', 'provider', 'model', 'component', 'taskType', 'tier', 'contextId'] as const) {
    const values = query[dimension]
    if (values !== undefined && values.length > 0) filters[dimension] = values
  }
  return filters
}
