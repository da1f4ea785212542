/**
 * Rhetor's cost breakdown of token counts, from our catalog at an instant: the input's
 * cost, the output's (the rest of the total, so tiered prices stay exact) and the total.
 * Unknown models are unpriced (null), never free.
 */
import { nanoToUsd, usdToNano } from '../../domain/money.js'
import type { BudgetEngine } from '../../engine/engine.js'
import type { CostBreakdown } from './schemas.js'

export async function priceTokens(engine: Pick<BudgetEngine, 'calculateCost'>, provider: string, model: string, inputTokens: number, outputTokens: number, timestamp?: string): Promise<CostBreakdown> {
  const at = timestamp === undefined ? {} : { timestamp }
  const total = await engine.calculateCost({ provider, model, inputTokens, outputTokens, ...at })
  const inputOnly = await engine.calculateCost({ provider, model, inputTokens, outputTokens: 0, ...at })
  const priced = total.costUsd !== null && inputOnly.costUsd !== null
  return {
    inputTokens,
    outputTokens,
    inputCost: priced ? inputOnly.costUsd : null,
    outputCost: priced ? nanoToUsd(usdToNano(total.costUsd ?? 0) - usdToNano(inputOnly.costUsd ?? 0)) : null,
    totalCost: total.costUsd,
    unpriced: total.unpriced,
    priceVersion: total.priceVersion,
    tokensEstimated: true,
  }
}
