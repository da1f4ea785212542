/**
 * A full-size LiteLLM file through a whole refresh: every entry read, normalised, verified
 * against the bundled prices and stored. Prints the time and memory it took (figures for
 * the notes, not assertions).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aFeedServer, type FeedServer } from './support/feed-server.js'
import { bigLiteLlm } from './support/big-litellm.js'
import { aPricedEngine, type PricedEngine } from './support/priced-engine.js'

const OFF = { enabled: false }

describe('ingesting a full-size LiteLLM file', () => {
  let feed: FeedServer
  let t: PricedEngine
  const body = bigLiteLlm(2_000)
  beforeAll(async () => {
    feed = await aFeedServer({ '/litellm.json': { body } })
    t = await aPricedEngine({ litellm: { url: `${feed.url}/litellm.json` }, llmprices: OFF, openrouter: OFF, llmprices_html: OFF, pretrained_html: OFF })
  })
  afterAll(async () => {
    await t.dispose()
    await feed.close()
  })

  it('reads every token-priced entry of ~2,000 and proposes the models it alone prices', async () => {
    const rssBefore = process.memoryUsage().rss
    const started = performance.now()

    const report = await t.engine.refreshPrices({ sources: ['litellm'] })

    const ms = performance.now() - started
    const litellm = report.sources.find((s) => s.id === 'litellm')!
    console.log(
      `LiteLLM ingest: ${(body.length / 1024 / 1024).toFixed(2)} MB, ${litellm.observations} models read (${litellm.skipped} skipped), ` +
        `refresh ${Math.round(ms)} ms (fetch+parse ${litellm.durationMs} ms), RSS +${Math.round((process.memoryUsage().rss - rssBefore) / 1024 / 1024)} MB, ` +
        `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB; ${report.summary.pending} pending, ${report.summary.verified} verified`,
    )
    expect(litellm.status).toBe('ok')
    expect(litellm.observations).toBeGreaterThan(1_900)
    expect(report.summary.pending).toBeGreaterThan(1_800)
  })
})
