/**
 * OpenRouter's model list, `GET /api/v1/models`:
 * `{data: [{id: "vendor/model", name, pricing: {prompt, completion, input_cache_read,
 * input_cache_write, request, image}}]}`, prices as strings in USD per token, often with
 * repeating decimals ("0.0000033333333").
 *
 * OpenRouter passes the vendor's price through, so an entry is an observation of
 * `vendor/model`. Skipped without counting: its own offers — ids with a `:free`, `:batch`,
 * `:thinking`… variant, which have other prices — and its routers (`openrouter/auto`),
 * priced "-1" (decided per request). A negative or unreadable price counts as skipped.
 */
import { isRecord, type ParsedFeed, parseJson, type RawObservation, requireReadable, SourceFormatError } from './adapter.js'
import { perTokenToNano } from './units.js'

export const OPENROUTER_URL = 'https://openrouter.ai/api/v1/models'

const VARIANT = /:[a-z][\w-]*$/i

export function parseOpenRouter(body: string): ParsedFeed {
  const doc = parseJson(body, 'OpenRouter model list')
  if (!isRecord(doc) || !Array.isArray(doc.data)) throw new SourceFormatError('OpenRouter model list: expected {data: [...]}')
  const feed: ParsedFeed = { observations: [], skipped: 0 }
  const seen = new Set<string>()
  for (const item of doc.data) {
    if (!isRecord(item) || typeof item.id !== 'string' || !item.id.includes('/')) {
      feed.skipped++
      continue
    }
    if (VARIANT.test(item.id) || item.id.startsWith('openrouter/')) continue
    const observation = readModel(item.id, item.pricing)
    if (observation === null || seen.has(item.id)) {
      feed.skipped++
      continue
    }
    seen.add(item.id)
    feed.observations.push(observation)
  }
  return requireReadable(feed, 'OpenRouter model list')
}

function readModel(id: string, pricing: unknown): RawObservation | null {
  if (!isRecord(pricing)) return null
  const inputNano = perTokenToNano(pricing.prompt)
  const outputNano = perTokenToNano(pricing.completion)
  if (inputNano === null || outputNano === null) return null
  const optional = (value: unknown) => (value === undefined || value === null || value === '' ? null : perTokenToNano(value))
  return {
    sourceProvider: null,
    sourceModelId: id,
    price: {
      inputNano,
      outputNano,
      cacheReadNano: optional(pricing.input_cache_read),
      cacheWriteNano: optional(pricing.input_cache_write),
      cacheWrite1hNano: null,
      tiers: [],
    },
  }
}
