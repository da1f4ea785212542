import { afterEach, describe, expect, it } from 'vitest'
import { FeedFetcher, FeedFetchError } from '../../src/pricing/fetch.js'
import { aFeedServer, FAST_FETCH, type FeedServer } from './support/feed-server.js'

let feed: FeedServer
afterEach(() => feed?.close())

async function failure(promise: Promise<unknown>): Promise<FeedFetchError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof FeedFetchError) return error
    throw error
  }
  throw new Error('expected the fetch to fail')
}

describe('fetching feed documents', () => {
  it('returns the body with its ETag and Last-Modified', async () => {
    feed = await aFeedServer({ '/feed': { body: '{"ok":true}', etag: '"v1"', headers: { 'last-modified': 'Tue, 10 Mar 2026 10:00:00 GMT' } } })

    const result = await new FeedFetcher(FAST_FETCH).fetch(`${feed.url}/feed`)

    expect(result).toEqual({ status: 'ok', body: '{"ok":true}', validators: { etag: '"v1"', lastModified: 'Tue, 10 Mar 2026 10:00:00 GMT' } })
  })

  it('asks conditionally with the validators it is given and reports not_modified on 304', async () => {
    feed = await aFeedServer({ '/feed': { body: '{}', etag: '"v1"' } })

    const result = await new FeedFetcher(FAST_FETCH).fetch(`${feed.url}/feed`, { etag: '"v1"', lastModified: 'Tue, 10 Mar 2026 10:00:00 GMT' })

    expect(result).toEqual({ status: 'not_modified' })
    expect(feed.requests[0]?.headers).toMatchObject({ 'if-none-match': '"v1"', 'if-modified-since': 'Tue, 10 Mar 2026 10:00:00 GMT' })
  })

  it('retries a 500 and succeeds when the next answer is good', async () => {
    feed = await aFeedServer({ '/feed': [{ status: 500, body: 'oops' }, { body: '{"ok":true}' }] })

    const result = await new FeedFetcher(FAST_FETCH).fetch(`${feed.url}/feed`)

    expect(result.status).toBe('ok')
    expect(feed.requests).toHaveLength(2)
  })

  it('gives up on a feed that keeps answering 500, after its retries', async () => {
    feed = await aFeedServer({ '/feed': { status: 500, body: 'oops' } })

    const error = await failure(new FeedFetcher({ ...FAST_FETCH, retries: 2 }).fetch(`${feed.url}/feed`))

    expect(error).toMatchObject({ reason: 'http', status: 500 })
    expect(feed.requests).toHaveLength(3)
  })

  it('does not retry a 404', async () => {
    feed = await aFeedServer({})

    const error = await failure(new FeedFetcher(FAST_FETCH).fetch(`${feed.url}/missing`))

    expect(error).toMatchObject({ reason: 'http', status: 404 })
    expect(feed.requests).toHaveLength(1)
  })

  it('times out a slow feed', async () => {
    feed = await aFeedServer({ '/feed': { body: '{}', delayMs: 2_000 } })

    const error = await failure(new FeedFetcher({ ...FAST_FETCH, timeoutMs: 100, retries: 0 }).fetch(`${feed.url}/feed`))

    expect(error.reason).toBe('timeout')
  })

  it('treats a body cut short as a network failure and retries it', async () => {
    feed = await aFeedServer({ '/feed': [{ body: '{"prices": [1, 2, 3, 4, 5, 6]}', truncateAt: 10 }, { body: '{"prices": []}' }] })

    const result = await new FeedFetcher(FAST_FETCH).fetch(`${feed.url}/feed`)

    expect(result).toMatchObject({ status: 'ok', body: '{"prices": []}' })
  })

  it('refuses a body over the size cap, declared or streamed, without retrying', async () => {
    feed = await aFeedServer({ '/declared': { body: 'x'.repeat(10_000) }, '/streamed': { streamBytes: 5 * 1024 * 1024 } })
    const fetcher = new FeedFetcher({ ...FAST_FETCH, maxBytes: 4_096 })

    const declared = await failure(fetcher.fetch(`${feed.url}/declared`))
    const streamed = await failure(fetcher.fetch(`${feed.url}/streamed`))

    expect(declared.reason).toBe('too_large')
    expect(streamed.reason).toBe('too_large')
    expect(feed.requests).toHaveLength(2)
  })

  it('spaces requests to one host by the rate limit, and not requests to another host', async () => {
    feed = await aFeedServer({ '/a': { body: '{}' }, '/b': { body: '{}' }, '/c': { body: '{}' } })
    const waits: number[] = []
    const clock = { now: () => 1_000, sleep: async (ms: number) => void waits.push(ms) }
    const fetcher = new FeedFetcher({ ...FAST_FETCH, minIntervalMs: 50 }, clock)
    const otherHost = feed.url.replace('127.0.0.1', 'localhost')

    await Promise.all([`${feed.url}/a`, `${feed.url}/b`, `${otherHost}/c`, `${feed.url}/c`].map((url) => fetcher.fetch(url)))

    expect(waits).toEqual([50, 100])
  })
})
