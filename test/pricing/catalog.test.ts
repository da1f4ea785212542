import { calcPrice, waitForUpdate } from '@pydantic/genai-prices'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fromModelPrice, ModelPrice, toModelPrice, type PriceVersion, type TokenUsage } from '../../src/domain/price.js'
import { BUNDLED_PRICES_VERSION, loadBundledPrices } from '../../src/pricing/bundled.js'
import { PriceCatalog } from '../../src/pricing/catalog.js'

const USD = 1_000_000_000
const NOW = Date.parse('2026-11-25T12:00:00Z')

function aUsage(overrides: Partial<TokenUsage> = {}): TokenUsage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, ...overrides }
}

function aVersion(overrides: Partial<PriceVersion> = {}): PriceVersion {
  const provider = overrides.provider ?? 'acme'
  const model = overrides.model ?? 'model'
  return {
    version: `test:${provider}/${model}@${overrides.effectiveFromMs ?? 0}`,
    provider,
    model,
    inputNano: 1 * USD,
    outputNano: 2 * USD,
    cacheReadNano: null,
    cacheWriteNano: null,
    cacheWrite1hNano: null,
    tiers: [],
    effectiveFromMs: 0,
    effectiveToMs: null,
    source: 'test',
    verified: true,
    ...overrides,
  }
}

describe('PriceCatalog over the bundled genai-prices data', () => {
  const catalog = PriceCatalog.fromBundled()
  afterEach(() => {
    vi.restoreAllMocks()
  })

  // Each expectation is tokens × the provider's published USD per million tokens, by hand.
  it.each<[string, string, Partial<TokenUsage>, number]>([
    // Anthropic: $3 in / $15 out / $0.30 cache read / $3.75 5-min write / $6 1-hour write
    ['anthropic', 'claude-sonnet-4-20250514', { inputTokens: 10_000, outputTokens: 2_000, cacheReadTokens: 50_000, cacheWriteTokens: 4_000, cacheWrite1hTokens: 1_000 },
      30_000_000 + 30_000_000 + 15_000_000 + 11_250_000 + 6_000_000],
    // $15 / $75 / $1.50 read / $18.75 write
    ['anthropic', 'claude-opus-4-1', { inputTokens: 10_000, outputTokens: 2_000, cacheReadTokens: 20_000, cacheWriteTokens: 2_000 },
      150_000_000 + 150_000_000 + 30_000_000 + 37_500_000],
    // $1 / $5 / $2 1-hour write
    ['anthropic', 'claude-haiku-4-5', { inputTokens: 100_000, outputTokens: 10_000, cacheWriteTokens: 10_000, cacheWrite1hTokens: 10_000 },
      100_000_000 + 50_000_000 + 20_000_000],
    // above 200k prompt tokens: $6 / $22.50 / $0.60 read
    ['anthropic', 'claude-sonnet-4-5', { inputTokens: 150_000, outputTokens: 10_000, cacheReadTokens: 60_000 },
      900_000_000 + 225_000_000 + 36_000_000],
    // OpenAI: $2.50 / $10 / $1.25 cached
    ['openai', 'gpt-4o', { inputTokens: 10_000, outputTokens: 1_000, cacheReadTokens: 20_000 }, 25_000_000 + 10_000_000 + 25_000_000],
    // $0.15 / $0.60
    ['openai', 'gpt-4o-mini', { inputTokens: 1_000_000, outputTokens: 100_000 }, 150_000_000 + 60_000_000],
    // $2 / $8 / $0.50 cached
    ['openai', 'gpt-4.1', { inputTokens: 50_000, outputTokens: 5_000, cacheReadTokens: 50_000 }, 100_000_000 + 40_000_000 + 25_000_000],
    // $2 / $8 since 10 June 2025
    ['openai', 'o3', { inputTokens: 10_000, outputTokens: 10_000 }, 20_000_000 + 80_000_000],
    // $1.25 / $10 / $0.125 cached
    ['openai', 'gpt-5', { inputTokens: 10_000, outputTokens: 2_000, cacheReadTokens: 100_000 }, 12_500_000 + 20_000_000 + 12_500_000],
    // Google: $1.25 / $10 / $0.125 cached up to 200k prompt tokens (exactly 200k here)
    ['google', 'gemini-2.5-pro', { inputTokens: 150_000, outputTokens: 10_000, cacheReadTokens: 50_000 }, 187_500_000 + 100_000_000 + 6_250_000],
    // above 200k: $2.50 / $15 / $0.25 cached
    ['google', 'gemini-2.5-pro', { inputTokens: 150_001, outputTokens: 10_000, cacheReadTokens: 50_000 }, 375_002_500 + 150_000_000 + 12_500_000],
    // $0.30 / $2.50 / $0.03 cached
    ['google', 'gemini-2.5-flash', { inputTokens: 100_000, outputTokens: 10_000, cacheReadTokens: 100_000 }, 30_000_000 + 25_000_000 + 3_000_000],
    // $0.10 / $0.40
    ['google', 'gemini-2.0-flash', { inputTokens: 1_000_000, outputTokens: 1_000_000 }, 100_000_000 + 400_000_000],
    // Mistral: Large 24.11 $2 / $6
    ['mistral', 'mistral-large-2411', { inputTokens: 100_000, outputTokens: 10_000 }, 200_000_000 + 60_000_000],
    // Codestral 25.01 $0.30 / $0.90
    ['mistral', 'codestral-2501', { inputTokens: 100_000, outputTokens: 100_000 }, 30_000_000 + 90_000_000],
  ])('prices %s %s at its published price', (provider, model, usage, expectedNano) => {
    const result = catalog.price(aUsage(usage), provider, model, NOW)

    expect(result).toMatchObject({ costNano: expectedNano, unpriced: false })
    expect(result.priceVersion).toMatch(new RegExp(`^bundled:${provider}/`))
  })

  it('prices a record with the version in effect at its timestamp (o3 price cut of 10 June 2025)', () => {
    const usage = aUsage({ inputTokens: 10_000, outputTokens: 10_000 })

    const before = catalog.price(usage, 'openai', 'o3', Date.parse('2025-06-09T23:59:59.999Z'))
    const after = catalog.price(usage, 'openai', 'o3', Date.parse('2025-06-10T00:00:00Z'))

    // $10 / $40 at launch, $2 / $8 after the cut
    expect(before).toEqual({ costNano: 100_000_000 + 400_000_000, priceVersion: 'bundled:openai/o3@1970-01-01', unpriced: false })
    expect(after).toEqual({ costNano: 20_000_000 + 80_000_000, priceVersion: 'bundled:openai/o3@2025-06-10', unpriced: false })
  })

  it('turns a start_date price change into consecutive versions', () => {
    const o3 = loadBundledPrices().filter((v) => v.provider === 'openai' && v.model === 'o3')

    expect(o3.map((v) => [v.effectiveFromMs, v.effectiveToMs])).toEqual([
      [0, Date.parse('2025-06-10')],
      [Date.parse('2025-06-10'), null],
    ])
  })

  it('keeps the default price of a model whose alternative prices depend on the time of day', () => {
    const atPeak = catalog.at('deepseek', 'deepseek-chat', Date.parse('2026-11-25T10:00:00Z'))

    expect(atPeak).toMatchObject({ version: 'bundled:deepseek/deepseek-chat@1970-01-01', inputNano: 0.135 * USD })
  })

  it('records an unknown model as unpriced with a null cost, never 0', () => {
    const usage = aUsage({ inputTokens: 1_000, outputTokens: 1_000 })

    expect(catalog.price(usage, 'openai', 'gpt-nonexistent-9', NOW)).toEqual({ costNano: null, priceVersion: null, unpriced: true })
    expect(catalog.price(usage, 'no-such-provider', 'gpt-4o', NOW)).toEqual({ costNano: null, priceVersion: null, unpriced: true })
    expect(catalog.estimateNano('openai', 'gpt-nonexistent-9', 1_000, 1_000, NOW)).toBeNull()
  })

  it.each([
    ['anthropic', 'claude-sonnet-4-20250514', 'anthropic', 'claude-sonnet-4-0'],
    ['openai', 'gpt-4o-20240806', 'openai', 'gpt-4o'],
    ['openai', 'gpt-5.3-2026-03-01', 'openai', 'gpt-5.3'],
    ['anthropic', 'claude-sonnet-4-5-latest', 'anthropic', 'claude-sonnet-4-5'],
    ['anthropic', 'anthropic/claude-3.5-sonnet', 'anthropic', 'claude-3-5-sonnet'],
    ['litellm', 'openai/gpt-4o', 'openai', 'gpt-4o'],
    ['openrouter', 'anthropic/claude-3.5-sonnet', 'openrouter', 'anthropic/claude-3.5-sonnet'],
    ['gemini', 'gemini-2.5-pro', 'google', 'gemini-2.5-pro'],
    ['google-vertex', 'gemini-2.5-flash', 'google', 'gemini-2.5-flash'],
    ['vertex_ai', 'gemini-2.5-pro-preview-05-06', 'google', 'gemini-2.5-pro'],
    ['azure', 'gpt-4o', 'openai', 'gpt-4o'],
    ['xai', 'grok-4', 'x-ai', 'grok-4-0709'],
    ['OpenAI', ' GPT-4o ', 'openai', 'gpt-4o'],
  ])('resolves %s %s to %s %s', (provider, model, expectedProvider, expectedModel) => {
    expect(catalog.resolve(provider, model)).toEqual({ provider: expectedProvider, model: expectedModel })
  })

  it('never resolves a :free variant to the paid model', () => {
    expect(catalog.resolve('openrouter', 'deepseek/deepseek-r1:free')).toBeUndefined()
    expect(catalog.resolve('mistral', 'devstral-small:free')).toBeUndefined()
  })

  it('suggests cheaper current models of the same provider, cheapest first, not the model itself', () => {
    const alternatives = catalog.cheaperAlternatives('anthropic', 'claude-sonnet-4-20250514', NOW)

    expect(alternatives.map((a) => a.model)).toEqual(['claude-3-haiku', 'claude-3-5-haiku-latest', 'claude-haiku-4-5'])
    expect(alternatives[0]).toEqual({ provider: 'anthropic', model: 'claude-3-haiku', inputNano: 0.25 * USD, outputNano: 1.25 * USD })
  })

  it('suggests only models that write text, though embeddings and open-weight models are cheaper', () => {
    const suggested = catalog.cheaperAlternatives('openai', 'gpt-4o', NOW, 100).map((a) => a.model)
    const listed = catalog.current({ provider: 'openai' }, NOW).map((v) => v.model)

    expect(listed).toEqual(expect.arrayContaining(['text-embedding-3-small', 'gpt-oss-120b']))
    expect(suggested).toContain('gpt-4o-mini')
    expect(suggested.filter((m) => /embed|gpt-oss|tts|whisper|moderation|search|audio/.test(m))).toEqual([])
  })

  it('agrees with genai-prices on the token cost of every bundled model', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const usages = [
      aUsage({ inputTokens: 9_000, outputTokens: 4_000, cacheReadTokens: 3_000, cacheWriteTokens: 2_000 }),
      aUsage({ inputTokens: 270_000, outputTokens: 4_000, cacheReadTokens: 30_000, cacheWriteTokens: 2_000 }),
    ]
    // Outside DeepSeek's time-of-day windows, whose prices the catalog leaves out on purpose.
    const at = Date.parse('2026-11-25T20:00:00Z')
    const disagreements: string[] = []

    for (const provider of (await waitForUpdate()) ?? []) {
      for (const model of provider.models) {
        for (const usage of usages) {
          const genaiUsage = {
            input_tokens: usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens,
            output_tokens: usage.outputTokens,
            cache_read_tokens: usage.cacheReadTokens,
            cache_write_tokens: usage.cacheWriteTokens,
          }
          const theirs = calcPrice(genaiUsage, model.id, { providerId: provider.id, timestamp: new Date(at) })
          // Request and per-search fees are out of scope; models without token prices are unpriced.
          if (theirs === null || theirs.model_price.input_mtok === undefined || theirs.model_price.requests_kcount !== undefined) continue
          const ours = catalog.price(usage, provider.id, model.id, at).costNano ?? Number.NaN
          const theirsNano = theirs.total_price * USD
          if (!(Math.abs(ours - theirsNano) <= 1 + theirsNano * 1e-12)) disagreements.push(`${provider.id}/${model.id}: ${ours} vs ${theirsNano}`)
        }
      }
    }

    expect(disagreements).toEqual([])
  })

  it('converts every bundled version to valid ModelPrice JSON and back without loss', () => {
    for (const version of loadBundledPrices()) {
      const json = ModelPrice.parse(JSON.parse(JSON.stringify(toModelPrice(version))))

      const { match, deprecated: _deprecated, ...rest } = version
      expect(fromModelPrice(json, match)).toEqual({ ...rest, match })
    }
  })

  it('names the genai-prices package version it was built from', () => {
    expect(BUNDLED_PRICES_VERSION).toMatch(/^\d+\.\d+\.\d+/)
  })
})

describe('PriceCatalog', () => {
  const JUNE = Date.parse('2025-06-01')

  it('finds the version in effect: from inclusive, to exclusive', () => {
    const catalog = new PriceCatalog([
      aVersion({ effectiveFromMs: 1_000, effectiveToMs: JUNE, inputNano: 5 * USD }),
      aVersion({ effectiveFromMs: JUNE, inputNano: 3 * USD }),
    ])

    expect(catalog.at('acme', 'model', 999)).toBeUndefined()
    expect(catalog.at('acme', 'model', 1_000)?.inputNano).toBe(5 * USD)
    expect(catalog.at('acme', 'model', JUNE - 1)?.inputNano).toBe(5 * USD)
    expect(catalog.at('acme', 'model', JUNE)?.inputNano).toBe(3 * USD)
  })

  it('records usage before a model\'s first known price as unpriced', () => {
    const catalog = new PriceCatalog([aVersion({ effectiveFromMs: JUNE })])

    const result = catalog.price(aUsage({ inputTokens: 10 }), 'acme', 'model', JUNE - 1)

    expect(result).toEqual({ costNano: null, priceVersion: null, unpriced: true })
  })

  it('estimates a request with no cache use from input and output tokens', () => {
    const catalog = new PriceCatalog([aVersion({ inputNano: 3 * USD, outputNano: 15 * USD })])

    expect(catalog.estimateNano('acme', 'model', 1_000_000, 100_000, JUNE)).toBe(3 * USD + 1.5 * USD)
  })

  it('prefers an exact id over another model\'s match logic, and the first matching model otherwise', () => {
    const catalog = new PriceCatalog([
      aVersion({ model: 'wide', match: { starts_with: 'fam' } }),
      aVersion({ model: 'fam-exact', match: { equals: 'never' } }),
      aVersion({ model: 'fam-late', match: { starts_with: 'fam' } }),
    ], [])

    expect(catalog.resolve('acme', 'FAM-EXACT')).toEqual({ provider: 'acme', model: 'fam-exact' })
    expect(catalog.resolve('acme', 'fam-other')).toEqual({ provider: 'acme', model: 'wide' })
  })

  it('resolves provider aliases and fallbacks from the rules it is given', () => {
    const catalog = new PriceCatalog([aVersion({ provider: 'openai', model: 'gpt-x' })], [
      { id: 'openai', match: { contains: 'openai' } },
      { id: 'azure', fallbackProviders: ['openai'] },
    ])

    expect(catalog.resolve('azure-openai', 'gpt-x')).toEqual({ provider: 'openai', model: 'gpt-x' })
    expect(catalog.resolve('azure', 'gpt-x')).toEqual({ provider: 'openai', model: 'gpt-x' })
    expect(catalog.resolve('bedrock', 'gpt-x')).toBeUndefined()
  })

  it('gives the same answer for a repeated key as for the first lookup', () => {
    const catalog = new PriceCatalog([aVersion({ model: 'claude-x', match: { starts_with: 'claude-x' } })], [])

    const first = catalog.resolve('acme', 'claude-x-20250101')
    const again = catalog.resolve('acme', 'claude-x-20250101')

    expect(again).toEqual(first)
    expect(again).toEqual({ provider: 'acme', model: 'claude-x' })
  })

  it('leaves deprecated, input-only, dearer and other providers\' models out of cheaper alternatives', () => {
    const catalog = new PriceCatalog([
      aVersion({ model: 'big', inputNano: 10 * USD, outputNano: 30 * USD }),
      aVersion({ model: 'mid', inputNano: 3 * USD, outputNano: 15 * USD }),
      aVersion({ model: 'small', inputNano: 1 * USD, outputNano: 5 * USD }),
      aVersion({ model: 'tiny', inputNano: 0.1 * USD, outputNano: 0.4 * USD }),
      aVersion({ model: 'old', inputNano: 0.01 * USD, outputNano: 0.01 * USD, deprecated: true }),
      aVersion({ model: 'embed', inputNano: 0.02 * USD, outputNano: 0 }),
      aVersion({ model: 'ended', inputNano: 0.01 * USD, outputNano: 0.01 * USD, effectiveToMs: JUNE }),
      aVersion({ model: 'dearer', inputNano: 20 * USD, outputNano: 40 * USD }),
      aVersion({ provider: 'other', model: 'cheap', inputNano: 0.01 * USD, outputNano: 0.01 * USD }),
    ])

    const alternatives = catalog.cheaperAlternatives('acme', 'big', JUNE)

    expect(alternatives.map((a) => a.model)).toEqual(['tiny', 'small', 'mid'])
    expect(catalog.cheaperAlternatives('acme', 'big', JUNE, 1).map((a) => a.model)).toEqual(['tiny'])
    expect(catalog.cheaperAlternatives('acme', 'unknown', JUNE)).toEqual([])
  })

  it('lists the version in effect now per model, filtered by provider alias and search text', () => {
    const catalog = new PriceCatalog([
      aVersion({ provider: 'google', model: 'gemini-pro', effectiveToMs: JUNE, inputNano: 1 * USD }),
      aVersion({ provider: 'google', model: 'gemini-pro', effectiveFromMs: JUNE, inputNano: 2 * USD }),
      aVersion({ provider: 'google', model: 'gemini-flash' }),
      aVersion({ provider: 'google', model: 'retired', effectiveToMs: JUNE }),
      aVersion({ provider: 'openai', model: 'gpt-pro' }),
    ], [{ id: 'google', match: { contains: 'gemini' } }])

    const all = catalog.current({}, JUNE)
    const geminiPro = catalog.current({ provider: 'gemini', search: 'PRO' }, JUNE)

    expect(all.map((v) => v.model).sort()).toEqual(['gemini-flash', 'gemini-pro', 'gpt-pro'])
    expect(geminiPro.map((v) => [v.model, v.inputNano])).toEqual([['gemini-pro', 2 * USD]])
    expect(catalog.current({ provider: 'nobody' }, JUNE)).toEqual([])
  })
})
