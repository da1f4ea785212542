/**
 * Live updates: the dashboard listens on /ws, so usage recorded by any client shows on an
 * open page without a reload, the header says whether the connection is up, and after the
 * service restarts the page reconnects by itself and carries on.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { formatUsd } from '../../web/src/format.js'
import { aTestServer, aUsageBody, type TestServer } from '../support/http.js'
import { aBrowser, describeInBrowser, ensureDashboardBuilt, screenshot, settled, type TestBrowser } from './browser.js'

const SLOW = 60_000

describeInBrowser('live updates', () => {
  let dir: string
  let server: TestServer
  let browser: TestBrowser

  beforeAll(async () => {
    await ensureDashboardBuilt()
    dir = mkdtempSync(join(tmpdir(), 'budget-live-'))
    server = await aTestServer({}, { dir })
    browser = await aBrowser()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const connection = (page: Page) => page.getByTestId('connection').getAttribute('data-state')
  const spendToday = async (page: Page) => (await page.locator('[data-testid="spend-today"] .stat-value').textContent())?.trim()

  async function openOverview(): Promise<Page> {
    const page = await browser.newPage()
    await page.goto(server.url)
    await settled(page)
    await expect.poll(() => connection(page)).toBe('live')
    // Survives only as long as the document does: a reload would drop it.
    await page.evaluate('window.sameDocument = true')
    return page
  }

  it('shows a usage record posted over HTTP on the open overview, without a reload', async () => {
    const budget = (await server.call('POST', '/api/v1/budgets', { body: { name: 'live' } })).body
    await server.call('POST', '/api/v1/policies', { body: { budgetId: budget.id, type: 'hard_limit', period: 'daily', tokenLimit: 1_000_000 } })
    const page = await openOverview()
    expect(await spendToday(page)).toBe('$0.00')

    const recorded = await server.call('POST', '/api/v1/usage', { body: aUsageBody({ id: 'live-1', budgetId: budget.id, inputTokens: 120_000, outputTokens: 4_000 }) })
    expect(recorded.status).toBe(201)

    await page.locator('[data-usage-id="live-1"]').waitFor()
    const today = (await server.call('GET', '/api/v1/reports/usage?period=today&timeZone=UTC')).body
    await expect.poll(() => spendToday(page)).toBe(formatUsd(today.totals.costUsd))
    await expect.poll(() => page.locator('[data-testid="tokens-used"]').first().textContent()).toBe('124,000 / 1,000,000')
    expect(await page.evaluate<boolean>('window.sameDocument === true')).toBe(true)
    await screenshot(page, 'overview-live')
    await page.close()
  }, SLOW)

  it('says it is reconnecting while the service is down, reconnects when it is back, and receives events again', async () => {
    const page = await openOverview()
    const { port } = server.server.app.server.address() as AddressInfo

    await server.server.close()
    await expect.poll(() => connection(page)).toBe('reconnecting')
    expect(await page.getByTestId('connection').textContent()).toContain('Reconnecting')
    await screenshot(page, 'overview-reconnecting')
    server = await aTestServer({ BUDGET_PORT: String(port) }, { dir })

    await expect.poll(() => connection(page), { timeout: 20_000 }).toBe('live')
    await server.call('POST', '/api/v1/usage', { body: aUsageBody({ id: 'live-after-restart' }) })
    await page.locator('[data-usage-id="live-after-restart"]').waitFor()
    expect(await page.evaluate<boolean>('window.sameDocument === true')).toBe(true)
    await page.close()
  }, SLOW)
})
