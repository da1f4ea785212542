import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FeedFetcher } from '../../../src/pricing/fetch.js'
import { SourceFormatError } from '../../../src/pricing/sources/adapter.js'
import { parseOpenRouter } from '../../../src/pricing/sources/openrouter.js'
import { aFeedServer, FAST_FETCH, type FeedServer, fixture } from '../support/feed-server.js'

describe('OpenRouter adapter, reading /api/v1/models from a feed server', () => {
  let feed: FeedServer
  let parsed: ReturnType<typeof parseOpenRouter>
  beforeAll(async () => {
    feed = await aFeedServer({ '/api/v1/models': { body: fixture('openrouter-models.json') } })
    const fetched = await new FeedFetcher(FAST_FETCH).fetch(`${feed.url}/api/v1/models`)
    if (fetched.status !== 'ok') throw new Error('expected the document')
    parsed = parseOpenRouter(fetched.body)
  })
  afterAll(() => feed.close())

  const find = (id: string) => parsed.observations.find((o) => o.sourceModelId === id)

  it('reads string prices per token, cache prices included', () => {
    expect(find('anthropic/claude-3.5-sonnet')?.price).toMatchObject({ inputNano: 3_000_000_000, outputNano: 15_000_000_000, cacheReadNano: 300_000_000, cacheWriteNano: 3_750_000_000 })
  })

  it('rounds repeating decimals to the nearest nano-USD per million tokens', () => {
    expect(find('deepseek/deepseek-chat')?.price.inputNano).toBe(135_000_000)
  })

  it('leaves out OpenRouter\'s own :free / :beta variants and its routers priced per request', () => {
    const ids = parsed.observations.map((o) => o.sourceModelId)

    expect(ids).not.toContain('meta-llama/llama-3.1-8b-instruct:free')
    expect(ids).not.toContain('anthropic/claude-3.5-sonnet:beta')
    expect(ids).not.toContain('openrouter/auto')
    expect(parsed.skipped).toBe(0)
  })

  it('refuses a document without a data list', () => {
    expect(() => parseOpenRouter('{"error": {"message": "Unauthorized"}}')).toThrow(SourceFormatError)
  })
})
