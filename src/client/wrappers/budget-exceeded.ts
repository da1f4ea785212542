/**
 * The error a wrapped LLM client throws instead of making a call its budgets block.
 */
import type { CheckDecision } from '../../domain/check.js'

export class BudgetExceededError extends Error {
  override readonly name = 'BudgetExceededError'
  readonly code = 'BUDGET_EXCEEDED'

  constructor(
    /** The blocking decision: its reasons, each policy's headroom and a cheaper model if one is known. */
    readonly decision: CheckDecision,
    readonly provider: string,
    readonly model: string,
  ) {
    super(`budget blocks a call to ${provider}/${model}: ${decision.reasons.join('; ') || 'no headroom left'}`)
  }
}
