/**
 * Where a policy is heading: its burn rates, the usage projected for the end of its
 * window and when it would run out, from figures the caller reads. Pure arithmetic, one
 * linear method, stated in FORECAST_METHOD so that every report says how it forecasts:
 *
 * - recent burn rate: what the policy counts over the last N hours ÷ that span;
 * - window-to-date burn rate: usage in the current window ÷ time elapsed in it;
 * - projection: calendar windows, used + window-to-date rate × time left (linear);
 *   rolling windows, recent rate × window length (steady state); none for per_session /
 *   per_task, whose windows are sessions and tasks, not time;
 * - exhaustion: now + headroom (limit − used − reserved) ÷ recent rate, for whichever limit
 *   (tokens or USD) comes first; reported only when it falls inside the window.
 */
import { isCalendarPeriod } from '../domain/periods.js'
import { nanoToUsd, usdToNano } from '../domain/money.js'
import type { BurnRate, ForecastMethod, PolicyOutlook } from '../domain/report.js'
import type { PolicyWindowUsage } from '../domain/summary.js'
import { utilization } from '../engine/decide.js'
import { statusOf } from '../engine/summary.js'
import type { PolicyRow } from '../store/budgets.js'

const HOUR_MS = 3_600_000
/** A window younger than this has no meaningful window-to-date rate. */
const MIN_ELAPSED_MS = 60_000

export const forecastMethod = (recentHours: number, timeZone: string): ForecastMethod => ({
  name: 'linear',
  burnRate: `recent: tokens (input + output + cache read + cache write) and USD the policy counts over the last ${recentHours} h, from the hourly rollups, ÷ that span; window-to-date: usage in the current window ÷ time elapsed in it`,
  projection: 'calendar windows: used + window-to-date rate × time left in the window; rolling windows: recent rate × window length (steady state); per_session / per_task: none',
  exhaustion: 'now + (limit − used − reserved) ÷ recent rate, for the first limit reached (tokens or USD); null when the recent rate is 0 or the window ends first; now when already exhausted',
  monthEnd: `month-to-date cost of the calendar month in ${timeZone} ÷ time elapsed × length of the month, per budget and in total`,
})

/** What the policy counted over the recent span, read from the rollups. */
export interface RecentUsage {
  tokens: number
  costNano: number
  spanMs: number
}

export type Outlook = Omit<PolicyOutlook, 'budgetId' | 'budgetName'>

export function outlookOf(policy: PolicyRow, window: PolicyWindowUsage, recent: RecentUsage, nowMs: number): Outlook {
  const used = { tokens: window.tokensUsed, costNano: usdToNano(window.costUsd) }
  const held = { tokens: window.tokensReserved, costNano: usdToNano(window.costReservedUsd) }
  const startMs = window.windowStart === null ? null : Date.parse(window.windowStart)
  const endMs = window.windowEnd === null ? null : Date.parse(window.windowEnd)
  const recentRate = recent.spanMs > 0 ? perHour(recent.tokens, recent.costNano, recent.spanMs) : null
  const windowMs = startMs !== null && endMs !== null ? endMs - startMs : null
  const elapsedMs = startMs === null ? null : policy.period === 'rolling' ? windowMs : nowMs - startMs
  const windowToDate = elapsedMs !== null && elapsedMs >= MIN_ELAPSED_MS ? perHour(used.tokens, used.costNano, elapsedMs) : null

  let projected: { tokens: number; costNano: number } | null = null
  if (isCalendarPeriod(policy.period) && endMs !== null && windowToDate !== null) {
    const leftHours = Math.max(0, endMs - nowMs) / HOUR_MS
    projected = { tokens: Math.round(used.tokens + windowToDate.tokensPerHour * leftHours), costNano: Math.round(used.costNano + windowToDate.nanoPerHour * leftHours) }
  } else if (policy.period === 'rolling' && windowMs !== null && recentRate !== null) {
    projected = { tokens: Math.round((recentRate.tokensPerHour * windowMs) / HOUR_MS), costNano: Math.round((recentRate.nanoPerHour * windowMs) / HOUR_MS) }
  }
  const projectedUtil = projected === null ? null : utilization(policy, projected)
  const exhaustionMs = exhaustion(policy, used, held, window.utilization, recentRate, nowMs)
  const inWindow = exhaustionMs !== null && (policy.period === 'rolling' ? (projectedUtil ?? 0) >= 1 : endMs !== null && exhaustionMs < endMs)

  return {
    policyId: window.policyId,
    type: window.type,
    period: window.period,
    windowStart: window.windowStart,
    windowEnd: window.windowEnd,
    tokensUsed: used.tokens,
    costUsd: window.costUsd,
    tokensReserved: held.tokens,
    costReservedUsd: window.costReservedUsd,
    tokenLimit: policy.tokenLimit,
    costLimitUsd: policy.costLimitNano === null ? null : nanoToUsd(policy.costLimitNano),
    remainingTokens: policy.tokenLimit === null ? null : Math.max(0, policy.tokenLimit - used.tokens - held.tokens),
    remainingUsd: policy.costLimitNano === null ? null : nanoToUsd(Math.max(0, policy.costLimitNano - used.costNano - held.costNano)),
    utilization: window.utilization,
    utilizationPercent: Math.round(window.utilization * 1_000) / 10,
    status: window.status,
    burnRate: { recent: recentRate && publicRate(recentRate), windowToDate: windowToDate && publicRate(windowToDate) },
    forecast:
      projected === null || projectedUtil === null
        ? null
        : { tokens: projected.tokens, costUsd: nanoToUsd(projected.costNano), utilization: round4(projectedUtil), status: statusOf(policy, projectedUtil) },
    exhaustionAt: inWindow && exhaustionMs !== null ? new Date(exhaustionMs).toISOString() : null,
    exhaustsInWindow: inWindow,
  }
}

interface Rate {
  tokensPerHour: number
  nanoPerHour: number
}

const perHour = (tokens: number, costNano: number, spanMs: number): Rate => ({ tokensPerHour: (tokens * HOUR_MS) / spanMs, nanoPerHour: (costNano * HOUR_MS) / spanMs })

const publicRate = (rate: Rate): BurnRate => ({ tokensPerHour: Math.round(rate.tokensPerHour * 100) / 100, usdPerHour: Math.round(rate.nanoPerHour) / 1e9 })

const round4 = (n: number) => Math.round(n * 10_000) / 10_000

function exhaustion(
  policy: PolicyRow,
  used: { tokens: number; costNano: number },
  held: { tokens: number; costNano: number },
  util: number,
  rate: Rate | null,
  nowMs: number,
): number | null {
  if (policy.period === 'per_session' || policy.period === 'per_task') return null
  if (util >= 1) return nowMs
  if (rate === null) return null
  const candidates: number[] = []
  if (policy.tokenLimit !== null && rate.tokensPerHour > 0) candidates.push(((policy.tokenLimit - used.tokens - held.tokens) / rate.tokensPerHour) * HOUR_MS)
  if (policy.costLimitNano !== null && rate.nanoPerHour > 0) candidates.push(((policy.costLimitNano - used.costNano - held.costNano) / rate.nanoPerHour) * HOUR_MS)
  if (candidates.length === 0) return null
  return nowMs + Math.max(0, Math.round(Math.min(...candidates)))
}
