/**
 * Apollo's tier of a request: by model name, else by component, else by provider, else
 * remote_heavyweight (the most conservative). The tables are Apollo's; the model lookup is
 * a little kinder than Apollo's exact match: a model id also takes the tier of the longest
 * known name it starts with (`claude-3-haiku-20240307` → claude-3-haiku, `codellama:7b` →
 * codellama), after dropping a `vendor/` prefix. Case does not matter.
 */
import type { Tier } from '../../domain/common.js'

export const MODEL_TIERS: Readonly<Record<string, Tier>> = {
  codellama: 'local_lightweight',
  'deepseek-coder': 'local_lightweight',
  starcoder: 'local_lightweight',
  'claude-haiku': 'local_midweight',
  'claude-3-haiku': 'local_midweight',
  'llama-3': 'local_midweight',
  mistral: 'local_midweight',
  qwen: 'local_midweight',
  'gpt-4': 'remote_heavyweight',
  'claude-3-opus': 'remote_heavyweight',
  'claude-3-sonnet': 'remote_heavyweight',
  'claude-3.5-sonnet': 'remote_heavyweight',
  'claude-3.7-sonnet': 'remote_heavyweight',
}

export const PROVIDER_TIERS: Readonly<Record<string, Tier>> = {
  openai: 'remote_heavyweight',
  anthropic: 'remote_heavyweight',
  ollama: 'local_midweight',
  local: 'local_lightweight',
}

export const DEFAULT_TIER: Tier = 'remote_heavyweight'

export interface TierQuery {
  model?: string | null | undefined
  component?: string | null | undefined
  provider?: string | null | undefined
}

/** Tier tables that start as Apollo's and can be extended, as Apollo's set_*_tier allowed. */
export class TierResolver {
  private readonly models = new Map<string, Tier>(Object.entries(MODEL_TIERS))
  private readonly components = new Map<string, Tier>()
  private readonly providers = new Map<string, Tier>(Object.entries(PROVIDER_TIERS))

  resolve(query: TierQuery): Tier {
    const byModel = query.model ? this.modelTier(query.model) : undefined
    if (byModel) return byModel
    const byComponent = query.component ? this.components.get(query.component) : undefined
    if (byComponent) return byComponent
    const byProvider = query.provider ? this.providers.get(query.provider.trim().toLowerCase()) : undefined
    return byProvider ?? DEFAULT_TIER
  }

  setModelTier(model: string, tier: Tier): void {
    this.models.set(model.trim().toLowerCase(), tier)
  }

  setComponentTier(component: string, tier: Tier): void {
    this.components.set(component, tier)
  }

  setProviderTier(provider: string, tier: Tier): void {
    this.providers.set(provider.trim().toLowerCase(), tier)
  }

  private modelTier(model: string): Tier | undefined {
    const id = model.trim().toLowerCase().replace(/^[^/]+\//, '')
    const exact = this.models.get(id)
    if (exact) return exact
    let best: { name: string; tier: Tier } | undefined
    for (const [name, tier] of this.models) {
      if (id.startsWith(name) && (best === undefined || name.length > best.name.length)) best = { name, tier }
    }
    return best?.tier
  }
}
