/**
 * Apollo's get_budget_summary: per tier, the most specific enabled token policy of the
 * period that applies (its scope names the tier, and names the component and task type
 * asked for or none), what that policy counts in its current window, its limit, and the
 * live allocations of the tier.
 *
 * "Used" is what the policy counts — for a tier-wide policy that is the whole tier even
 * when a component is asked for; Apollo kept separate counters per component instead.
 */
import type { Tier } from '../../domain/common.js'
import type { Policy } from '../../domain/policy.js'
import type { BudgetEngine } from '../../engine/engine.js'
import { listAllocations } from '../../store/compat-allocations.js'
import { TIERS } from '../defaults.js'
import type { ApolloBudgetSummary, ApolloSummaryQuery } from './schemas.js'
import type { z } from 'zod'

type Query = z.output<typeof ApolloSummaryQuery>

const specificity = (p: Policy) => Number(p.scope.component !== undefined) + Number(p.scope.taskType !== undefined)

function appliesTo(policy: Policy, tier: Tier, query: Query): boolean {
  const { scope } = policy
  if (scope.tier !== tier || scope.provider !== undefined || scope.model !== undefined) return false
  if (scope.component !== undefined && query.component !== undefined && scope.component !== query.component) return false
  return !(scope.taskType !== undefined && query.taskType !== undefined && scope.taskType !== query.taskType)
}

export async function apolloSummaries(engine: BudgetEngine, budgetId: string, query: Query): Promise<ApolloBudgetSummary[]> {
  const now = engine.ctx.now()
  const policies = (await engine.listPolicies(budgetId)).filter((p) => p.enabled && p.period === query.period && p.tokenLimit !== undefined)
  if (policies.length === 0) return []
  const windows = new Map((await engine.summary(budgetId, { period: query.period })).policies.map((w) => [w.policyId as string, w]))
  const summaries: ApolloBudgetSummary[] = []
  for (const tier of query.tier === undefined ? TIERS : [query.tier]) {
    const candidates = policies.filter((p) => appliesTo(p, tier, query))
    if (candidates.length === 0) continue
    const policy = candidates.reduce((best, p) => (specificity(p) > specificity(best) ? p : best))
    const limit = policy.tokenLimit ?? 0
    const window = windows.get(policy.id)
    const used = window?.tokensUsed ?? 0
    const allocations = await listAllocations(engine.ctx.store.db, {
      budgetId,
      tier,
      ...(query.component !== undefined && { component: query.component }),
      ...(query.taskType !== undefined && { taskType: query.taskType }),
      liveAtMs: now,
    })
    summaries.push({
      period: query.period,
      tier,
      component: query.component ?? null,
      taskType: query.taskType ?? null,
      policyId: policy.id,
      policyType: policy.type,
      totalAllocated: allocations.reduce((sum, a) => sum + Number(a.tokensAllocated), 0),
      totalUsed: used,
      limit,
      remaining: Math.max(0, limit - used),
      usagePercentage: limit > 0 ? Math.round((used / limit) * 10_000) / 10_000 : 0,
      isExceeded: used > limit,
      activeAllocations: allocations.filter((a) => Number(a.isActive) === 1).length,
      startTime: window?.windowStart ?? null,
      endTime: window?.windowEnd ?? null,
    })
  }
  return summaries
}
