/**
 * Reports: what a caller may ask (range, time zone, granularity, grouping, filters,
 * pagination, export format) and what comes back. One set of schemas for the REST query
 * string, the CLI flags, the client and OpenAPI.
 *
 * A range is `from`/`to` (ISO instants, or local dates YYYY-MM-DD / YYYYMMDD meaning the
 * start of that day in `timeZone`) or a `period` preset; never both. Filters take a
 * repeated parameter or a comma list (`model=a&model=b`, `model=a,b`); `\,` is a comma inside
 * a value.
 */
import { z } from 'zod'
import { Cursor, Timestamp } from './common.js'
import { isValidTimeZone, Period } from './periods.js'
import { PolicyType } from './policy.js'
import { PolicyStatus } from './summary.js'
import { UsageQuery, UsageTotals } from './usage.js'

export const ReportDimension = z.enum(['budgetId', 'provider', 'model', 'component', 'taskType', 'tier', 'contextId'])
export type ReportDimension = z.infer<typeof ReportDimension>
export const REPORT_DIMENSIONS = ReportDimension.options

/** Names people also use for a dimension: `budget`, `context`/`session`, `task`. */
const DIMENSION_ALIASES: Record<string, ReportDimension> = { budget: 'budgetId', context: 'contextId', session: 'contextId', task: 'taskType' }

export const Granularity = z.enum(['hour', 'day', 'week', 'month'])
export type Granularity = z.infer<typeof Granularity>

export const PeriodPreset = z.enum(['today', 'yesterday', 'this_week', 'last_week', 'this_month', 'last_month', 'this_year', 'last_7d', 'last_30d', 'last_90d'])
export type PeriodPreset = z.infer<typeof PeriodPreset>

export const ExportFormat = z.enum(['json', 'csv', 'ndjson'])
export type ExportFormat = z.infer<typeof ExportFormat>

/**
 * `format` on a report or on GET /usage: every row streamed as a file (a JSON array, CSV or
 * NDJSON) instead of one JSON page. The engine ignores it; the surfaces act on it.
 */
export const FormatField = { format: ExportFormat.optional().describe('Export every row as json (array), csv or ndjson, streamed, instead of one JSON page') }

/** Splits at commas; `\,` is a comma inside a value. */
const splitList = (value: string | string[]) => [
  ...new Set(
    (Array.isArray(value) ? value : [value])
      .flatMap((v) => v.split(/(?<!\\),/))
      .map((v) => v.replaceAll('\\,', ',').trim())
      .filter(Boolean),
  ),
]

/** A repeated parameter or a comma list (`\,` for a comma inside a value), as a list without blanks or repeats. */
const ListParam = z
  .union([z.string().max(4000), z.array(z.string().max(4000)).max(200)])
  .transform(splitList)
  .pipe(z.array(z.string().max(200)).max(200))

const DimensionList = z
  .union([z.string().max(200), z.array(z.string().max(200)).max(20)])
  .transform((value) => splitList(value).map((d) => DIMENSION_ALIASES[d] ?? d))
  .pipe(z.array(ReportDimension).max(REPORT_DIMENSIONS.length))
  .refine((dims) => new Set(dims).size === dims.length, 'names a dimension twice')

/** An ISO instant with a zone, or a local date (YYYY-MM-DD or YYYYMMDD) in the report's time zone. */
export const InstantOrDate = z
  .string()
  .max(40)
  .refine((v) => /^\d{4}-?\d{2}-?\d{2}$/.test(v) || Timestamp.safeParse(v).success, 'expected an ISO instant with a zone, or a date YYYY-MM-DD')

export const TimeZone = z.string().max(64).refine(isValidTimeZone, 'not an IANA time zone')

export const RangeFields = {
  from: InstantOrDate.optional().describe('Start (inclusive): ISO instant or local date'),
  to: InstantOrDate.optional().describe('End (exclusive): ISO instant or local date'),
  period: PeriodPreset.optional().describe('A preset range in the time zone instead of from/to; last_Nd are the N local days up to today'),
  timeZone: TimeZone.optional().describe('IANA zone of dates, presets and buckets (default: the service setting)'),
}

export const FilterFields = {
  budgetId: ListParam.optional().describe('Budget ids or names'),
  provider: ListParam.optional(),
  model: ListParam.optional(),
  component: ListParam.optional(),
  taskType: ListParam.optional(),
  tier: ListParam.optional(),
  contextId: ListParam.optional().describe('Sessions (contextId)'),
}

export type ReportFilters = Partial<Record<ReportDimension, string[]>>

function rangeProblems(q: { from?: string | undefined; to?: string | undefined; period?: string | undefined }, ctx: z.RefinementCtx): void {
  if (q.period !== undefined && (q.from !== undefined || q.to !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['period'], message: 'give either period or from/to, not both' })
  }
}

const usageReportShape = {
  ...RangeFields,
  granularity: Granularity.optional().describe('Split rows into calendar buckets of the time zone; none: one bucket for the range'),
  groupBy: DimensionList.optional().describe(`Comma list of ${REPORT_DIMENSIONS.join(', ')}`),
  ...FilterFields,
  limit: z.coerce.number().int().min(1).max(10_000).default(100).describe('Rows a page'),
  cursor: Cursor,
  ...FormatField,
}

export const UsageReportQuery = z.object(usageReportShape).superRefine(rangeProblems).describe('Usage totals by time bucket and dimensions, from the rollups')
export type UsageReportQuery = z.infer<typeof UsageReportQuery>

export const UsageReportRow = z.object({
  bucketStart: Timestamp,
  bucketEnd: Timestamp,
  key: z.record(z.string(), z.string().nullable()).describe('The row\'s value of each groupBy dimension; null: records without one'),
  totals: UsageTotals,
})
export type UsageReportRow = z.infer<typeof UsageReportRow>

export const UsageReport = z.object({
  from: Timestamp,
  to: Timestamp,
  timeZone: z.string(),
  granularity: Granularity.nullable(),
  groupBy: z.array(ReportDimension),
  resolutionMinutes: z.number().int().describe('Rollup slice the report was read from (60 or 15): from/to are widened to whole slices'),
  rows: z.array(UsageReportRow),
  nextCursor: z.string().nullable(),
  totals: UsageTotals.describe('Over the whole range and filters, not just this page'),
})
export type UsageReport = z.infer<typeof UsageReport>

/** A usage report row flattened for export: bucketStart, bucketEnd, the dimensions, the totals. */
export type FlatReportRow = Record<string, string | number | null>

export const TopMetric = z.enum(['cost', 'tokens', 'requests'])
export type TopMetric = z.infer<typeof TopMetric>

export const TopReportQuery = z
  .object({
    ...RangeFields,
    by: z.preprocess((v) => (typeof v === 'string' ? (DIMENSION_ALIASES[v] ?? v) : v), ReportDimension).default('model'),
    n: z.coerce.number().int().min(1).max(1000).default(10),
    metric: TopMetric.default('cost'),
    ...FilterFields,
    ...FormatField,
  })
  .superRefine(rangeProblems)
  .describe('The top N values of one dimension, with the change against the previous period of equal length')
export type TopReportQuery = z.infer<typeof TopReportQuery>

const Change = z.object({
  costUsd: z.number(),
  totalTokens: z.number().int(),
  requests: z.number().int(),
  /** null when the previous period had none of the metric. */
  percent: z.number().nullable().describe('Change of the ranking metric in percent; null when the previous period had none'),
})

export const TopRow = z.object({
  rank: z.number().int(),
  key: z.string().nullable(),
  current: UsageTotals,
  previous: UsageTotals,
  change: Change,
})
export type TopRow = z.infer<typeof TopRow>

export const TopReport = z.object({
  by: ReportDimension,
  metric: TopMetric,
  timeZone: z.string(),
  from: Timestamp,
  to: Timestamp,
  previousFrom: Timestamp,
  previousTo: Timestamp,
  rows: z.array(TopRow),
  totals: z.object({ current: UsageTotals, previous: UsageTotals }),
})
export type TopReport = z.infer<typeof TopReport>

export const BurnRate = z.object({ tokensPerHour: z.number(), usdPerHour: z.number() })
export type BurnRate = z.infer<typeof BurnRate>

export const PolicyOutlook = z.object({
  budgetId: z.string(),
  budgetName: z.string(),
  policyId: z.string(),
  type: PolicyType,
  period: Period,
  windowStart: Timestamp.nullable(),
  windowEnd: Timestamp.nullable(),
  tokensUsed: z.number().int(),
  costUsd: z.number(),
  tokensReserved: z.number().int(),
  costReservedUsd: z.number(),
  tokenLimit: z.number().int().nullable(),
  costLimitUsd: z.number().nullable(),
  remainingTokens: z.number().int().nullable(),
  remainingUsd: z.number().nullable(),
  utilization: z.number(),
  utilizationPercent: z.number(),
  status: PolicyStatus,
  burnRate: z.object({ recent: BurnRate.nullable(), windowToDate: BurnRate.nullable() }),
  forecast: z
    .object({ tokens: z.number().int(), costUsd: z.number(), utilization: z.number(), status: PolicyStatus })
    .nullable()
    .describe('Projected usage at the end of the window; null for per_session / per_task policies'),
  exhaustionAt: Timestamp.nullable().describe('When the recent burn rate reaches the first limit; null when it does not within the window'),
  exhaustsInWindow: z.boolean(),
})
export type PolicyOutlook = z.infer<typeof PolicyOutlook>

export const ForecastMethod = z.object({
  name: z.literal('linear'),
  burnRate: z.string(),
  projection: z.string(),
  exhaustion: z.string(),
  monthEnd: z.string(),
})
export type ForecastMethod = z.infer<typeof ForecastMethod>

export const OutlookQuery = z.object({
  budgetId: z.string().max(200).optional().describe('Only this budget (id or name)'),
  timeZone: TimeZone.optional(),
  recentHours: z.coerce.number().int().min(1).max(168).default(24).describe('Hours behind the recent burn rate'),
  ...FormatField,
})
export type OutlookQuery = z.infer<typeof OutlookQuery>

export const BudgetsReport = z.object({
  generatedAt: Timestamp,
  timeZone: z.string(),
  method: ForecastMethod,
  budgets: z.array(z.object({ id: z.string(), name: z.string(), owner: z.string().nullable(), policies: z.array(PolicyOutlook) })),
})
export type BudgetsReport = z.infer<typeof BudgetsReport>

export const ForecastReport = z.object({
  generatedAt: Timestamp,
  timeZone: z.string(),
  recentHours: z.number().int(),
  method: ForecastMethod,
  policies: z.array(PolicyOutlook),
  monthEnd: z.object({
    monthStart: Timestamp,
    monthEnd: Timestamp,
    costToDateUsd: z.number(),
    projectedCostUsd: z.number(),
    byBudget: z.array(z.object({ budgetId: z.string().nullable(), name: z.string().nullable(), costToDateUsd: z.number(), projectedCostUsd: z.number() })),
  }),
})
export type ForecastReport = z.infer<typeof ForecastReport>

export const ActivityBy = z.enum(['day', 'month', 'session'])
export type ActivityBy = z.infer<typeof ActivityBy>

export const ActivityQuery = z
  .object({
    by: ActivityBy.default('day'),
    ...RangeFields,
    ...FilterFields,
    order: z.enum(['asc', 'desc']).default('asc'),
    ...FormatField,
  })
  .superRefine(rangeProblems)
  .describe('ccusage-style daily, monthly or per-session totals with the models used')
export type ActivityQuery = z.infer<typeof ActivityQuery>

export const ActivityRow = z.object({
  label: z.string().describe('YYYY-MM-DD, YYYY-MM, or the session id (contextId; "" for usage without one)'),
  start: Timestamp.nullable(),
  end: Timestamp.nullable(),
  models: z.array(z.string()),
  totals: UsageTotals,
  breakdown: z.array(z.object({ model: z.string(), totals: UsageTotals })),
  lastActivity: Timestamp.nullable().describe('Sessions: start of the last 15 minutes with usage'),
})
export type ActivityRow = z.infer<typeof ActivityRow>

export const ActivityReport = z.object({
  by: ActivityBy,
  timeZone: z.string(),
  from: Timestamp.nullable(),
  to: Timestamp.nullable(),
  rows: z.array(ActivityRow),
  totals: UsageTotals,
})
export type ActivityReport = z.infer<typeof ActivityReport>


/** GET /usage with `format`: every matching record, streamed, newest first. */
export const UsageExportQuery = UsageQuery.extend(FormatField)
export type UsageExportQuery = z.infer<typeof UsageExportQuery>
