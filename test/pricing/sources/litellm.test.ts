import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FeedFetcher } from '../../../src/pricing/fetch.js'
import { SourceFormatError } from '../../../src/pricing/sources/adapter.js'
import { parseLiteLlm } from '../../../src/pricing/sources/litellm.js'
import { aFeedServer, FAST_FETCH, type FeedServer, fixture } from '../support/feed-server.js'

const USD = 1_000_000_000

describe('LiteLLM adapter, reading model_prices_and_context_window.json from a feed server', () => {
  let feed: FeedServer
  let observations: ReturnType<typeof parseLiteLlm>
  beforeAll(async () => {
    feed = await aFeedServer({ '/litellm.json': { body: fixture('litellm.json') } })
    const fetched = await new FeedFetcher(FAST_FETCH).fetch(`${feed.url}/litellm.json`)
    if (fetched.status !== 'ok') throw new Error('expected the document')
    observations = parseLiteLlm(fetched.body)
  })
  afterAll(() => feed.close())

  const find = (id: string) => observations.observations.find((o) => o.sourceModelId === id)

  it('converts USD per token, in exponent notation, to exact nano-USD per million tokens', () => {
    expect(find('gpt-4o')?.price).toMatchObject({ inputNano: 2.5 * USD, outputNano: 10 * USD, cacheReadNano: 1.25 * USD })
    expect(find('gpt-4o-mini')?.price).toMatchObject({ inputNano: 150_000_000, outputNano: 600_000_000, cacheReadNano: 75_000_000 })
  })

  it('reads cache writes, 1-hour cache writes and every above-N-k tier', () => {
    expect(find('claude-sonnet-4-20250514')?.price).toEqual({
      inputNano: 3 * USD,
      outputNano: 15 * USD,
      cacheReadNano: 300_000_000,
      cacheWriteNano: 3_750_000_000,
      cacheWrite1hNano: 6 * USD,
      tiers: [{ aboveInputTokens: 200_000, inputNano: 6 * USD, outputNano: 22_500_000_000, cacheReadNano: 600_000_000, cacheWriteNano: 7_500_000_000, cacheWrite1hNano: null }],
    })
    expect(find('gemini/gemini-1.5-pro')?.price.tiers).toEqual([
      { aboveInputTokens: 128_000, inputNano: 2.5 * USD, outputNano: 10 * USD, cacheReadNano: null, cacheWriteNano: null, cacheWrite1hNano: null },
    ])
  })

  it('keeps the provider and the id as LiteLLM writes them', () => {
    expect(find('gemini/gemini-1.5-pro')?.sourceProvider).toBe('gemini')
    expect(find('claude-3-5-sonnet-latest')?.sourceProvider).toBe('anthropic')
  })

  it('prices embeddings, which publish no output price, at 0 for output', () => {
    expect(find('text-embedding-3-small')?.price).toMatchObject({ inputNano: 20_000_000, outputNano: 0 })
  })

  it('skips sample_spec, models not priced per token and OpenRouter listings, and counts the unreadable entry', () => {
    const ids = observations.observations.map((o) => o.sourceModelId)

    expect(ids).not.toContain('sample_spec')
    expect(ids).not.toContain('dall-e-3')
    expect(ids).not.toContain('openrouter/anthropic/claude-3.5-sonnet')
    expect(ids).not.toContain('broken-model')
    expect(observations.skipped).toBe(1)
  })

  it('refuses a document that is not the price file', () => {
    expect(() => parseLiteLlm('<html>rate limited</html>')).toThrow(SourceFormatError)
    expect(() => parseLiteLlm('[1, 2, 3]')).toThrow(SourceFormatError)
    expect(() => parseLiteLlm(JSON.stringify({ 'a-model': { input_cost_per_token: 'x', output_cost_per_token: 'y', litellm_provider: 'openai' } }))).toThrow(SourceFormatError)
  })

  it('refuses a truncated file rather than reading half of it', () => {
    const text = fixture('litellm.json')

    expect(() => parseLiteLlm(text.slice(0, text.length / 2))).toThrow(SourceFormatError)
  })
})
