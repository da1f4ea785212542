/**
 * Model id normalisation: from the id a feed writes (`claude-3-5-sonnet-20241022`,
 * `anthropic/claude-3.5-sonnet`, `vertex_ai/claude-3-5-sonnet@20240620`, "Claude 3.5
 * Sonnet") to the catalog's (provider, model), so that what several sources say about one
 * model is compared as one. The source's own id stays on each observation.
 *
 * Order, for the provider the source names (or the `vendor/` of the id):
 *  1. the provider's id through genai-prices' provider rules (`gemini`, `vertex_ai…` →
 *     google; `bedrock` → aws; `xai` → x-ai) and the alias table below;
 *  2. the model through the alias table (`-latest` ids that name one dated model);
 *  3. the catalog's model with that id, its dashed-date form (`-20241022` →
 *     `-2024-10-22`), or whose match logic accepts it — then the same for the id with
 *     version dots as dashes (`claude-3.5` → `claude-3-5`) and `@date` as `-date`;
 *  4. otherwise the id as written (lower case; a page's name with spaces as dashes): a model
 *     the catalog does not know yet.
 * Unlike the catalog's lookup for usage (pricing/catalog.ts), it never drops a date or a
 * `-latest` suffix: `gpt-4o-2024-05-13` is not `gpt-4o` (other prices), and a `-latest`
 * alias moves — only the alias table may say where it points.
 */
import type { MatchLogic, PriceVersion, ProviderRule } from '../domain/price.js'
import { matchesId } from './match.js'

export interface NormalizedModel {
  provider: string
  model: string
}

/** Provider names feeds use that the provider rules do not know. */
const PROVIDER_ALIASES: Record<string, string> = {
  'z-ai': 'zai',
  'z.ai': 'zai',
  fireworks_ai: 'fireworks',
  'fireworks-ai': 'fireworks',
  'mistral-ai': 'mistral',
  meta: 'meta-llama',
  'meta-ai': 'meta-llama',
}

/** `provider/model` → model: ids whose meaning the catalog's rules cannot know. */
const MODEL_ALIASES: Readonly<Record<string, string>> = {
  'anthropic/claude-3-5-sonnet-latest': 'claude-3-5-sonnet-20241022',
  'anthropic/claude-3-5-haiku-latest': 'claude-3-5-haiku-20241022',
  'anthropic/claude-3-7-sonnet-latest': 'claude-3-7-sonnet-20250219',
  'anthropic/claude-3-opus-latest': 'claude-3-opus-20240229',
  'anthropic/claude-sonnet-4-0': 'claude-sonnet-4-20250514',
  'anthropic/claude-opus-4-0': 'claude-opus-4-20250514',
  'google/gemini-1.5-pro-latest': 'gemini-1.5-pro',
  'google/gemini-1.5-flash-latest': 'gemini-1.5-flash',
  'mistral/mistral-large-latest': 'mistral-large-2411',
}

interface Entry {
  model: string
  match?: MatchLogic
}

const DATED = /-(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g

export class ModelNormalizer {
  readonly #models = new Map<string, Map<string, Entry>>()
  readonly #matchable = new Map<string, Entry[]>()
  readonly #rules: readonly ProviderRule[]
  readonly #aliases: Readonly<Record<string, string>>

  /** @param versions the catalog's versions (any period): their (provider, model) are the canonical ids. */
  constructor(versions: readonly PriceVersion[], rules: readonly ProviderRule[], aliases: Readonly<Record<string, string>> = MODEL_ALIASES) {
    this.#rules = rules
    this.#aliases = aliases
    for (const v of versions) {
      const provider = v.provider.toLowerCase()
      const models = this.#models.get(provider) ?? new Map<string, Entry>()
      this.#models.set(provider, models)
      const id = v.model.toLowerCase()
      if (models.has(id)) continue
      const entry: Entry = { model: v.model, ...(v.match !== undefined && { match: v.match }) }
      models.set(id, entry)
      if (entry.match !== undefined) this.#matchable.set(provider, [...(this.#matchable.get(provider) ?? []), entry])
    }
  }

  /** The catalog's (provider, model) for a source's id; null when neither the source nor the id names a provider. */
  normalize(sourceProvider: string | null, sourceModelId: string): NormalizedModel | null {
    // An id is kept as written (`~openai/gpt-latest`, `ft:…`); only a name with spaces (a web page's) is made an id.
    const text = /\s/.test(sourceModelId.trim()) ? slug(sourceModelId) : sourceModelId.trim().toLowerCase()
    const segments = text.split('/').filter((s) => s !== '')
    if (segments.length === 0) return null
    let provider = sourceProvider === null || sourceProvider.trim() === '' ? null : this.provider(sourceProvider)
    // `vendor/model`: the vendor names the provider when the source does not, and a leading
    // segment that is the provider itself (`gemini/…` from provider gemini) is dropped.
    while (segments.length > 1) {
      const head = this.provider(segments[0]!)
      if (provider === null) provider = head
      else if (head !== provider) break
      segments.shift()
    }
    if (provider === null) return null
    const id = segments.join('/')
    const aliased = this.#aliases[`${provider}/${id}`] ?? id
    for (const candidate of new Set([aliased, aliased.replace(/(\d)\.(\d)/g, '$1-$2'), aliased.replace(/@/g, '-')])) {
      const found = this.#find(provider, candidate)
      if (found !== undefined) return { provider, model: found }
    }
    return { provider, model: aliased }
  }

  /** A provider name as the catalog spells it. */
  provider(name: string): string {
    const id = name.trim().toLowerCase()
    if (this.#models.has(id) || this.#rules.some((r) => r.id === id)) return id
    const ruled = this.#rules.find((r) => r.match !== undefined && matchesId(r.match, id))?.id
    return ruled ?? PROVIDER_ALIASES[id] ?? id.replace(/\s+/g, '-')
  }

  #find(provider: string, model: string): string | undefined {
    const models = this.#models.get(provider)
    if (models === undefined) return undefined
    const dashed = model.replace(DATED, (_, y: string, m: string, d: string) => `-${y}-${m}-${d}`)
    for (const id of new Set([model, dashed])) {
      const exact = models.get(id)
      if (exact !== undefined) return exact.model
    }
    for (const id of new Set([model, dashed])) {
      const matched = this.#matchable.get(provider)?.find((e) => matchesId(e.match!, id))
      if (matched !== undefined) return matched.model
    }
    return undefined
  }
}

/** A page's model name as an id: lower case, whitespace to dashes, nothing an id never holds ("Claude 3.5 Sonnet (new)" → `claude-3.5-sonnet-new`). */
function slug(id: string): string {
  return id
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '-')
    .replace(/[^a-z0-9._:@/+-]/g, '')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '')
}
