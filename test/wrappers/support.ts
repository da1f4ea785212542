/**
 * Reading back what a wrapped LLM client did: the usage records of a budget, their exact
 * price by the catalog, and the budget's reservations.
 */
import type { BudgetService } from '../../src/client/service.js'
import type { UsageRecord } from '../../src/domain/usage.js'

type Reader = Pick<BudgetService, 'listUsage' | 'calculateCost' | 'listReservations'>

export async function recordsOf(service: Reader, budgetId: string): Promise<UsageRecord[]> {
  return (await service.listUsage({ budgetId, limit: 100 })).items
}

/** What the catalog charges for a record's tokens at its instant: the cost the record must carry. Throws for an unpriced record. */
export async function catalogCostOf(service: Reader, r: UsageRecord): Promise<number | null> {
  if (r.unpriced || r.costUsd === null) throw new Error(`${r.provider}/${r.model} was recorded unpriced`)
  const cost = await service.calculateCost({
    provider: r.provider,
    model: r.model,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cacheReadTokens: r.cacheReadTokens,
    cacheWriteTokens: r.cacheWriteTokens,
    cacheWrite1hTokens: r.cacheWrite1hTokens,
    timestamp: r.timestamp,
  })
  return cost.costUsd
}

export async function reservationsOf(service: Reader, budgetId: string) {
  return service.listReservations({ budgetId, limit: 100 })
}
