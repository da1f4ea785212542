/**
 * The price catalog: which model a (provider, model) pair names, and which price version
 * was in effect at an instant.
 *
 * Owns id resolution. Tried in order, the first hit wins:
 *  1. the provider: its exact id, else the first provider rule whose match logic accepts it
 *     (genai-prices' provider_match: `gemini`, `vertex` → google; `xai` → x-ai);
 *  2. the model within it: exact id, then each model's match logic in catalog order, then the
 *     same with a compact date rewritten `-20250514` → `-2025-05-14`, each also in the
 *     provider's fallback providers (azure → openai, …) — genai-prices' own order;
 *  3. failing that, the same for the id without a `vendor/` prefix (the vendor may name the
 *     provider: `anthropic/claude-3.5-sonnet`) and without a date or `-latest` suffix —
 *     except for ids with a `:free` / `:batch`-style variant: those are other prices.
 * Ids compare case-insensitively.
 * Resolutions are memoised, so a repeated key costs one Map lookup.
 *
 * An unknown model prices as null and `unpriced`, never 0. Does not compute the cost itself
 * (pricing/cost.ts) and does not load or store prices: it is built from PriceVersions.
 */
import type { MatchLogic, PriceVersion, ProviderRule, TokenUsage } from '../domain/price.js'
import { bundledProviderRules, loadBundledPrices } from './bundled.js'
import { costNano } from './cost.js'
import { matchesId } from './match.js'
import { isChatModel } from './model-kind.js'

export interface ModelRef {
  readonly provider: string
  readonly model: string
}

export interface PriceResult {
  /** Integer nano-USD; null when the model or its price at that instant is unknown. */
  costNano: number | null
  priceVersion: string | null
  unpriced: boolean
}

export interface CheaperModel extends ModelRef {
  inputNano: number
  outputNano: number
}

interface ModelEntry {
  ref: ModelRef
  /** Sorted by effectiveFromMs. */
  versions: PriceVersion[]
  match?: MatchLogic
}

interface ProviderEntry {
  models: Map<string, ModelEntry>
  /** Models with match logic, in catalog order: the first that matches wins, as in genai-prices. */
  matchable: ModelEntry[]
}

// Distinct ids come from callers; a bound keeps a stream of made-up names from growing the
// memo without limit. Clearing is crude but rare, and re-resolving is cheap.
const MEMO_LIMIT = 50_000
const DATED = /-(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g
const SUFFIX = /(?:[-@]\d{4}-?\d{2}-?\d{2}|-latest)$/
const VARIANT = /:[a-z][\w-]*$/

export class PriceCatalog {
  readonly #providers = new Map<string, ProviderEntry>()
  readonly #rules: ProviderRule[]
  readonly #memo = new Map<string, ModelEntry | null>()

  /** @param rules provider aliases and fallbacks; defaults to genai-prices' (bundledProviderRules). */
  constructor(versions: readonly PriceVersion[], rules: readonly ProviderRule[] = bundledProviderRules()) {
    this.#rules = [...rules]
    for (const v of versions) {
      const providerId = v.provider.toLowerCase()
      let provider = this.#providers.get(providerId)
      if (provider === undefined) {
        provider = { models: new Map(), matchable: [] }
        this.#providers.set(providerId, provider)
      }
      let entry = provider.models.get(v.model.toLowerCase())
      if (entry === undefined) {
        entry = { ref: Object.freeze({ provider: v.provider, model: v.model }), versions: [] }
        provider.models.set(v.model.toLowerCase(), entry)
      }
      entry.versions.push(v)
      if (entry.match === undefined && v.match !== undefined) {
        entry.match = v.match
        provider.matchable.push(entry)
      }
    }
    for (const provider of this.#providers.values()) {
      for (const entry of provider.models.values()) entry.versions.sort((a, b) => a.effectiveFromMs - b.effectiveFromMs)
    }
  }

  static fromBundled(): PriceCatalog {
    return new PriceCatalog(loadBundledPrices(), bundledProviderRules())
  }

  /** The catalog's own (provider, model) for an id as callers spell it, or undefined. */
  resolve(provider: string, model: string): ModelRef | undefined {
    return this.#entry(provider, model)?.ref
  }

  /** The version in effect at atMs (effectiveFromMs ≤ atMs < effectiveToMs). */
  at(provider: string, model: string, atMs: number): PriceVersion | undefined {
    const entry = this.#entry(provider, model)
    return entry === undefined ? undefined : versionAt(entry, atMs)
  }

  price(usage: TokenUsage, provider: string, model: string, atMs: number): PriceResult {
    const version = this.at(provider, model, atMs)
    if (version === undefined) return { costNano: null, priceVersion: null, unpriced: true }
    return { costNano: costNano(version, usage), priceVersion: version.version, unpriced: false }
  }

  /** Cost of a request with no cache use, in nano-USD; null when unpriced. */
  estimateNano(provider: string, model: string, inputTokens: number, outputTokens: number, atMs: number): number | null {
    return this.price({ inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0 }, provider, model, atMs).costNano
  }

  /**
   * Models of the same provider whose base input + output price is lower, cheapest first.
   * Only models that can stand in for one that writes text (model-kind.ts): not deprecated,
   * with an output price, not an embedding, speech, image or search model.
   */
  cheaperAlternatives(provider: string, model: string, atMs: number, limit = 3): CheaperModel[] {
    const entry = this.#entry(provider, model)
    const current = entry && versionAt(entry, atMs)
    if (entry === undefined || current === undefined) return []
    const ceiling = current.inputNano + current.outputNano
    const candidates: CheaperModel[] = []
    for (const other of this.#providers.get(entry.ref.provider.toLowerCase())?.models.values() ?? []) {
      const v = versionAt(other, atMs)
      if (other === entry || v === undefined || v.deprecated === true || v.outputNano === 0 || !isChatModel(v.model)) continue
      if (v.inputNano + v.outputNano >= ceiling) continue
      candidates.push({ ...other.ref, inputNano: v.inputNano, outputNano: v.outputNano })
    }
    return candidates
      .sort((a, b) => a.inputNano + a.outputNano - (b.inputNano + b.outputNano) || a.model.localeCompare(b.model))
      .slice(0, limit)
  }

  /**
   * The version in effect at nowMs of every model; `provider` (an alias works) keeps one
   * provider's, `search` those whose id contains it.
   */
  current(filter: { provider?: string; search?: string } = {}, nowMs: number = Date.now()): PriceVersion[] {
    const providerId = filter.provider === undefined ? undefined : this.#providerId(filter.provider.trim().toLowerCase())
    if (filter.provider !== undefined && providerId === undefined) return []
    const search = filter.search?.trim().toLowerCase()
    const result: PriceVersion[] = []
    for (const [id, provider] of this.#providers) {
      if (providerId !== undefined && id !== providerId) continue
      for (const entry of provider.models.values()) {
        const v = versionAt(entry, nowMs)
        if (v !== undefined && (search === undefined || v.model.toLowerCase().includes(search))) result.push(v)
      }
    }
    return result
  }

  #entry(provider: string, model: string): ModelEntry | undefined {
    const key = `${provider}\u0000${model}`
    let entry = this.#memo.get(key)
    if (entry === undefined) {
      entry = this.#resolveUncached(provider.trim().toLowerCase(), model.trim().toLowerCase()) ?? null
      if (this.#memo.size >= MEMO_LIMIT) this.#memo.clear()
      this.#memo.set(key, entry)
    }
    return entry ?? undefined
  }

  #resolveUncached(provider: string, model: string): ModelEntry | undefined {
    const providerId = this.#providerId(provider)
    // An id with a `:variant` (`:free`, `:batch`, `:thinking`) names a price of its own: it is
    // found as written or not at all, never via a shorter or the vendor's id (free ≠ paid).
    if (VARIANT.test(model)) return providerId === undefined ? undefined : this.#findModel(providerId, model)
    const slash = model.indexOf('/')
    const bare = slash > 0 ? model.slice(slash + 1) : model
    const vendorId = slash > 0 ? this.#providerId(model.slice(0, slash)) : undefined
    const providerIds = [...new Set([providerId, vendorId])].filter((id) => id !== undefined)
    const modelIds = [...new Set([model, bare, bare.replace(SUFFIX, '')])]
    for (const id of modelIds) {
      for (const pid of providerIds) {
        const entry = this.#findModel(pid, id)
        if (entry !== undefined) return entry
      }
    }
    return undefined
  }

  #providerId(provider: string): string | undefined {
    if (this.#providers.has(provider) || this.#rules.some((r) => r.id === provider)) return provider
    return this.#rules.find((r) => r.match !== undefined && matchesId(r.match, provider))?.id
  }

  #findModel(providerId: string, model: string): ModelEntry | undefined {
    const fallbacks = this.#rules.find((r) => r.id === providerId)?.fallbackProviders ?? []
    const dashed = dashDates(model)
    for (const id of dashed === model ? [model] : [model, dashed]) {
      for (const pid of [providerId, ...fallbacks]) {
        const entry = this.#inProvider(pid, id)
        if (entry !== undefined) return entry
      }
    }
    return undefined
  }

  #inProvider(providerId: string, model: string): ModelEntry | undefined {
    const provider = this.#providers.get(providerId)
    if (provider === undefined) return undefined
    return provider.models.get(model) ?? provider.matchable.find((e) => e.match !== undefined && matchesId(e.match, model))
  }
}

// genai-prices' own rewrite: a valid compact date is dashed, so `-20250514` finds `-2025-05-14`.
function dashDates(model: string): string {
  return model.replace(DATED, (whole, year: string, month: string, day: string) => {
    const valid = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day))).getUTCDate() === Number(day)
    return valid ? `-${year}-${month}-${day}` : whole
  })
}

function versionAt(entry: ModelEntry, atMs: number): PriceVersion | undefined {
  for (let i = entry.versions.length - 1; i >= 0; i--) {
    const v = entry.versions[i]!
    if (v.effectiveFromMs <= atMs && (v.effectiveToMs === null || atMs < v.effectiveToMs)) return v
  }
  return undefined
}
