/**
 * What the `rhetor` budget spent in a window, from the hourly rollups (so a window is
 * counted in whole hours): per provider for the checks, and grouped Rhetor's way for its
 * usage summary. Costs are summed as integer nano-USD.
 */
import { invalid } from '../../domain/errors.js'
import { usdToNano } from '../../domain/money.js'
import type { TimeWindow } from '../../domain/periods.js'
import type { BudgetEngine } from '../../engine/engine.js'
import type { RhetorPeriod, RhetorUsageSummary } from './schemas.js'

export interface SpentByProvider {
  all: number
  byProvider: Map<string, number>
}

const span = (window: TimeWindow) => ({ from: new Date(window.startMs).toISOString(), to: new Date(window.endMs).toISOString() })

export async function spentByProvider(engine: Pick<BudgetEngine, 'usageSummary'>, budgetId: string, window: TimeWindow): Promise<SpentByProvider> {
  const summary = await engine.usageSummary({ budgetId, groupBy: ['provider'], ...span(window) })
  const byProvider = new Map<string, number>()
  let all = 0
  for (const group of summary.groups) {
    const nano = usdToNano(group.totals.costUsd)
    byProvider.set(group.key.provider ?? 'unknown', nano)
    all += nano
  }
  return { all, byProvider }
}

/** Rhetor's get_usage_summary: totals of the window and per provider, model, component or task type. */
export async function usageByGroup(engine: Pick<BudgetEngine, 'usageSummary'>, budgetId: string, period: RhetorPeriod, window: TimeWindow, groupBy: string): Promise<RhetorUsageSummary> {
  const key = groupBy === 'task_type' || groupBy === 'taskType' ? 'taskType' : groupBy
  if (key !== 'provider' && key !== 'model' && key !== 'component' && key !== 'taskType') {
    throw invalid(`groupBy must be provider, model, component or task_type, got ${groupBy}`, { path: ['groupBy'] })
  }
  const summary = await engine.usageSummary({ budgetId, groupBy: [key], ...span(window) })
  const groups: RhetorUsageSummary['groups'] = {}
  for (const group of summary.groups) {
    const t = group.totals
    groups[group.key[key] ?? 'unknown'] = { cost: t.costUsd, inputTokens: t.inputTokens, outputTokens: t.outputTokens, count: t.requests, unpriced: t.unpricedRequests }
  }
  const t = summary.totals
  return {
    period,
    groupBy,
    totalCost: t.costUsd,
    totalInputTokens: t.inputTokens,
    totalOutputTokens: t.outputTokens,
    totalTokens: t.inputTokens + t.outputTokens,
    count: t.requests,
    unpriced: t.unpricedRequests,
    groups,
  }
}
