import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FeedFetcher } from '../../../src/pricing/fetch.js'
import { SourceFormatError } from '../../../src/pricing/sources/adapter.js'
import { parseLlmPricesPage } from '../../../src/pricing/sources/llmprices-html.js'
import { parsePretrainedPage } from '../../../src/pricing/sources/pretrained-html.js'
import { aFeedServer, FAST_FETCH, type FeedServer, fixture } from '../support/feed-server.js'

const USD = 1_000_000_000
const html = { 'content-type': 'text/html; charset=utf-8' }

describe('web page adapters (cheerio), reading pages from a feed server', () => {
  let feed: FeedServer
  const pages: Record<string, string> = {}
  beforeAll(async () => {
    feed = await aFeedServer({ '/llmprices.html': { body: fixture('llmprices.html'), headers: html }, '/pretrained.html': { body: fixture('pretrained.html'), headers: html } })
    const fetcher = new FeedFetcher(FAST_FETCH)
    for (const path of ['/llmprices.html', '/pretrained.html']) {
      const fetched = await fetcher.fetch(`${feed.url}${path}`)
      if (fetched.status === 'ok') pages[path] = fetched.body
    }
  })
  afterAll(() => feed.close())

  it('reads LLMPrices.com rows: name, provider column, prices per million, cached input', async () => {
    const { observations } = await parseLlmPricesPage(pages['/llmprices.html']!)

    expect(observations.find((o) => o.sourceModelId === 'Claude 3.5 Sonnet')).toEqual({
      sourceProvider: 'Anthropic',
      sourceModelId: 'Claude 3.5 Sonnet',
      price: { inputNano: 3 * USD, outputNano: 15 * USD, cacheReadNano: 300_000_000, cacheWriteNano: null, cacheWrite1hNano: null, tiers: [] },
    })
  })

  it('skips rows whose price is a range or "Contact us" instead of guessing', async () => {
    const { observations, skipped } = await parseLlmPricesPage(pages['/llmprices.html']!)

    expect(observations.map((o) => o.sourceModelId)).not.toContain('Gemini 1.5 Pro')
    expect(skipped).toBe(2)
  })

  it('reads Pretrained.ai rows: provider from heading rows, prices per thousand, model ids from data attributes', async () => {
    const { observations } = await parsePretrainedPage(pages['/pretrained.html']!)

    expect(observations.find((o) => o.sourceModelId === 'gpt-4o')).toMatchObject({ sourceProvider: 'OpenAI', price: { inputNano: 2.5 * USD, outputNano: 10 * USD } })
    expect(observations.find((o) => o.sourceModelId === 'Claude 3.5 Sonnet')?.sourceProvider).toBe('Anthropic')
  })

  it('reports a redesigned page as a format error, never as numbers', async () => {
    const redesigned = '<html><body><div class="card"><h3>GPT-4o</h3><p>Input $2.50 · Output $10</p></div></body></html>'
    const mostlyUnreadable = '<table><tr><th>Model</th><th>Input</th><th>Output</th></tr><tr><td>A</td><td>ask</td><td>ask</td></tr><tr><td>B</td><td>ask</td><td>ask</td></tr><tr><td>C</td><td>$1</td><td>$2</td></tr></table>'

    await expect(parseLlmPricesPage(redesigned)).rejects.toThrow(SourceFormatError)
    await expect(parsePretrainedPage(mostlyUnreadable)).rejects.toThrow(SourceFormatError)
  })
})
