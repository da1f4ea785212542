/**
 * `budget.get_usage_analytics`: usage of every budget in the current window of a period
 * (or between start_date and end_date), with totals by provider (and model within it),
 * component and task type, in the old payload shape. Reads the hourly rollups, so a
 * window is counted in whole hours. Input tokens here include cache reads and writes.
 */
import { z } from 'zod'
import { invalid } from '../../domain/errors.js'
import { nanoToUsd, usdToNano } from '../../domain/money.js'
import { calendarWindow } from '../../domain/periods.js'
import type { UsageTotals } from '../../domain/usage.js'
import type { BudgetEngine } from '../../engine/engine.js'
import { parseLegacyTimestamp } from '../legacy-time.js'

const AnalyticsPayload = z.looseObject({
  period: z.enum(['hourly', 'daily', 'weekly', 'monthly']).nullish(),
  provider: z.string().max(200).nullish(),
  model: z.string().max(200).nullish(),
  component: z.string().max(200).nullish(),
  task_type: z.string().max(200).nullish(),
  start_date: z.string().max(64).nullish(),
  end_date: z.string().max(64).nullish(),
})

interface Bucket {
  input_tokens: number
  output_tokens: number
  total_tokens: number
  cost: number
  count: number
}

const FILTERS = [
  ['provider', 'provider'],
  ['model', 'model'],
  ['component', 'component'],
  ['task_type', 'taskType'],
] as const

export async function usageAnalytics(engine: BudgetEngine, raw: Record<string, unknown>): Promise<Record<string, unknown>> {
  const p = AnalyticsPayload.parse(raw)
  const period = p.period ?? 'daily'
  const zone = engine.ctx.timeZone
  const custom = Boolean(p.start_date && p.end_date)
  const parse = (value: string, field: string) => {
    const ms = parseLegacyTimestamp(value, zone)
    if (ms === null) throw invalid(`${field} ${value} is not an ISO date or time`, { path: [field] })
    return ms
  }
  const span = custom ? { startMs: parse(p.start_date ?? '', 'start_date'), endMs: parse(p.end_date ?? '', 'end_date') } : calendarWindow(period, engine.ctx.now(), zone)

  const summary = await engine.usageSummary({
    groupBy: ['provider', 'model', 'component', 'taskType'],
    from: new Date(span.startMs).toISOString(),
    to: new Date(span.endMs).toISOString(),
  })
  const groups = summary.groups.filter((g) => FILTERS.every(([field, key]) => !p[field] || g.key[key] === p[field]))

  const totals = emptyNano()
  const providers: Record<string, Bucket & { models: Record<string, Bucket> }> = {}
  const components: Record<string, Bucket> = {}
  const taskTypes: Record<string, Bucket> = {}
  let unpriced = 0
  for (const { key, totals: t } of groups) {
    unpriced += t.unpricedRequests
    addNano(totals, t)
    const provider = (providers[key.provider ?? 'unknown'] ??= { ...emptyBucket(), models: {} })
    add(provider, t)
    add((provider.models[key.model ?? 'unknown'] ??= emptyBucket()), t)
    add((components[key.component ?? 'unknown'] ??= emptyBucket()), t)
    add((taskTypes[key.taskType ?? 'unknown'] ??= emptyBucket()), t)
  }
  return {
    period: custom ? 'custom' : period,
    start_date: new Date(span.startMs).toISOString(),
    end_date: new Date(span.endMs).toISOString(),
    total_input_tokens: totals.input,
    total_output_tokens: totals.output,
    total_tokens: totals.input + totals.output,
    total_cost: nanoToUsd(totals.costNano),
    record_count: totals.count,
    unpriced_count: unpriced,
    providers,
    components,
    task_types: taskTypes,
    time_series: null,
    success: true,
  }
}

const inputSide = (t: UsageTotals) => t.inputTokens + t.cacheReadTokens + t.cacheWriteTokens

const emptyBucket = (): Bucket => ({ input_tokens: 0, output_tokens: 0, total_tokens: 0, cost: 0, count: 0 })

/** Adds one group to a bucket; costs go through nano-USD so the decimal sums stay exact. */
function add(bucket: Bucket, t: UsageTotals): void {
  bucket.input_tokens += inputSide(t)
  bucket.output_tokens += t.outputTokens
  bucket.total_tokens += inputSide(t) + t.outputTokens
  bucket.cost = nanoToUsd(usdToNano(bucket.cost) + usdToNano(t.costUsd))
  bucket.count += t.requests
}

const emptyNano = () => ({ input: 0, output: 0, costNano: 0, count: 0 })

function addNano(sum: ReturnType<typeof emptyNano>, t: UsageTotals): void {
  sum.input += inputSide(t)
  sum.output += t.outputTokens
  sum.costNano += usdToNano(t.costUsd)
  sum.count += t.requests
}
