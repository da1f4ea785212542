/**
 * Pricing as the surfaces ask for it: the cost of given token counts, and the catalog in
 * effect now. The arithmetic is pricing/cost.ts; this only resolves and formats.
 */
import { nanoToUsd } from '../domain/money.js'
import { type CostRequest, type CostResult, type ModelPrice, type PriceQuery, toModelPrice } from '../domain/price.js'
import type { EngineContext } from './context.js'

export function calculateCost(ctx: EngineContext, request: CostRequest): CostResult {
  const atMs = request.timestamp === undefined ? ctx.now() : Date.parse(request.timestamp)
  const usage = {
    inputTokens: request.inputTokens,
    outputTokens: request.outputTokens,
    cacheReadTokens: request.cacheReadTokens ?? 0,
    cacheWriteTokens: request.cacheWriteTokens ?? 0,
    cacheWrite1hTokens: request.cacheWrite1hTokens ?? 0,
  }
  const result = ctx.catalog.price(usage, request.provider, request.model, atMs)
  const version = ctx.catalog.at(request.provider, request.model, atMs)
  return {
    provider: request.provider,
    model: request.model,
    resolvedModel: version?.model ?? null,
    costUsd: result.costNano === null ? null : nanoToUsd(result.costNano),
    unpriced: result.unpriced,
    priceVersion: result.priceVersion,
    price: version === undefined ? null : toModelPrice(version),
  }
}

export function currentPrices(ctx: EngineContext, query: PriceQuery): ModelPrice[] {
  return ctx.catalog.current(query, ctx.now()).map(toModelPrice)
}
