/**
 * Approving a price from the dashboard. A local HTTP server plays the LiteLLM feed and
 * quotes gpt-4o at twice its catalog price; a refresh leaves that change pending, and an
 * admin approves it from the Prices page: it leaves the pending list and the catalog shows
 * the new price. A second change is rejected the same way.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { formatPerMtok } from '../../web/src/format.js'
import { aTestServer, type Json, type TestServer } from '../support/http.js'
import { aBrowser, describeInBrowser, ensureDashboardBuilt, screenshot, settled, type TestBrowser } from './browser.js'

const SLOW = 60_000

/** LiteLLM's format: USD per token. gpt-4o at $5 / $20 per million (the catalog says $2.50 / $10). */
const FEED = {
  'gpt-4o': { input_cost_per_token: 0.000005, output_cost_per_token: 0.00002, litellm_provider: 'openai', mode: 'chat' },
  'claude-3-5-haiku-20241022': { input_cost_per_token: 0.000004, output_cost_per_token: 0.00002, litellm_provider: 'anthropic', mode: 'chat' },
}

describeInBrowser('approving prices', () => {
  let feed: Server
  let server: TestServer
  let browser: TestBrowser

  beforeAll(async () => {
    await ensureDashboardBuilt()
    feed = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(FEED)))
    await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve))
    const off = { enabled: false }
    const sources = { litellm: { url: `http://127.0.0.1:${(feed.address() as AddressInfo).port}/model_prices.json` }, llmprices: off, openrouter: off, llmprices_html: off, pretrained_html: off }
    server = await aTestServer({ BUDGET_PRICE_SOURCES: JSON.stringify(sources), BUDGET_PRICE_REFRESH: 'off' })
    const refreshed = await server.call('POST', '/api/v1/prices/refresh', { body: { sources: ['litellm'] } })
    if (refreshed.status !== 200) throw new Error(`refresh answered ${refreshed.status}: ${JSON.stringify(refreshed.body)}`)
    browser = await aBrowser()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    await new Promise((resolve) => feed?.close(resolve))
  })

  const pending = async (): Promise<Json[]> => (await server.call('GET', '/api/v1/prices/changes?status=pending')).body.items

  it('approves a pending price change: it leaves the list and the catalog shows the new price', async () => {
    const change = (await pending()).find((c) => c.model === 'gpt-4o')
    expect(change).toBeDefined()
    const page = await browser.newPage()
    await page.goto(new URL('/prices?q=gpt-4o', server.url).href)
    await settled(page)
    await screenshot(page, 'prices-pending')

    await page.locator(`[data-change-id="${change.id}"]`).getByRole('button', { name: /^Approve/ }).click()

    await page.locator(`[data-change-id="${change.id}"]`).waitFor({ state: 'detached' })
    const decided = (await server.call('GET', '/api/v1/prices/changes')).body.items.find((c: Json) => c.id === change.id)
    expect(decided.status).toMatch(/approved|applied/)
    const row = page.locator('[data-testid="price-table"] tbody tr', { has: page.getByRole('button', { name: 'Price history of openai/gpt-4o', exact: true }) })
    await expect.poll(async () => (await row.locator('td[data-col="input"]').textContent())?.trim()).toBe(formatPerMtok(5))
    await page.close()
  }, SLOW)

  it('rejects a pending price change', async () => {
    const change = (await pending()).find((c) => c.provider === 'anthropic')
    expect(change).toBeDefined()
    const page = await browser.newPage()
    await page.goto(new URL('/prices', server.url).href)
    await settled(page)

    await page.locator(`[data-change-id="${change.id}"]`).getByRole('button', { name: /^Reject/ }).click()

    await page.locator(`[data-change-id="${change.id}"]`).waitFor({ state: 'detached' })
    const decided = (await server.call('GET', '/api/v1/prices/changes')).body.items.find((c: Json) => c.id === change.id)
    expect(decided.status).toBe('rejected')
    await page.close()
  }, SLOW)
})
