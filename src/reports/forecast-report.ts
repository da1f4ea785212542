/**
 * The budgets report (every budget, each policy's current window, headroom, status and
 * projected end-of-window usage) and the forecast report (the same per policy, plus
 * burn rates, exhaustion times and the projected month-end cost). Windows and usage come
 * from the budget summaries (per-policy counters), rates from the rollups; the method is
 * outlook.ts's and is stated in every answer.
 *
 * Policy windows follow the service's time zone (they are the engine's windows); the
 * query's time zone only sets the calendar month of the month-end projection.
 */
import { sql } from 'kysely'
import type { Budget } from '../domain/budget.js'
import { nanoToUsd } from '../domain/money.js'
import { calendarWindow } from '../domain/periods.js'
import type { BudgetsReport, ForecastReport, OutlookQuery, PolicyOutlook, ReportFilters } from '../domain/report.js'
import { allBudgets, getBudget } from '../engine/budgets.js'
import type { EngineContext } from '../engine/context.js'
import { summary } from '../engine/summary.js'
import { policiesOfBudget, type PolicyRow } from '../store/budgets.js'
import { forecastMethod, type Outlook, outlookOf, type RecentUsage } from './outlook.js'
import { ceilTo, chooseSource, countedTokenSum, floorTo, HOUR_MS, HOURLY, resolveFilters, slices } from './rollup-source.js'

export async function budgetsReport(ctx: EngineContext, query: OutlookQuery): Promise<BudgetsReport> {
  const nowMs = ctx.now()
  const budgets = await outlooks(ctx, query, nowMs)
  return {
    generatedAt: new Date(nowMs).toISOString(),
    timeZone: ctx.timeZone,
    method: forecastMethod(query.recentHours, query.timeZone ?? ctx.timeZone),
    budgets: budgets.map(({ budget, policies }) => ({ id: budget.id, name: budget.name, owner: budget.owner, policies: policies.map((p) => withBudget(budget, p)) })),
  }
}

export async function forecastReport(ctx: EngineContext, query: OutlookQuery): Promise<ForecastReport> {
  const nowMs = ctx.now()
  const timeZone = query.timeZone ?? ctx.timeZone
  const budgets = await outlooks(ctx, query, nowMs)
  return {
    generatedAt: new Date(nowMs).toISOString(),
    timeZone,
    recentHours: query.recentHours,
    method: forecastMethod(query.recentHours, timeZone),
    policies: budgets.flatMap(({ budget, policies }) => policies.map((p) => withBudget(budget, p))),
    monthEnd: await monthEnd(ctx, query, timeZone, nowMs),
  }
}

const withBudget = (budget: Budget, outlook: Outlook): PolicyOutlook => ({ budgetId: budget.id, budgetName: budget.name, ...outlook })

async function outlooks(ctx: EngineContext, query: OutlookQuery, nowMs: number): Promise<{ budget: Budget; policies: Outlook[] }[]> {
  const budgets = query.budgetId === undefined ? await allBudgets(ctx) : [await getBudget(ctx, query.budgetId)]
  return Promise.all(
    budgets.map(async (budget) => {
      const [windows, rows] = await Promise.all([summary(ctx, budget.id), policiesOfBudget(ctx.store.db, budget.id)])
      const byId = new Map(rows.map((p) => [p.id, p]))
      const policies = await Promise.all(
        windows.policies.map(async (window) => {
          const policy = byId.get(window.policyId) as PolicyRow
          return outlookOf(policy, window, await recentUsage(ctx, policy, query.recentHours, nowMs), nowMs)
        }),
      )
      return { budget, policies }
    }),
  )
}

/**
 * What a policy counted over the last `hours` hours: the rollup hours from the one
 * `hours − 1` before the current one up to now, over the records the policy counts —
 * its budget's and those that name no budget, equal to its scope.
 */
async function recentUsage(ctx: EngineContext, policy: PolicyRow, hours: number, nowMs: number): Promise<RecentUsage> {
  const fromMs = floorTo(nowMs, HOUR_MS) - (hours - 1) * HOUR_MS
  const filters: ReportFilters = { budgetId: [policy.budgetId, ''] }
  for (const [field, value] of Object.entries(policy.scope) as [keyof PolicyRow['scope'], string | undefined][]) {
    if (value !== undefined) filters[field] = [value]
  }
  const row = await slices(ctx.store.db, HOURLY, { fromMs, toMs: floorTo(nowMs, HOUR_MS) + HOUR_MS, filters })
    .select([countedTokenSum().as('tokens'), sql<number>`sum(${sql.ref('costNano')})`.as('costNano')])
    .executeTakeFirst()
  return { tokens: Number(row?.tokens ?? 0), costNano: Number(row?.costNano ?? 0), spanMs: nowMs - fromMs }
}

async function monthEnd(ctx: EngineContext, query: OutlookQuery, timeZone: string, nowMs: number): Promise<ForecastReport['monthEnd']> {
  const month = calendarWindow('monthly', nowMs, timeZone)
  const source = chooseSource(false, [month.startMs])
  const filters = await resolveFilters(ctx.store.db, query.budgetId === undefined ? {} : { budgetId: [query.budgetId] })
  const rows = await slices(ctx.store.db, source, { fromMs: floorTo(month.startMs, source.sliceMs), toMs: ceilTo(nowMs + 1, source.sliceMs), filters })
    .select([sql<string>`${sql.ref('budgetId')}`.as('budgetId'), sql<number>`sum(${sql.ref('costNano')})`.as('costNano')])
    .groupBy(sql.ref('budgetId'))
    .execute()
  const names = new Map((await allBudgets(ctx, true)).map((b) => [b.id as string, b.name]))
  const elapsedMs = BigInt(Math.max(1, nowMs - month.startMs))
  const lengthMs = BigInt(month.endMs - month.startMs)
  const project = (nano: bigint) => (nano * lengthMs) / elapsedMs
  let total = 0n
  const byBudget = rows
    .map((row) => {
      const nano = BigInt(Number(row.costNano ?? 0))
      total += nano
      const budgetId = row.budgetId === '' ? null : row.budgetId
      return { budgetId, name: budgetId === null ? null : (names.get(budgetId) ?? null), costToDateUsd: nanoToUsd(nano), projectedCostUsd: nanoToUsd(project(nano)) }
    })
    .sort((a, b) => b.costToDateUsd - a.costToDateUsd)
  return {
    monthStart: new Date(month.startMs).toISOString(),
    monthEnd: new Date(month.endMs).toISOString(),
    costToDateUsd: nanoToUsd(total),
    projectedCostUsd: nanoToUsd(project(total)),
    byBudget,
  }
}

/** Export columns of the per-policy rows of the budgets and forecast reports. */
export const OUTLOOK_COLUMNS = [
  'budgetId',
  'budgetName',
  'policyId',
  'type',
  'period',
  'windowStart',
  'windowEnd',
  'tokensUsed',
  'costUsd',
  'tokensReserved',
  'costReservedUsd',
  'tokenLimit',
  'costLimitUsd',
  'remainingTokens',
  'remainingUsd',
  'utilizationPercent',
  'status',
  'recentTokensPerHour',
  'recentUsdPerHour',
  'windowToDateTokensPerHour',
  'windowToDateUsdPerHour',
  'forecastTokens',
  'forecastCostUsd',
  'forecastStatus',
  'exhaustionAt',
] as const

export function flattenOutlook(p: PolicyOutlook): Record<(typeof OUTLOOK_COLUMNS)[number], string | number | null> {
  return {
    budgetId: p.budgetId,
    budgetName: p.budgetName,
    policyId: p.policyId,
    type: p.type,
    period: p.period,
    windowStart: p.windowStart,
    windowEnd: p.windowEnd,
    tokensUsed: p.tokensUsed,
    costUsd: p.costUsd,
    tokensReserved: p.tokensReserved,
    costReservedUsd: p.costReservedUsd,
    tokenLimit: p.tokenLimit,
    costLimitUsd: p.costLimitUsd,
    remainingTokens: p.remainingTokens,
    remainingUsd: p.remainingUsd,
    utilizationPercent: p.utilizationPercent,
    status: p.status,
    recentTokensPerHour: p.burnRate.recent?.tokensPerHour ?? null,
    recentUsdPerHour: p.burnRate.recent?.usdPerHour ?? null,
    windowToDateTokensPerHour: p.burnRate.windowToDate?.tokensPerHour ?? null,
    windowToDateUsdPerHour: p.burnRate.windowToDate?.usdPerHour ?? null,
    forecastTokens: p.forecast?.tokens ?? null,
    forecastCostUsd: p.forecast?.costUsd ?? null,
    forecastStatus: p.forecast?.status ?? null,
    exhaustionAt: p.exhaustionAt,
  }
}
