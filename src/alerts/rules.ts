/**
 * Alert rules for one policy's window, pure: which of `warning`, `action`, `exceeded` and
 * `forecast` its numbers call for, for tokens and for cost.
 *
 * - warning / action: what the window has used plus what active reservations hold
 *   reaches warningThreshold / actionThreshold of a limit — a heads-up that comes as soon
 *   as a check reserves it.
 * - exceeded: what the window has *used* reaches 100 % of a limit; reservations alone
 *   never make a window exceeded.
 * - forecast: at the window's burn rate so far, used reaches a limit before the window
 *   ends (forecast.ts); calendar windows only.
 *
 * A type is raised when any limit calls for it; the alert names the metric with the
 * higher ratio (for forecast: the one that runs out first). `ignore` policies never
 * alert. Dedup is the caller's: every candidate carries its key.
 */
import type { AlertMetric, AlertType } from '../domain/alert.js'
import { nanoToUsd } from '../domain/money.js'
import { isCalendarPeriod } from '../domain/periods.js'
import type { PolicyRow } from '../store/budgets.js'
import type { Amount } from '../store/usage.js'
import { type AlertWindow, policyDedupKey } from './dedup.js'
import { forecastReach } from './forecast.js'

export interface WindowState {
  policy: Pick<PolicyRow, 'id' | 'budgetId' | 'type' | 'period' | 'tokenLimit' | 'costLimitNano' | 'warningThreshold' | 'actionThreshold'>
  budgetName: string
  window: AlertWindow
  used: Amount
  held: Amount
  contextId: string | null
  /** The instant evaluated: usually the record's timestamp. */
  atMs: number
  /** The clock's now; a window already over gets no forecast. */
  nowMs: number
}

/** An alert the rules call for; value and limit in the metric's unit (tokens or nano-USD). */
export interface AlertCandidate {
  dedupKey: string
  budgetId: string
  policyId: string
  type: AlertType
  windowStartMs: number | null
  windowEndMs: number | null
  metric: AlertMetric
  value: number
  limit: number
  message: string
  details: Record<string, unknown>
}

interface Measure {
  metric: AlertMetric
  used: number
  held: number
  limit: number
}

function measures(state: WindowState): Measure[] {
  const { policy, used, held } = state
  const list: Measure[] = []
  if (policy.tokenLimit !== null) list.push({ metric: 'tokens', used: used.tokens, held: held.tokens, limit: policy.tokenLimit })
  if (policy.costLimitNano !== null) list.push({ metric: 'cost', used: used.costNano, held: held.costNano, limit: policy.costLimitNano })
  return list.filter((m) => m.limit > 0)
}

const THRESHOLD_TYPES = ['warning', 'action', 'exceeded'] as const

function thresholdOf(state: WindowState, type: (typeof THRESHOLD_TYPES)[number]): number {
  if (type === 'warning') return state.policy.warningThreshold
  if (type === 'action') return state.policy.actionThreshold
  return 1
}

/** Every alert the window's numbers call for, at most one per type. */
export function alertsFor(state: WindowState): AlertCandidate[] {
  if (state.policy.type === 'ignore') return []
  const list = measures(state)
  const candidates: AlertCandidate[] = []
  for (const type of THRESHOLD_TYPES) {
    const threshold = thresholdOf(state, type)
    const counted = list.map((m) => ({ ...m, amount: type === 'exceeded' ? m.used : m.used + m.held }))
    const reached = counted.filter((m) => (type === 'exceeded' ? m.amount >= m.limit : m.amount >= threshold * m.limit))
    const top = reached.sort((a, b) => b.amount / b.limit - a.amount / a.limit)[0]
    if (top) candidates.push(thresholdCandidate(state, type, threshold, top, top.amount))
  }
  const forecast = forecastCandidate(state, list)
  if (forecast) candidates.push(forecast)
  return candidates
}

function base(state: WindowState, type: AlertType, measure: Measure) {
  const { policy, window } = state
  return {
    dedupKey: policyDedupKey(policy.id, window, type),
    budgetId: policy.budgetId,
    policyId: policy.id,
    type,
    windowStartMs: window.startMs,
    windowEndMs: window.endMs,
    metric: measure.metric,
    limit: measure.limit,
  }
}

function thresholdCandidate(state: WindowState, type: AlertType, threshold: number, measure: Measure, amount: number): AlertCandidate {
  const { policy } = state
  const ratio = amount / measure.limit
  const what = type === 'exceeded' ? 'used' : 'used and reserved'
  const message =
    `${state.budgetName}: ${what} ${show(measure.metric, amount)} of the ${policy.period} ${policy.type} limit of ${show(measure.metric, measure.limit)} ` +
    `(${percent(ratio)}; ${type} at ${percent(threshold)})${windowText(state)}`
  return {
    ...base(state, type, measure),
    value: amount,
    message,
    details: {
      budgetName: state.budgetName,
      period: policy.period,
      policyType: policy.type,
      threshold,
      utilization: Math.round(ratio * 10_000) / 10_000,
      tokensUsed: state.used.tokens,
      tokensReserved: state.held.tokens,
      costUsd: nanoToUsd(state.used.costNano),
      costReservedUsd: nanoToUsd(state.held.costNano),
      ...(state.contextId === null ? {} : { contextId: state.contextId }),
    },
  }
}

function forecastCandidate(state: WindowState, list: Measure[]): AlertCandidate | null {
  const { window, policy } = state
  if (!isCalendarPeriod(policy.period) || window.startMs === null || window.endMs === null || window.endMs <= state.nowMs) return null
  const { startMs, endMs } = window
  const forecasts = list.flatMap((m) => {
    const f = forecastReach(m.used, m.limit, startMs, endMs, state.atMs)
    return f === null ? [] : [{ measure: m, forecast: f }]
  })
  const first = forecasts.sort((a, b) => a.forecast.reachAtMs - b.forecast.reachAtMs)[0]
  if (!first) return null
  const { measure, forecast } = first
  const rate = measure.metric === 'tokens' ? `${Math.round(forecast.ratePerHour).toLocaleString('en-US')} tokens` : `$${nanoToUsd(Math.round(forecast.ratePerHour))}`
  const message =
    `${state.budgetName}: at the current rate of ${rate} an hour, the ${policy.period} ${policy.type} limit of ${show(measure.metric, measure.limit)} ` +
    `is reached at ${iso(forecast.reachAtMs)}, before the window ends at ${iso(endMs)} (used so far: ${show(measure.metric, measure.used)})`
  return {
    ...base(state, 'forecast', measure),
    value: forecast.projectedAtEnd,
    message,
    details: {
      budgetName: state.budgetName,
      period: policy.period,
      policyType: policy.type,
      reachAt: iso(forecast.reachAtMs),
      used: measure.metric === 'tokens' ? measure.used : nanoToUsd(measure.used),
      ratePerHour: measure.metric === 'tokens' ? Math.round(forecast.ratePerHour) : nanoToUsd(Math.round(forecast.ratePerHour)),
      projectedAtEnd: measure.metric === 'tokens' ? forecast.projectedAtEnd : nanoToUsd(forecast.projectedAtEnd),
    },
  }
}

const iso = (ms: number) => new Date(ms).toISOString()
const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`
const show = (metric: AlertMetric, amount: number) => (metric === 'tokens' ? `${amount.toLocaleString('en-US')} tokens` : `$${nanoToUsd(amount)}`)

function windowText(state: WindowState): string {
  const { window, contextId } = state
  if (window.startMs !== null && window.endMs !== null) return ` in the window ${iso(window.startMs)} – ${iso(window.endMs)}`
  return contextId === null ? '' : ` in session ${contextId}`
}
