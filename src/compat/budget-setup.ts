/**
 * The budgets the compatibility layer writes into (`apollo`, `rhetor`, `tekton`), and
 * their policies, created once: running a set-up again finds what the first run created
 * and adds nothing. Policies are matched by content (type, period, limits, thresholds,
 * scope), so the same defaults or the same legacy file never give two copies.
 *
 * Works on a BudgetService, so it runs against the embedded engine and a remote server
 * alike.
 */
import type { BudgetService } from '../client/service.js'
import type { Budget } from '../domain/budget.js'
import { BudgetError } from '../domain/errors.js'
import { usdToNano } from '../domain/money.js'
import type { Policy, PolicyInput } from '../domain/policy.js'
import { SCOPE_KEYS } from '../domain/common.js'

type SetupService = Pick<BudgetService, 'getBudget' | 'createBudget' | 'listPolicies' | 'createPolicy'>

const isCode = (error: unknown, code: string) => error instanceof BudgetError && error.code === code

/** The budget named `name`, or null when there is none. */
export async function findBudget(service: Pick<BudgetService, 'getBudget'>, name: string): Promise<Budget | null> {
  try {
    return await service.getBudget(name)
  } catch (error) {
    if (isCode(error, 'NOT_FOUND')) return null
    throw error
  }
}

/** The budget named `name`, created when missing (another writer creating it first is fine). */
export async function ensureBudget(service: SetupService, name: string, description: string): Promise<{ budget: Budget; created: boolean }> {
  const existing = await findBudget(service, name)
  if (existing) return { budget: existing, created: false }
  try {
    return { budget: await service.createBudget({ name, description }), created: true }
  } catch (error) {
    if (!isCode(error, 'CONFLICT')) throw error
    return { budget: await service.getBudget(name), created: false }
  }
}

/** A policy as ensurePolicies takes it: PolicyInput without the budget, which it supplies. */
export type PolicySpec = Omit<PolicyInput, 'budgetId'>

/** Whether `policy` already says what `spec` says (defaults filled in). */
export function samePolicy(policy: Policy, spec: PolicySpec): boolean {
  const cost = (usd: number | undefined) => (usd === undefined ? null : usdToNano(usd))
  return (
    policy.type === spec.type &&
    policy.period === spec.period &&
    policy.windowSeconds === spec.windowSeconds &&
    policy.tokenLimit === spec.tokenLimit &&
    cost(policy.costLimitUsd) === cost(spec.costLimitUsd) &&
    policy.warningThreshold === (spec.warningThreshold ?? 0.8) &&
    policy.actionThreshold === (spec.actionThreshold ?? 0.95) &&
    policy.enabled === (spec.enabled ?? true) &&
    SCOPE_KEYS.every((key) => policy.scope[key] === spec.scope?.[key])
  )
}

export interface EnsuredPolicies {
  created: Policy[]
  /** Specs that an existing policy already covered. */
  existing: number
}

/** Creates each spec that no policy of the budget matches yet; with `dryRun`, only counts them. */
export async function ensurePolicies(service: SetupService, budgetId: string | null, specs: readonly PolicySpec[], dryRun = false): Promise<EnsuredPolicies> {
  const current = budgetId === null ? [] : await service.listPolicies(budgetId)
  const created: Policy[] = []
  let existing = 0
  const planned: PolicySpec[] = []
  for (const spec of specs) {
    if (current.some((p) => samePolicy(p, spec)) || planned.some((p) => samePolicy(asPolicy(p), spec))) {
      existing += 1
      continue
    }
    planned.push(spec)
    if (!dryRun && budgetId !== null) created.push(await service.createPolicy({ ...spec, budgetId }))
  }
  return { created: dryRun ? planned.map(asPolicy) : created, existing }
}

/** A spec dressed as a policy, for comparisons and dry-run listings. */
function asPolicy(spec: PolicySpec): Policy {
  return {
    id: 'pol_planned' as Policy['id'],
    budgetId: 'bud_planned' as Policy['budgetId'],
    type: spec.type,
    period: spec.period,
    ...(spec.windowSeconds !== undefined && { windowSeconds: spec.windowSeconds }),
    ...(spec.tokenLimit !== undefined && { tokenLimit: spec.tokenLimit }),
    ...(spec.costLimitUsd !== undefined && { costLimitUsd: spec.costLimitUsd }),
    warningThreshold: spec.warningThreshold ?? 0.8,
    actionThreshold: spec.actionThreshold ?? 0.95,
    scope: spec.scope ?? {},
    enabled: spec.enabled ?? true,
    createdAt: new Date(0).toISOString(),
    updatedAt: new Date(0).toISOString(),
  }
}
