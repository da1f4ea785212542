/**
 * The price data bundled in `@pydantic/genai-prices`, as PriceVersions: the catalog that
 * works with no network.
 *
 * Conversion mirrors genai-prices' own semantics so that both price a request alike:
 * - Conditional prices: genai-prices takes, scanning from the LAST entry, the first one that
 *   is unconditional or whose start_date ≤ t, else the first entry. We evaluate that rule at
 *   every start_date, which yields consecutive versions [effectiveFrom, effectiveTo); the
 *   unconditional one starts at 1970-01-01.
 * - Time-of-day prices (DeepSeek's peak/off-peak windows) are ignored and the default kept:
 *   a version is a function of the date alone, and a price that flips twice a day cannot be
 *   reserved against or audited as one version. Note the default is what genai-prices
 *   charges outside every window.
 * - Tiered prices `{base, tiers: [{start, price}]}` apply a tier when the request's input
 *   tokens (cache included) are strictly greater than `start` (genai-prices: `tokens >
 *   start`), per field. Every distinct `start` becomes one whole-request tier with
 *   aboveInputTokens = start and each field's price in effect just above it, so both agree.
 *
 * Only token prices are taken (input, output, cache read, cache write, 1-hour cache write).
 * Per-request, per-search, audio, image and page prices are out of scope; a price with no
 * input token price (image-only, OCR, audio-hours, empty `:free` entries) becomes no version.
 * Embedding models publish only an input price: they have no output tokens, so output is 0.
 *
 * Reads whichever data genai-prices holds as active: this project never calls its
 * updatePrices (remote feeds are our own sources), so that is the bundled data.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { waitForUpdate, type ModelInfo, type Provider, type TieredPrices } from '@pydantic/genai-prices'
import { usdToNano } from '../domain/money.js'
import type { PriceTierNano, PriceVersion, ProviderRule } from '../domain/price.js'

type GenaiPrice = Record<string, number | TieredPrices | undefined>

// genai-prices exposes its provider list only through this promise; awaiting it once here
// keeps every function below synchronous.
const providers: Provider[] = await (async () => {
  const data = await waitForUpdate()
  if (data === null) throw new Error('@pydantic/genai-prices holds no provider data')
  return data
})()

/** The genai-prices package version, recorded as the bundled catalog's version. */
export const BUNDLED_PRICES_VERSION: string = (() => {
  // Its package.json is not in its "exports" map: find it beside the resolved entry point.
  const entry = createRequire(import.meta.url).resolve('@pydantic/genai-prices')
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { name?: string; version?: string }
  if (pkg.name !== '@pydantic/genai-prices' || typeof pkg.version !== 'string') {
    throw new Error(`unexpected package.json beside ${entry}`)
  }
  return pkg.version
})()

const FIELDS = {
  inputNano: 'input_mtok',
  outputNano: 'output_mtok',
  cacheReadNano: 'cache_read_mtok',
  cacheWriteNano: 'cache_write_mtok',
  cacheWrite1hNano: 'cache_write_1h_mtok',
} as const
type Field = keyof typeof FIELDS

/** USD per Mtok of one field for a request with promptTokens input tokens; undefined = no price. */
function fieldPrice(price: GenaiPrice, field: Field, promptTokens: number): number | undefined {
  const value = price[FIELDS[field]]
  if (value === undefined || typeof value === 'number') return value
  let usd = value.base
  for (const tier of value.tiers) if (promptTokens > tier.start) usd = tier.price
  return usd
}

function componentsAt(price: GenaiPrice, promptTokens: number): Omit<PriceTierNano, 'aboveInputTokens'> {
  const nano = (field: Field) => {
    const usd = fieldPrice(price, field, promptTokens)
    return usd === undefined ? null : usdToNano(usd)
  }
  return {
    inputNano: nano('inputNano') ?? 0,
    outputNano: nano('outputNano') ?? 0,
    cacheReadNano: nano('cacheReadNano'),
    cacheWriteNano: nano('cacheWriteNano'),
    cacheWrite1hNano: nano('cacheWrite1hNano'),
  }
}

function tierStarts(price: GenaiPrice): number[] {
  const starts = new Set<number>()
  for (const key of Object.values(FIELDS)) {
    const value = price[key]
    if (typeof value === 'object') for (const tier of value.tiers) starts.add(tier.start)
  }
  return [...starts].sort((a, b) => a - b)
}

interface Period {
  fromMs: number
  toMs: number | null
  price: GenaiPrice
}

/** The entry genai-prices picks at `t`, time-of-day entries left out (see header). */
function entryAt(model: ModelInfo, t: number): GenaiPrice {
  if (!Array.isArray(model.prices)) return model.prices
  for (let i = model.prices.length - 1; i >= 0; i--) {
    const { constraint, prices } = model.prices[i]!
    if (constraint === undefined) return prices
    if (constraint.type === 'start_date' && t >= Date.parse(constraint.start_date)) return prices
  }
  return model.prices[0]!.prices
}

function periods(model: ModelInfo): Period[] {
  const starts = new Set([0])
  if (Array.isArray(model.prices)) {
    for (const { constraint } of model.prices) {
      if (constraint?.type === 'start_date') starts.add(Date.parse(constraint.start_date))
    }
  }
  const sorted = [...starts].sort((a, b) => a - b)
  const result: Period[] = []
  for (const fromMs of sorted) {
    const price = entryAt(model, fromMs)
    const previous = result.at(-1)
    if (previous?.price === price) continue
    if (previous !== undefined) previous.toMs = fromMs
    result.push({ fromMs, toMs: null, price })
  }
  return result
}

function toVersion(provider: Provider, model: ModelInfo, period: Period): PriceVersion {
  const from = new Date(period.fromMs).toISOString().slice(0, 10)
  return {
    version: `bundled:${provider.id}/${model.id}@${from}`,
    provider: provider.id,
    model: model.id,
    ...componentsAt(period.price, 0),
    tiers: tierStarts(period.price).map((start) => ({ aboveInputTokens: start, ...componentsAt(period.price, start + 1) })),
    effectiveFromMs: period.fromMs,
    effectiveToMs: period.toMs,
    source: 'bundled',
    verified: true,
    match: model.match,
    ...(model.deprecated === true && { deprecated: true }),
  }
}

/** Every bundled model's token prices, one version per period, in genai-prices' data order. */
export function loadBundledPrices(): PriceVersion[] {
  const versions: PriceVersion[] = []
  for (const provider of providers) {
    for (const model of provider.models) {
      for (const period of periods(model)) {
        if (period.price.input_mtok !== undefined) versions.push(toVersion(provider, model, period))
      }
    }
  }
  return versions
}

/** Provider aliases and fallbacks as genai-prices records them, in its data order. */
export function bundledProviderRules(): ProviderRule[] {
  return providers.map((p) => ({
    id: p.id,
    ...(p.provider_match !== undefined && { match: p.provider_match }),
    ...(p.fallback_model_providers !== undefined && { fallbackProviders: [...p.fallback_model_providers] }),
  }))
}
