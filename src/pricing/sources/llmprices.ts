/**
 * llm-prices.com (Simon Willison's llm-prices): `current-v1.json`
 * `{updated_at, prices: [{id, vendor, name, input, output, input_cached}]}` and
 * `historical-v1.json` `{prices: [{…, from_date, to_date}]}`, USD per million tokens.
 *
 * - `input_cached` is the cache-read price; the feed has no cache-write price (absent, not 0).
 * - A long-context price is published as a model of its own whose id ends in `-200k`
 *   ("Claude Sonnet 4 and 4.5 >200k"): it becomes the tier above 200,000 input tokens of the
 *   base id when the base is listed, and is skipped otherwise.
 * - Dates are days (UTC); `to_date` is the day the next price starts (exclusive), null = current.
 * - An id listed twice keeps its first entry; a second one with other prices counts as skipped.
 */
import type { PricePoint } from '../../domain/price-monitoring.js'
import { type HistoricalObservation, isRecord, type ParsedFeed, parseJson, type RawObservation, requireReadable, SourceFormatError } from './adapter.js'
import { perMtokToNano } from './units.js'

export const LLMPRICES_URL = 'https://www.llm-prices.com/current-v1.json'
export const LLMPRICES_HISTORY_URL = 'https://www.llm-prices.com/historical-v1.json'

const LONG_CONTEXT = /-(\d+)k$/
const DAY = /^\d{4}-\d{2}-\d{2}$/

interface Entry {
  id: string
  vendor: string | null
  price: PricePoint
  fromMs: number
  toMs: number | null
}

function readEntries(body: string, what: string, withDates: boolean): { entries: Entry[]; skipped: number } {
  const doc = parseJson(body, what)
  if (!isRecord(doc) || !Array.isArray(doc.prices)) throw new SourceFormatError(`${what}: expected {prices: [...]}`)
  const entries: Entry[] = []
  let skipped = 0
  for (const item of doc.prices) {
    const entry = isRecord(item) ? readEntry(item, withDates) : null
    if (entry === null) skipped++
    else entries.push(entry)
  }
  return { entries, skipped }
}

function readEntry(item: Record<string, unknown>, withDates: boolean): Entry | null {
  const inputNano = perMtokToNano(item.input)
  const outputNano = perMtokToNano(item.output)
  if (typeof item.id !== 'string' || item.id.trim() === '' || inputNano === null || outputNano === null) return null
  const cached = item.input_cached === undefined || item.input_cached === null ? null : perMtokToNano(item.input_cached)
  if (item.input_cached !== undefined && item.input_cached !== null && cached === null) return null
  const fromMs = withDates ? day(item.from_date, 0) : 0
  const toMs = withDates ? day(item.to_date, null) : null
  if (fromMs === undefined || toMs === undefined || (toMs !== null && toMs <= (fromMs ?? 0))) return null
  return {
    id: item.id.trim(),
    vendor: typeof item.vendor === 'string' ? item.vendor : null,
    price: { inputNano, outputNano, cacheReadNano: cached, cacheWriteNano: null, cacheWrite1hNano: null, tiers: [] },
    fromMs: fromMs ?? 0,
    toMs,
  }
}

/** A `YYYY-MM-DD` day as UTC midnight; `fallback` when null; undefined when unreadable. */
function day<T extends number | null>(value: unknown, fallback: T): number | T | undefined {
  if (value === null || value === undefined) return fallback
  if (typeof value !== 'string' || !DAY.test(value)) return undefined
  const ms = Date.parse(`${value}T00:00:00Z`)
  return Number.isNaN(ms) ? undefined : ms
}

const samePrice = (a: PricePoint, b: PricePoint) => JSON.stringify(a) === JSON.stringify(b)

/** Folds `<id>-200k` entries into tiers of `<id>` and drops repeated ids; the key says which entries are one period. */
function fold(entries: Entry[], keyOf: (e: Entry) => string): { folded: Entry[]; skipped: number } {
  const byKey = new Map<string, Entry>()
  let skipped = 0
  const longContext: Entry[] = []
  for (const entry of entries) {
    if (LONG_CONTEXT.test(entry.id)) {
      longContext.push(entry)
      continue
    }
    const existing = byKey.get(keyOf(entry))
    if (existing === undefined) byKey.set(keyOf(entry), entry)
    else if (!samePrice(existing.price, entry.price)) skipped++
  }
  for (const entry of longContext) {
    const match = LONG_CONTEXT.exec(entry.id)!
    const base = byKey.get(keyOf({ ...entry, id: entry.id.slice(0, match.index) }))
    if (base === undefined) {
      skipped++
      continue
    }
    const { inputNano, outputNano, cacheReadNano } = entry.price
    // Cache prices the feed does not give stay unknown (null): pricing reads them as the base's.
    const tier = { aboveInputTokens: Number(match[1]) * 1000, inputNano, outputNano, cacheReadNano, cacheWriteNano: null, cacheWrite1hNano: null }
    base.price.tiers = [...base.price.tiers, tier].sort((a, b) => a.aboveInputTokens - b.aboveInputTokens)
  }
  return { folded: [...byKey.values()], skipped }
}

const toRaw = (e: Entry): RawObservation => ({ sourceProvider: e.vendor, sourceModelId: e.id, price: e.price })

export function parseLlmPrices(body: string): ParsedFeed {
  const { entries, skipped } = readEntries(body, 'llm-prices current-v1.json', false)
  const { folded, skipped: dropped } = fold(entries, (e) => `${e.vendor}/${e.id}`)
  return requireReadable({ observations: folded.map(toRaw), skipped: skipped + dropped }, 'llm-prices current-v1.json')
}

/** Every period of `historical-v1.json`, current ones (to_date null) included. */
export function parseLlmPricesHistory(body: string): ParsedFeed<HistoricalObservation> {
  const { entries, skipped } = readEntries(body, 'llm-prices historical-v1.json', true)
  const { folded, skipped: dropped } = fold(entries, (e) => `${e.vendor}/${e.id}@${e.fromMs}`)
  const observations = folded.map((e) => ({ ...toRaw(e), effectiveFromMs: e.fromMs, effectiveToMs: e.toMs }))
  return requireReadable({ observations, skipped: skipped + dropped }, 'llm-prices historical-v1.json')
}
