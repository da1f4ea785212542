/**
 * The cost of one request under one price version, in exact integer nano-USD.
 *
 * Rules (DESIGN "Prices by time", "Core wire contract"):
 * - The tier is chosen by input + cache read + cache write tokens, strictly above a tier's
 *   aboveInputTokens (as genai-prices does), and the highest such tier prices the WHOLE
 *   request; a cache price the tier lacks is taken from the base price.
 * - A missing cache read or cache write price charges the input price: unknown is not free.
 * - 1-hour cache writes use their own price when known, else Anthropic's published rule
 *   (2× input) for Claude models, else the cache write price.
 *
 * Does not find the price version (pricing/catalog.ts) and does not round to USD.
 */
import { tokenCostNano } from '../domain/money.js'
import type { PriceTierNano, PriceVersion, TokenUsage } from '../domain/price.js'

function tierFor(tiers: readonly PriceTierNano[], promptTokens: number): PriceTierNano | undefined {
  for (let i = tiers.length - 1; i >= 0; i--) {
    const tier = tiers[i]
    if (tier !== undefined && promptTokens > tier.aboveInputTokens) return tier
  }
  return undefined
}

// Anthropic charges 1-hour cache writes at 2× input on its own API and where it hosts Claude
// elsewhere (Bedrock, Vertex); feeds often omit that price, and 1.25× would under-reserve.
function isClaude(price: PriceVersion): boolean {
  return price.provider === 'anthropic' || price.model.toLowerCase().includes('claude')
}

function assertUsage(usage: TokenUsage): void {
  const { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, cacheWrite1hTokens = 0 } = usage
  for (const count of [inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, cacheWrite1hTokens]) {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`token count must be a non-negative integer: ${count}`)
  }
  if (cacheWrite1hTokens > cacheWriteTokens) {
    throw new RangeError(`cacheWrite1hTokens (${cacheWrite1hTokens}) exceeds cacheWriteTokens (${cacheWriteTokens})`)
  }
}

/**
 * Exact cost in nano-USD, rounded half up once over the whole request.
 * @throws RangeError when a token count is negative or fractional, or 1-hour writes exceed all writes.
 */
export function costNano(price: PriceVersion, usage: TokenUsage): number {
  assertUsage(usage)
  const tier = tierFor(price.tiers, usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens)
  const inputNano = tier?.inputNano ?? price.inputNano
  const outputNano = tier?.outputNano ?? price.outputNano
  const cacheReadNano = tier?.cacheReadNano ?? price.cacheReadNano ?? inputNano
  const cacheWriteNano = tier?.cacheWriteNano ?? price.cacheWriteNano ?? inputNano
  const cacheWrite1hNano =
    tier?.cacheWrite1hNano ?? price.cacheWrite1hNano ?? (isClaude(price) ? 2 * inputNano : cacheWriteNano)
  const cacheWrite1hTokens = usage.cacheWrite1hTokens ?? 0
  return tokenCostNano([
    [usage.inputTokens, inputNano],
    [usage.outputTokens, outputNano],
    [usage.cacheReadTokens, cacheReadNano],
    [usage.cacheWriteTokens - cacheWrite1hTokens, cacheWriteNano],
    [cacheWrite1hTokens, cacheWrite1hNano],
  ])
}
