/**
 * The decision for one policy and one estimate, and how decisions of several policies
 * combine. Pure: the caller reads the counters and writes the reservation.
 */
import type { CheckAction, PolicyHeadroom } from '../domain/check.js'
import type { PolicyId } from '../domain/ids.js'
import { nanoToUsd } from '../domain/money.js'
import type { PolicyRow } from '../store/budgets.js'
import type { Amount } from '../store/usage.js'

export interface PolicyState {
  policy: PolicyRow
  used: Amount
  held: Amount
}

export interface Estimate {
  tokens: number
  /** null when the model has no known price. */
  costNano: number | null
}

export interface PolicyVerdict {
  action: CheckAction
  reason: string | null
  headroom: PolicyHeadroom
}

const SEVERITY: Record<CheckAction, number> = { allow: 0, warn: 1, downgrade: 2, block: 3 }

export const mostSevere = (actions: Iterable<CheckAction>): CheckAction => {
  let worst: CheckAction = 'allow'
  for (const action of actions) if (SEVERITY[action] > SEVERITY[worst]) worst = action
  return worst
}

/** Projected utilization: the larger of the token and cost ratios, 0 when the policy has no limit. */
export function utilization(policy: Pick<PolicyRow, 'tokenLimit' | 'costLimitNano'>, amount: Amount): number {
  const byTokens = policy.tokenLimit === null ? 0 : amount.tokens / policy.tokenLimit
  const byCost = policy.costLimitNano === null ? 0 : amount.costNano / policy.costLimitNano
  return Math.max(byTokens, byCost)
}

const label = (p: PolicyRow) => `${p.period} ${p.type} ${p.id}`

/** What one policy says about adding `estimate` to what it already counts. */
export function judge(state: PolicyState, estimate: Estimate): PolicyVerdict {
  const { policy, used, held } = state
  const projected: Amount = {
    tokens: used.tokens + held.tokens + estimate.tokens,
    costNano: used.costNano + held.costNano + (estimate.costNano ?? 0),
  }
  const util = utilization(policy, projected)
  const verdict = (action: CheckAction, reason: string | null) => ({ action, reason, headroom: headroom(state, projected, util) })

  if (policy.type === 'ignore') return verdict('allow', null)
  const overTokens = policy.tokenLimit !== null && projected.tokens > policy.tokenLimit
  const overCost = policy.costLimitNano !== null && projected.costNano > policy.costLimitNano
  if (overTokens || overCost) {
    const what = overTokens
      ? `${projected.tokens} tokens would pass the limit of ${policy.tokenLimit}`
      : `$${nanoToUsd(projected.costNano)} would pass the limit of $${nanoToUsd(policy.costLimitNano ?? 0)}`
    const action: CheckAction = policy.type === 'hard_limit' ? 'block' : policy.type === 'soft_limit' ? 'downgrade' : 'warn'
    return verdict(action, `${label(policy)}: ${what}`)
  }
  if (estimate.costNano === null && policy.costLimitNano !== null) {
    return verdict('warn', `${label(policy)}: the model has no known price, so its cost limit cannot be checked`)
  }
  if (util >= policy.actionThreshold) return verdict('warn', `${label(policy)}: at ${percent(util)} of its limit (action threshold ${percent(policy.actionThreshold)})`)
  if (util >= policy.warningThreshold) return verdict('warn', `${label(policy)}: at ${percent(util)} of its limit (warning threshold ${percent(policy.warningThreshold)})`)
  return verdict('allow', null)
}

function headroom(state: PolicyState, projected: Amount, util: number): PolicyHeadroom {
  const { policy } = state
  const result: PolicyHeadroom = { policyId: policy.id as PolicyId, type: policy.type, period: policy.period, utilization: round4(util) }
  if (policy.tokenLimit !== null) result.remainingTokens = Math.max(0, policy.tokenLimit - projected.tokens)
  if (policy.costLimitNano !== null) result.remainingUsd = nanoToUsd(Math.max(0, policy.costLimitNano - projected.costNano))
  return result
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000
const percent = (n: number) => `${Math.round(n * 1000) / 10}%`
