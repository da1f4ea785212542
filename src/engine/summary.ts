/**
 * A budget's standing: for each policy, the window in force, what it has used and what
 * active reservations hold, against its limits. Reads the per-policy counters only.
 */
import type { BudgetId, PolicyId } from '../domain/ids.js'
import { nanoToUsd } from '../domain/money.js'
import type { BudgetSummary, PolicyStatus, PolicyWindowUsage, SummaryQuery } from '../domain/summary.js'
import { policiesOfBudget, type PolicyRow } from '../store/budgets.js'
import { policyCounters } from '../store/usage.js'
import { requireBudget } from './budgets.js'
import type { EngineContext } from './context.js'
import { utilization } from './decide.js'
import { currentSpan } from './policy-window.js'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export async function summary(ctx: EngineContext, budgetIdOrName: string, query: SummaryQuery = {}): Promise<BudgetSummary> {
  const db = ctx.store.db
  const budget = await requireBudget(db, budgetIdOrName)
  const atMs = query.at === undefined ? ctx.now() : Date.parse(query.at)
  const policies = (await policiesOfBudget(db, budget.id)).filter((p) => p.enabled && (query.period === undefined || p.period === query.period))
  const rows = await Promise.all(policies.map((policy) => policyWindow(ctx, policy, atMs, query.contextId ?? null)))
  return { budgetId: budget.id as BudgetId, policies: rows }
}

async function policyWindow(ctx: EngineContext, policy: PolicyRow, atMs: number, contextId: string | null): Promise<PolicyWindowUsage> {
  const span = currentSpan(policy, atMs, ctx.timeZone, contextId)
  const zero = { tokens: 0, costNano: 0 }
  const { used, held } = span === null ? { used: zero, held: zero } : await policyCounters(ctx.store.db, policy.id, span, ctx.now())
  const util = utilization(policy, used)
  const row: PolicyWindowUsage = {
    policyId: policy.id as PolicyId,
    type: policy.type,
    period: policy.period,
    windowStart: iso(span?.windowStartMs ?? null),
    windowEnd: iso(span?.windowEndMs ?? null),
    tokensUsed: used.tokens,
    costUsd: nanoToUsd(used.costNano),
    tokensReserved: held.tokens,
    costReservedUsd: nanoToUsd(held.costNano),
    utilization: Math.round(util * 10_000) / 10_000,
    status: statusOf(policy, util),
  }
  if (policy.tokenLimit !== null) row.tokenLimit = policy.tokenLimit
  if (policy.costLimitNano !== null) row.costLimitUsd = nanoToUsd(policy.costLimitNano)
  return row
}

export function statusOf(policy: Pick<PolicyRow, 'warningThreshold' | 'actionThreshold'>, util: number): PolicyStatus {
  if (util >= 1) return 'exceeded'
  if (util >= policy.actionThreshold) return 'action'
  if (util >= policy.warningThreshold) return 'warning'
  return 'ok'
}
