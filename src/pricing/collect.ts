/**
 * Collecting one source: fetch its document (pricing/fetch.ts), parse it (sources/*) and
 * normalise every id to the catalog's (provider, model) (pricing/normalize.ts). A failure
 * of any kind ends as a `failed` result carrying the reason — it never reaches the other
 * sources.
 *
 * Within one source, two entries that normalise to one model keep the entry written as the
 * model's own id (else the first); if their prices differ, the other counts as skipped.
 */
import type { PriceObservation, PriceSourceConfig, SourceRefreshStatus } from '../domain/price-monitoring.js'
import type { HistoricalObservation, ParsedFeed, RawObservation } from './sources/adapter.js'
import { readBundled } from './sources/bundled.js'
import { parseLlmPricesHistory } from './sources/llmprices.js'
import { PARSERS } from './sources/registry.js'
import type { FeedFetcher, Validators } from './fetch.js'
import { modelKey } from './apply.js'
import type { ModelNormalizer } from './normalize.js'

export interface HistoricalPriceObservation extends PriceObservation {
  effectiveFromMs: number
  effectiveToMs: number | null
}

export interface SourceResult {
  config: PriceSourceConfig
  status: SourceRefreshStatus
  observations: PriceObservation[]
  history: HistoricalPriceObservation[]
  skipped: number
  error: string | null
  validators: Validators | null
  durationMs: number
}

export interface CollectOptions {
  fetcher: FeedFetcher
  normalizer: ModelNormalizer
  /** The validators of the copy last read, for a conditional request. */
  validators: Validators | null
  backfill: boolean
  nowMs: number
}

const samePrice = (a: RawObservation, b: RawObservation) => JSON.stringify(a.price) === JSON.stringify(b.price)
const lastSegment = (id: string) => id.trim().toLowerCase().split('/').at(-1) ?? ''

/** Normalises a parsed feed; one observation per model. */
function normalizeFeed<T extends RawObservation>(feed: ParsedFeed<T>, normalizer: ModelNormalizer, keyOf: (o: T) => string = () => ''): { kept: (T & { provider: string; model: string })[]; skipped: number } {
  const byKey = new Map<string, T & { provider: string; model: string }>()
  let skipped = feed.skipped
  for (const raw of feed.observations) {
    const ref = normalizer.normalize(raw.sourceProvider, raw.sourceModelId)
    if (ref === null) {
      skipped++
      continue
    }
    const key = `${modelKey(ref.provider, ref.model)}${keyOf(raw)}`
    const candidate = { ...raw, ...ref }
    const existing = byKey.get(key)
    if (existing === undefined) {
      byKey.set(key, candidate)
      continue
    }
    const candidateIsOwnId = lastSegment(raw.sourceModelId) === ref.model.toLowerCase() && lastSegment(existing.sourceModelId) !== ref.model.toLowerCase()
    if (candidateIsOwnId) byKey.set(key, candidate)
    if (!samePrice(existing, raw)) skipped++
  }
  return { kept: [...byKey.values()], skipped }
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

export async function collectSource(config: PriceSourceConfig, options: CollectOptions): Promise<SourceResult> {
  const started = Date.now()
  const result: SourceResult = { config, status: 'ok', observations: [], history: [], skipped: 0, error: null, validators: null, durationMs: 0 }
  const observe = (o: RawObservation & { provider: string; model: string }): PriceObservation => ({
    sourceId: config.id,
    provider: o.provider,
    model: o.model,
    sourceModelId: o.sourceModelId,
    price: o.price,
    observedAtMs: options.nowMs,
  })
  try {
    let feed: ParsedFeed
    if (config.kind === 'bundled') {
      feed = readBundled(options.nowMs)
    } else {
      const parse = PARSERS[config.kind]
      if (parse === undefined || config.url === null) throw new Error(`source ${config.id} (${config.kind}) has nothing to fetch`)
      const fetched = await options.fetcher.fetch(config.url, options.validators ?? undefined)
      if (fetched.status === 'not_modified') {
        result.status = 'unchanged'
        feed = { observations: [], skipped: 0 }
      } else {
        result.validators = fetched.validators
        feed = await parse(fetched.body)
      }
    }
    if (result.status === 'ok') {
      const { kept, skipped } = normalizeFeed(feed, options.normalizer)
      result.observations = kept.map(observe)
      result.skipped = skipped
    }
    if (options.backfill && config.kind === 'llmprices' && config.historyUrl !== null) {
      const fetched = await options.fetcher.fetch(config.historyUrl)
      if (fetched.status === 'ok') {
        const history = parseLlmPricesHistory(fetched.body)
        const { kept } = normalizeFeed<HistoricalObservation>(history, options.normalizer, (o) => `@${o.effectiveFromMs}`)
        result.history = kept.map((o) => ({ ...observe(o), effectiveFromMs: o.effectiveFromMs, effectiveToMs: o.effectiveToMs }))
      }
    }
  } catch (error) {
    result.status = 'failed'
    result.error = describe(error)
    result.observations = []
    result.history = []
  }
  result.durationMs = Date.now() - started
  return result
}
