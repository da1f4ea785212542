import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PriceChange, RefreshReport } from '../../src/domain/price-monitoring.js'
import { STORE_KINDS } from '../support/engine.js'
import { aFeedServer, feedSettings, fixture, fixtureRoutes, type FeedServer } from './support/feed-server.js'
import { aPricedEngine, type PricedEngine, priceAlerts } from './support/priced-engine.js'

let feed: FeedServer
let t: PricedEngine

beforeEach(async () => {
  feed = await aFeedServer(fixtureRoutes())
  t = await aPricedEngine(feedSettings(feed.url))
})
afterEach(async () => {
  await t.dispose()
  await feed.close()
})

const change = (report: RefreshReport | PriceChange[], model: string) => ('changes' in report ? report.changes : report).find((c) => c.model === model)

describe('refreshing prices from the fixture feeds', () => {
  it('reads every source and reports new, changed, pending and failed', async () => {
    const report = await t.engine.refreshPrices()

    expect(report.sources.map((s) => [s.id, s.status])).toEqual([
      ['bundled', 'ok'],
      ['litellm', 'ok'],
      ['llmprices', 'ok'],
      ['openrouter', 'ok'],
      ['llmprices_html', 'ok'],
      ['pretrained_html', 'ok'],
    ])
    expect(report.summary).toMatchObject({ new: 0, changed: 2, pending: 2, failed: 0, conflicts: 1 })
    const verifiedInCatalog = (await t.engine.currentPrices({})).filter((p) => p.verified).length
    console.log(`fixture refresh: ${report.summary.models} models priced by some source, ${report.summary.verified} verified by agreement, ${verifiedInCatalog} verified prices in the catalog`)
  })

  it('applies a verified change within 20 % by itself, from the refresh on', async () => {
    const report = await t.engine.refreshPrices()

    expect(change(report, 'gpt-4.1')).toMatchObject({ status: 'applied', kind: 'update', verified: true, source: 'litellm', decidedBy: 'system', price: { inputPerMtok: 2.1, outputPerMtok: 8.4 } })
    expect(change(report, 'claude-sonnet-4-0')).toMatchObject({ status: 'applied', price: { tiers: [{ aboveInputTokens: 200_000, inputPerMtok: 6, outputPerMtok: 22.5 }] } })
  })

  it('holds a verified move of more than 20 % and an unverified new model for approval', async () => {
    const report = await t.engine.refreshPrices()

    expect(change(report, 'o1')).toMatchObject({ status: 'pending', verified: true, changeRatio: expect.closeTo(0.3, 6), previous: { inputPerMtok: 15 } })
    expect(change(report, 'acme-7b-chat')).toMatchObject({ status: 'pending', kind: 'new', verified: false, provider: 'acme' })
    expect(change(report, 'obscure-9b')).toBeUndefined()
  })

  it('puts the new catalog in place at once: the next cost uses the applied price', async () => {
    const before = await t.engine.calculateCost({ provider: 'openai', model: 'gpt-4.1', inputTokens: 1_000_000, outputTokens: 0 })

    await t.engine.refreshPrices()
    const after = await t.engine.calculateCost({ provider: 'openai', model: 'gpt-4.1', inputTokens: 1_000_000, outputTokens: 0 })

    expect(before.costUsd).toBe(2)
    expect(after.costUsd).toBe(2.1)
    expect(after.priceVersion).toMatch(/^litellm:openai\/gpt-4\.1@/)
  })

  it('marks prices the sources agree on verified and single-source prices unverified', async () => {
    await t.engine.refreshPrices()
    const current = await t.engine.currentPrices({})
    const verified = (model: string) => current.find((p) => p.model === model)?.verified

    expect(verified('gpt-4o')).toBe(true)
    expect(verified('mistral-large')).toBe(false)
    expect(verified('claude-3-haiku')).toBe(false)
  })

  it('announces changes on price_updates and asks for price_change and price_conflict alerts', async () => {
    await t.engine.refreshPrices()

    expect(t.events.filter((e) => e.topic === 'price_updates').map((e) => e.type)).toEqual(expect.arrayContaining(['prices.changed', 'prices.refreshed', 'price.alert']))
    expect(priceAlerts(t.events, 'price_conflict').map((a) => a.model)).toEqual(['mistral-large'])
    expect(priceAlerts(t.events, 'price_change').map((a) => a.model).sort()).toEqual(['acme-7b-chat', 'claude-sonnet-4-0', 'gpt-4.1', 'o1'])
  })

  it('goes on with the other sources when one answers 500, and reports the failure', async () => {
    feed.serve('/litellm.json', { status: 500, body: 'upstream down' })

    const report = await t.engine.refreshPrices()
    const sources = await t.engine.priceSources()

    expect(report.sources.find((s) => s.id === 'litellm')).toMatchObject({ status: 'failed', error: expect.stringContaining('500') })
    expect(report.sources.filter((s) => s.status === 'ok')).toHaveLength(5)
    expect(sources.find((s) => s.id === 'litellm')).toMatchObject({ lastSuccessAt: null, lastError: expect.stringContaining('500') })
    expect(priceAlerts(t.events, 'source_failure').map((a) => a.source)).toEqual(['litellm'])
  })

  it('reports a redesigned page as a source failure and takes no number from it', async () => {
    feed.serve('/llmprices.html', { body: '<html><body><div class="card">GPT-4o $2.50</div></body></html>', headers: { 'content-type': 'text/html' } })

    const report = await t.engine.refreshPrices()

    expect(report.sources.find((s) => s.id === 'llmprices_html')).toMatchObject({ status: 'failed', observations: 0 })
    expect(priceAlerts(t.events, 'source_failure').map((a) => a.source)).toEqual(['llmprices_html'])
  })

  it('keeps a failing source\'s last observations in the vote', async () => {
    await t.engine.refreshPrices()
    feed.serve('/llmprices.html', { status: 503, body: '' })
    feed.serve('/pretrained.html', { status: 503, body: '' })

    const report = await t.engine.refreshPrices()

    expect(report.summary.failed).toBe(2)
    expect(change(report, 'o1')).toMatchObject({ status: 'pending', verified: true })
  })

  it('asks again with the ETag and reads nothing new from an unchanged feed', async () => {
    await t.engine.refreshPrices()

    const report = await t.engine.refreshPrices()

    expect(report.sources.find((s) => s.id === 'litellm')?.status).toBe('unchanged')
    expect(feed.requests.filter((r) => r.path === '/litellm.json').at(-1)?.headers['if-none-match']).toBe('"litellm-1"')
    expect(report.summary).toMatchObject({ new: 0, changed: 0, pending: 2 })
  })

  it('keeps one pending change per proposal across refreshes', async () => {
    const first = await t.engine.refreshPrices()

    const second = await t.engine.refreshPrices()
    const pending = await t.engine.priceChanges({ status: 'pending' })

    expect(change(second, 'o1')?.id).toBe(change(first, 'o1')?.id)
    expect(pending).toHaveLength(2)
  })

  it('withdraws a pending change the sources no longer propose', async () => {
    const first = await t.engine.refreshPrices()
    const o1 = change(first, 'o1')!
    for (const path of ['/litellm.json', '/current-v1.json', '/api/v1/models', '/llmprices.html', '/pretrained.html']) {
      feed.serve(path, { body: fixtureText(path).replaceAll('1.95e-05', '1.5e-05').replaceAll('7.8e-05', '6e-05').replaceAll('"input": 19.5, "output": 78', '"input": 15, "output": 60').replaceAll('0.0000195', '0.000015').replaceAll('0.000078', '0.00006').replaceAll('$19.50', '$15.00').replaceAll('$78.00', '$60.00').replaceAll('$0.0195', '$0.015').replaceAll('$0.078', '$0.06') })
    }

    await t.engine.refreshPrices()
    const withdrawn = (await t.engine.priceChanges({ provider: 'openai', model: 'o1' })).find((c) => c.id === o1.id)

    expect(withdrawn).toMatchObject({ status: 'rejected', decidedBy: 'system', reason: expect.stringContaining('withdrawn') })
  })

  it('applies a pending new model once a second source confirms it, from when it was first seen', async () => {
    const first = await t.engine.refreshPrices()
    const models = JSON.parse(fixture('openrouter-models.json')) as { data: unknown[] }
    models.data.push({ id: 'acme/acme-7b-chat', name: 'Acme 7B', pricing: { prompt: '0.0000004', completion: '0.0000012' } })
    feed.serve('/api/v1/models', { body: JSON.stringify(models) })
    t.clock.now += 6 * 3_600_000

    const second = await t.engine.refreshPrices()

    expect(change(second, 'acme-7b-chat')).toMatchObject({ id: change(first, 'acme-7b-chat')!.id, status: 'applied', decidedBy: 'system', verified: true, effectiveFrom: first.startedAt })
  })

  it('does not propose again a price a person rejected while it stays unverified', async () => {
    const first = await t.engine.refreshPrices()
    await t.engine.rejectPriceChange(change(first, 'acme-7b-chat')!.id, 'ada', 'not a model we use')

    const second = await t.engine.refreshPrices()

    expect(change(second, 'acme-7b-chat')).toBeUndefined()
  })

  it('backfills past periods a source records, as pending changes', async () => {
    const report = await t.engine.refreshPrices({ backfill: true })
    const backfill = report.changes.find((c) => c.kind === 'backfill')

    expect(backfill).toMatchObject({ provider: 'openai', model: 'gpt-4o', status: 'pending', effectiveFrom: '2024-05-13T00:00:00.000Z', effectiveTo: '2024-08-06T00:00:00.000Z', price: { inputPerMtok: 5, outputPerMtok: 15 } })
  })

  it('leaves a model with a manual price alone: the manual price wins', async () => {
    await t.engine.setManualPrice({ provider: 'openai', model: 'o1', inputPerMtok: 12, outputPerMtok: 48 }, 'ada')

    const report = await t.engine.refreshPrices()
    const cost = await t.engine.calculateCost({ provider: 'openai', model: 'o1', inputTokens: 1_000_000, outputTokens: 0 })

    expect(change(report, 'o1')).toBeUndefined()
    expect(cost).toMatchObject({ costUsd: 12, price: { source: 'manual', verified: true } })
  })

  it('refuses an unknown source id', async () => {
    await expect(t.engine.refreshPrices({ sources: ['nope'] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
  })
})

function fixtureText(path: string): string {
  const route = fixtureRoutes()[path]
  return route?.body ?? ''
}

describe('price alerts', () => {
  it('become alerts of the alerting service', async () => {
    await t.engine.refreshPrices()

    await vi.waitFor(async () => {
      const page = await t.engine.listAlerts({ type: 'price_conflict', limit: 10 })
      expect(page.items.map((a) => a.details.model)).toEqual(['mistral-large'])
    })
  })
})

describe.each(STORE_KINDS)('the price workflow on %s', (store) => {
  let pgFeed: FeedServer
  let e: PricedEngine
  beforeEach(async () => {
    pgFeed = await aFeedServer(fixtureRoutes())
    e = await aPricedEngine(feedSettings(pgFeed.url), { store })
  })
  afterEach(async () => {
    await e.dispose()
    await pgFeed.close()
  })

  it('refreshes, approves, rejects and lists sources', async () => {
    const report = await e.engine.refreshPrices()
    const o1 = change(report, 'o1')!
    const acme = change(report, 'acme-7b-chat')!

    await e.engine.approvePriceChange(o1.id, 'ada')
    await e.engine.rejectPriceChange(acme.id, 'ada')
    const again = await e.engine.refreshPrices()
    const sources = await e.engine.priceSources()

    expect(report.summary).toMatchObject({ changed: 2, pending: 2 })
    expect((await e.engine.priceChanges({ status: 'applied' })).map((c) => c.model).sort()).toEqual(['claude-sonnet-4-0', 'gpt-4.1', 'o1'])
    expect(again.summary).toMatchObject({ changed: 0, pending: 0 })
    expect(sources.find((s) => s.id === 'litellm')).toMatchObject({ trust: 0.9, observations: expect.any(Number), lastSuccessAt: expect.any(String) })
  })
})
