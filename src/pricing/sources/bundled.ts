/**
 * The bundled `@pydantic/genai-prices` data as a source: the price each bundled model has
 * now. Always available, never fetched — the offline default, and one vote among the
 * feeds (trust 0.85 by default).
 */
import type { PriceVersion } from '../../domain/price.js'
import { loadBundledPrices } from '../bundled.js'
import type { ParsedFeed } from './adapter.js'

let cached: PriceVersion[] | null = null

export function readBundled(nowMs: number): ParsedFeed {
  cached ??= loadBundledPrices()
  const observations = cached
    .filter((v) => v.effectiveFromMs <= nowMs && (v.effectiveToMs === null || nowMs < v.effectiveToMs))
    .map((v) => ({
      sourceProvider: v.provider,
      sourceModelId: v.model,
      price: { inputNano: v.inputNano, outputNano: v.outputNano, cacheReadNano: v.cacheReadNano, cacheWriteNano: v.cacheWriteNano, cacheWrite1hNano: v.cacheWrite1hNano, tiers: v.tiers },
    }))
  return { observations, skipped: 0 }
}
