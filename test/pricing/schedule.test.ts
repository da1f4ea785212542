import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { schedulePriceRefresh, type PriceSchedule } from '../../src/pricing/schedule.js'
import { aPricedEngine, type PricedEngine } from './support/priced-engine.js'

describe('the price refresh schedule', () => {
  let t: PricedEngine
  let schedule: PriceSchedule | undefined
  beforeEach(async () => {
    t = await aPricedEngine({ openrouter: { refreshCron: '30 2 * * *' }, pretrained_html: { enabled: false } })
  })
  afterEach(async () => {
    schedule?.stop()
    await t.dispose()
  })

  it('refreshes every enabled feed on the global schedule, and a feed with its own schedule on that', () => {
    schedule = schedulePriceRefresh(t.engine.prices, { cron: '0 */6 * * *' })

    expect(schedule.next().map((g) => g.sources)).toEqual([['litellm', 'llmprices', 'llmprices_html'], ['openrouter']])
  })

  it('never runs at start-up: the first run waits the delay', () => {
    const now = Date.now()

    schedule = schedulePriceRefresh(t.engine.prices, { cron: '* * * * *', firstRunDelayMs: 3_600_000, now: () => now })

    for (const { at } of schedule.next()) expect(Date.parse(at!)).toBeGreaterThanOrEqual(now + 3_600_000)
  })

  it('schedules nothing when off', () => {
    schedule = schedulePriceRefresh(t.engine.prices, { cron: 'off' })

    expect(schedule.next()).toEqual([])
  })
})

describe('price settings', () => {
  const load = (env: Record<string, string>) => loadConfig({ env, cwd: '/nonexistent' })

  it('refreshes every 6 hours by default, with a 20 % approval threshold', () => {
    expect(load({})).toMatchObject({ priceRefresh: '0 */6 * * *', priceApprovalThreshold: 0.2 })
  })

  it('takes off, a cron pattern and source changes as JSON', () => {
    const config = load({ BUDGET_PRICE_REFRESH: 'off', BUDGET_PRICE_SOURCES: '{"litellm": {"url": "https://mirror.example/litellm.json", "trust": 0.95}}' })

    expect(config.priceRefresh).toBe('off')
    expect(config.priceSources).toEqual({ litellm: { url: 'https://mirror.example/litellm.json', trust: 0.95 } })
  })

  it('refuses a bad schedule or source setting, naming the variable', () => {
    expect(() => load({ BUDGET_PRICE_REFRESH: 'every six hours' })).toThrow(/BUDGET_PRICE_REFRESH/)
    expect(() => load({ BUDGET_PRICE_SOURCES: '{"litellm": {"trust": 2}}' })).toThrow(/BUDGET_PRICE_SOURCES/)
    expect(() => load({ BUDGET_PRICE_SOURCES: 'not json' })).toThrow(/BUDGET_PRICE_SOURCES/)
  })
})

describe('source settings', () => {
  it('refuses a source schedule that is not a cron pattern, and a new source without a kind', async () => {
    const { resolveSources } = await import('../../src/pricing/sources/registry.js')

    expect(() => resolveSources({ litellm: { refreshCron: 'hourly' } })).toThrow(/refreshCron/)
    expect(() => resolveSources({ mirror: { url: 'https://mirror.example/prices.json' } })).toThrow(/kind/)
    expect(resolveSources({ mirror: { kind: 'litellm', url: 'https://mirror.example/prices.json', trust: 0.6 } }).at(-1)).toMatchObject({ id: 'mirror', kind: 'litellm', trust: 0.6, enabled: true })
  })
})

describe('refreshing a source switched off', () => {
  it('reports it skipped and fetches nothing', async () => {
    const t = await aPricedEngine({ litellm: { enabled: false, url: 'http://127.0.0.1:9/never' } })
    try {
      const report = await t.engine.refreshPrices({ sources: ['litellm'] })

      expect(report.sources.map((s) => [s.id, s.status])).toEqual([
        ['bundled', 'ok'],
        ['litellm', 'skipped'],
      ])
    } finally {
      await t.dispose()
    }
  })
})
