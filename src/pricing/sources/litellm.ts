/**
 * LiteLLM's `model_prices_and_context_window.json`: an object keyed by model id, prices in
 * USD per token.
 *
 * Read: input/output, cache read (`cache_read_input_token_cost`), cache write
 * (`cache_creation_input_token_cost`), 1-hour cache write
 * (`cache_creation_input_token_cost_above_1hr`) and long-context tiers from any
 * `<field>_above_<N>k_tokens` key. A tier's input or output price the file lacks is the
 * base price; a cache price it lacks stays unknown (null), which pricing reads as the base's.
 * Skipped without counting: `sample_spec` (documentation), models not priced per token
 * (images, audio, rerank…), and `openrouter/…` entries — a reseller's listing that repeats
 * the vendor's price (the OpenRouter adapter reads OpenRouter itself).
 */
import type { PriceTierNano } from '../../domain/price.js'
import type { PricePoint } from '../../domain/price-monitoring.js'
import { isRecord, type ParsedFeed, parseJson, type RawObservation, requireReadable, SourceFormatError } from './adapter.js'
import { perTokenToNano } from './units.js'

export const LITELLM_URL = 'https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json'

const NOT_TOKEN_PRICED = new Set(['image_generation', 'audio_transcription', 'audio_speech', 'moderation', 'rerank', 'video_generation', 'ocr', 'search', 'image_edit'])
const TIER_KEY = /^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost)_above_(\d+)k_tokens$/
const TIER_FIELD = {
  input_cost_per_token: 'inputNano',
  output_cost_per_token: 'outputNano',
  cache_read_input_token_cost: 'cacheReadNano',
  cache_creation_input_token_cost: 'cacheWriteNano',
} as const

export function parseLiteLlm(body: string): ParsedFeed {
  const doc = parseJson(body, 'LiteLLM price file')
  if (!isRecord(doc)) throw new SourceFormatError('LiteLLM price file: expected an object keyed by model id')
  const feed: ParsedFeed = { observations: [], skipped: 0 }
  for (const [key, entry] of Object.entries(doc)) {
    if (key === 'sample_spec') continue
    if (!isRecord(entry)) {
      feed.skipped++
      continue
    }
    if (typeof entry.mode === 'string' && NOT_TOKEN_PRICED.has(entry.mode)) continue
    if (entry.input_cost_per_token === undefined) continue
    if (entry.litellm_provider === 'openrouter') continue
    const observation = readEntry(key, entry)
    if (observation === null) feed.skipped++
    else feed.observations.push(observation)
  }
  return requireReadable(feed, 'LiteLLM price file')
}

function readEntry(key: string, entry: Record<string, unknown>): RawObservation | null {
  const provider = typeof entry.litellm_provider === 'string' ? entry.litellm_provider : null
  const inputNano = perTokenToNano(entry.input_cost_per_token)
  // Embeddings publish no output price: they produce no output tokens.
  const outputNano = entry.output_cost_per_token === undefined && entry.mode === 'embedding' ? 0 : perTokenToNano(entry.output_cost_per_token)
  if (provider === null || inputNano === null || outputNano === null) return null
  const optional = (value: unknown) => (value === undefined || value === null ? null : perTokenToNano(value))
  const price: PricePoint = {
    inputNano,
    outputNano,
    cacheReadNano: optional(entry.cache_read_input_token_cost),
    cacheWriteNano: optional(entry.cache_creation_input_token_cost),
    cacheWrite1hNano: optional(entry.cache_creation_input_token_cost_above_1hr),
    tiers: [],
  }
  const tiers = readTiers(entry, price)
  if (tiers === null) return null
  price.tiers = tiers
  return { sourceProvider: provider, sourceModelId: key, price }
}

function readTiers(entry: Record<string, unknown>, base: PricePoint): PriceTierNano[] | null {
  const byStart = new Map<number, PriceTierNano>()
  for (const [key, value] of Object.entries(entry)) {
    const match = TIER_KEY.exec(key)
    if (match === null) continue
    const nano = perTokenToNano(value)
    if (nano === null) return null
    const start = Number(match[2]) * 1000
    const tier = byStart.get(start) ?? {
      aboveInputTokens: start,
      inputNano: base.inputNano,
      outputNano: base.outputNano,
      cacheReadNano: null,
      cacheWriteNano: null,
      cacheWrite1hNano: null,
    }
    tier[TIER_FIELD[match[1] as keyof typeof TIER_FIELD]] = nano
    byStart.set(start, tier)
  }
  return [...byStart.values()].sort((a, b) => a.aboveInputTokens - b.aboveInputTokens)
}
