import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FeedFetcher } from '../../../src/pricing/fetch.js'
import { SourceFormatError } from '../../../src/pricing/sources/adapter.js'
import { parseLlmPrices, parseLlmPricesHistory } from '../../../src/pricing/sources/llmprices.js'
import { aFeedServer, FAST_FETCH, type FeedServer, fixture } from '../support/feed-server.js'

const USD = 1_000_000_000

describe('llm-prices.com adapter, reading current-v1.json and historical-v1.json from a feed server', () => {
  let feed: FeedServer
  const bodies: Record<string, string> = {}
  beforeAll(async () => {
    feed = await aFeedServer({ '/current-v1.json': { body: fixture('llmprices-current.json') }, '/historical-v1.json': { body: fixture('llmprices-historical.json') } })
    const fetcher = new FeedFetcher(FAST_FETCH)
    for (const path of ['/current-v1.json', '/historical-v1.json']) {
      const fetched = await fetcher.fetch(`${feed.url}${path}`)
      if (fetched.status === 'ok') bodies[path] = fetched.body
    }
  })
  afterAll(() => feed.close())

  it('reads USD per million tokens, the cached-input price as the cache-read price, and no cache-write price', () => {
    const { observations } = parseLlmPrices(bodies['/current-v1.json']!)

    expect(observations.find((o) => o.sourceModelId === 'gpt-4o')).toEqual({
      sourceProvider: 'openai',
      sourceModelId: 'gpt-4o',
      price: { inputNano: 2.5 * USD, outputNano: 10 * USD, cacheReadNano: 1.25 * USD, cacheWriteNano: null, cacheWrite1hNano: null, tiers: [] },
    })
  })

  it('folds a "-200k" entry into the long-context tier of its base model', () => {
    const { observations } = parseLlmPrices(bodies['/current-v1.json']!)

    expect(observations.map((o) => o.sourceModelId)).not.toContain('claude-sonnet-4.5-200k')
    expect(observations.find((o) => o.sourceModelId === 'claude-sonnet-4.5')?.price.tiers).toEqual([
      { aboveInputTokens: 200_000, inputNano: 6 * USD, outputNano: 22_500_000_000, cacheReadNano: 600_000_000, cacheWriteNano: null, cacheWrite1hNano: null },
    ])
  })

  it('keeps one entry of an id listed twice', () => {
    const { observations } = parseLlmPrices(bodies['/current-v1.json']!)

    expect(observations.filter((o) => o.sourceModelId === 'gpt-4o')).toHaveLength(1)
  })

  it('reads each historical period with its dates, the end exclusive', () => {
    const { observations } = parseLlmPricesHistory(bodies['/historical-v1.json']!)

    expect(observations.filter((o) => o.sourceModelId === 'gpt-4o').map((o) => [o.effectiveFromMs, o.effectiveToMs, o.price.inputNano])).toEqual([
      [Date.parse('2024-08-06T00:00:00Z'), null, 2.5 * USD],
      [Date.parse('2024-05-13T00:00:00Z'), Date.parse('2024-08-06T00:00:00Z'), 5 * USD],
    ])
    expect(observations.find((o) => o.sourceModelId === 'claude-3.5-sonnet')?.effectiveFromMs).toBe(0)
  })

  it('refuses a document without a prices list', () => {
    expect(() => parseLlmPrices('{"updated_at": "2026-01-01"}')).toThrow(SourceFormatError)
    expect(() => parseLlmPrices('{"prices": [{"id": "x", "input": "free"}]}')).toThrow(SourceFormatError)
  })
})
