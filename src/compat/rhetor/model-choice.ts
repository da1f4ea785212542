/**
 * Rhetor's model choices, on our price catalog instead of its hard-coded table:
 *
 * - price tiers by input + output cost per 1K tokens: free (0), low (< $0.01),
 *   medium (< $0.05), high;
 * - a cheaper alternative: among the task's preferred providers in Rhetor's order
 *   (code / planning / reasoning / default: anthropic, openai, ollama; chat: openai,
 *   anthropic, ollama), then the caller's own provider, the first provider with a model
 *   whose input + output price is lower; its cheapest such model. Rhetor also looked at every
 *   other provider it knew (four); our catalog knows dozens, so those are left out.
 *
 * Retired models and models that write nothing (no output price) are never offered.
 * Pure reads of the catalog; no budget logic.
 */
import { nanoToUsd } from '../../domain/money.js'
import type { PriceVersion } from '../../domain/price.js'
import type { PriceCatalog } from '../../pricing/catalog.js'
import type { ModelCost, ModelTiers } from './schemas.js'

const PREFERENCES: Readonly<Record<string, readonly string[]>> = {
  code: ['anthropic', 'openai', 'ollama'],
  planning: ['anthropic', 'openai', 'ollama'],
  reasoning: ['anthropic', 'openai', 'ollama'],
  chat: ['openai', 'anthropic', 'ollama'],
  default: ['anthropic', 'openai', 'ollama'],
}

const NANO_PER_USD = 1e9
const LOW_BELOW_USD_PER_1K = 0.01
const MEDIUM_BELOW_USD_PER_1K = 0.05

const perMtokNano = (v: PriceVersion) => v.inputNano + v.outputNano

/** Input + output cost of 1K tokens each, decimal USD. */
const costPer1k = (v: PriceVersion) => nanoToUsd(Math.round(perMtokNano(v) / 1000))

const isOffered = (v: PriceVersion) => v.deprecated !== true && v.outputNano > 0

const modelCost = (v: PriceVersion): ModelCost => ({ provider: v.provider, model: v.model, costPer1kTokens: costPer1k(v) })

export function modelTiers(catalog: PriceCatalog, nowMs: number, provider?: string): ModelTiers {
  const tiers: ModelTiers = { free: [], low: [], medium: [], high: [] }
  const versions = catalog.current(provider === undefined ? {} : { provider }, nowMs).filter((v) => v.deprecated !== true)
  for (const v of versions.sort((a, b) => perMtokNano(a) - perMtokNano(b) || a.model.localeCompare(b.model))) {
    // (USD per Mtok) / 1000 is USD per 1K tokens; compared in nano-USD per Mtok to stay exact.
    const nano = perMtokNano(v)
    const tier = nano === 0 ? 'free' : nano < LOW_BELOW_USD_PER_1K * 1000 * NANO_PER_USD ? 'low' : nano < MEDIUM_BELOW_USD_PER_1K * 1000 * NANO_PER_USD ? 'medium' : 'high'
    tiers[tier].push(modelCost(v))
  }
  return tiers
}

export function cheaperAlternative(catalog: PriceCatalog, provider: string, model: string, taskType: string, nowMs: number): ModelCost | null {
  const current = catalog.at(provider, model, nowMs)
  if (current === undefined || perMtokNano(current) === 0) return null
  const ceiling = perMtokNano(current)
  const order = [...new Set([...(PREFERENCES[taskType] ?? PREFERENCES.default ?? []), current.provider])]
  for (const candidateProvider of order) {
    const cheaper = catalog
      .current({ provider: candidateProvider }, nowMs)
      .filter((v) => isOffered(v) && perMtokNano(v) < ceiling && !(v.provider === current.provider && v.model === current.model))
      .sort((a, b) => perMtokNano(a) - perMtokNano(b) || a.model.localeCompare(b.model))
    const [best] = cheaper
    if (best) return modelCost(best)
  }
  return null
}

/** The cheapest model the catalog offers at all: Rhetor's last resort. */
export function cheapestModel(catalog: PriceCatalog, nowMs: number): ModelCost | null {
  const [cheapest] = catalog
    .current({}, nowMs)
    .filter(isOffered)
    .sort((a, b) => perMtokNano(a) - perMtokNano(b) || a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model))
  return cheapest ? modelCost(cheapest) : null
}
