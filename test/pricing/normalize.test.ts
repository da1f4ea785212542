import { describe, expect, it } from 'vitest'
import { bundledProviderRules, loadBundledPrices } from '../../src/pricing/bundled.js'
import { ModelNormalizer } from '../../src/pricing/normalize.js'

describe('model id normalisation against the bundled catalog', () => {
  const normalizer = new ModelNormalizer(loadBundledPrices(), bundledProviderRules())

  it.each<[string | null, string, string, string]>([
    ['anthropic', 'claude-3-5-sonnet-20241022', 'anthropic', 'claude-3-5-sonnet'],
    [null, 'anthropic/claude-3.5-sonnet', 'anthropic', 'claude-3-5-sonnet'],
    ['anthropic', 'claude-3-5-sonnet-latest', 'anthropic', 'claude-3-5-sonnet'],
    ['Anthropic', 'Claude 3.5 Sonnet', 'anthropic', 'claude-3-5-sonnet'],
    ['anthropic', 'claude-sonnet-4-20250514', 'anthropic', 'claude-sonnet-4-0'],
    ['anthropic', 'claude-sonnet-4.5', 'anthropic', 'claude-sonnet-4-5'],
    ['gemini', 'gemini/gemini-1.5-pro', 'google', 'gemini-1.5-pro'],
    ['vertex_ai-language-models', 'vertex_ai/gemini-1.5-pro', 'google', 'gemini-1.5-pro'],
    [null, 'mistralai/mistral-large', 'mistral', 'mistral-large'],
    ['mistral', 'mistral/mistral-large-latest', 'mistral', 'mistral-large'],
    ['OpenAI', 'GPT-4o mini', 'openai', 'gpt-4o-mini'],
    ['xai', 'grok-unknown-1', 'x-ai', 'grok-unknown-1'],
  ])('%s %s → %s/%s', (provider, id, expectedProvider, expectedModel) => {
    expect(normalizer.normalize(provider, id)).toEqual({ provider: expectedProvider, model: expectedModel })
  })

  it('never drops a date that names another model with other prices', () => {
    expect(normalizer.normalize('openai', 'gpt-4o-2024-05-13')).toEqual({ provider: 'openai', model: 'gpt-4o-2024-05-13' })
  })

  it('keeps an unknown -latest id as its own model: only the alias table says where a -latest points', () => {
    expect(normalizer.normalize('acme', 'acme-large-latest')).toEqual({ provider: 'acme', model: 'acme-large-latest' })
  })

  it('keeps a model the catalog does not know as the source writes it, in lower case', () => {
    expect(normalizer.normalize('acme', 'acme/Acme-7B-Chat')).toEqual({ provider: 'acme', model: 'acme-7b-chat' })
  })

  it('needs a provider from the source or the id', () => {
    expect(normalizer.normalize(null, 'gpt-4o')).toBeNull()
  })
})

describe('ids the catalog writes with unusual characters', () => {
  const normalizer = new ModelNormalizer(loadBundledPrices(), bundledProviderRules())

  it('finds every bundled model under its own id', () => {
    const missed = loadBundledPrices().filter((v) => {
      const found = normalizer.normalize(v.provider, v.model)
      return found?.provider !== v.provider || found.model !== v.model
    })

    expect(missed.map((v) => `${v.provider}/${v.model}`)).toEqual([])
  })
})
