/**
 * Which policies apply to a request or a record: the policy's budget is the one named
 * (or none is named), and every field of its scope equals the request's.
 */
import { SCOPE_KEYS } from '../domain/common.js'
import type { PolicyRow } from '../store/budgets.js'

export interface Dimensions {
  budgetId: string | null
  tier: string | null
  provider: string
  model: string
  component: string | null
  taskType: string | null
}

export function applies(policy: Pick<PolicyRow, 'budgetId' | 'scope'>, request: Dimensions): boolean {
  if (request.budgetId !== null && policy.budgetId !== request.budgetId) return false
  return SCOPE_KEYS.every((key) => policy.scope[key] === undefined || policy.scope[key] === request[key])
}
