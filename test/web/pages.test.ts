/**
 * The dashboard in Chromium against a real service (port 0, temp dir) holding a week of
 * seeded history: every page shows the figures the API answers, formatted by the
 * dashboard's own rules (web/src/format.ts), and a screenshot of each lands in
 * test-results/web/.
 */
import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { formatCostOf, formatCount, formatPerMtok, formatUsd } from '../../web/src/format.js'
import { resolveRange } from '../../web/src/range.js'
import { aTestServer, type Json, type TestServer } from '../support/http.js'
import { aBrowser, describeInBrowser, ensureDashboardBuilt, screenshot, settled, type TestBrowser } from './browser.js'
import { type Seeded, seedHistory } from './seed.js'

const SLOW = 60_000

describeInBrowser('dashboard pages', () => {
  let server: TestServer
  let browser: TestBrowser
  let seeded: Seeded

  beforeAll(async () => {
    await ensureDashboardBuilt()
    server = await aTestServer()
    seeded = await seedHistory(server.call)
    browser = await aBrowser()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  const api = async (path: string): Promise<Json> => {
    const reply = await server.call('GET', path)
    expect(reply.status).toBe(200)
    return reply.body
  }

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage()
    await page.goto(new URL(path, server.url).href)
    await settled(page)
    return page
  }

  const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim()

  /** The cells of a table's rows: first column → the column named `col`. */
  async function column(page: Page, table: string, col: string): Promise<Record<string, string>> {
    return page.locator(`[data-testid="${table}"] tbody tr`).evaluateAll(
      (rows, name) => Object.fromEntries(rows.map((r) => [(r.querySelector('td')?.textContent ?? '').trim(), (r.querySelector(`td[data-col="${name}"]`)?.textContent ?? '').trim()])),
      col,
    )
  }

  it('shows spend today, spend this month and the month-end forecast as the reports compute them', async () => {
    const page = await open('/')

    const today = await api('/api/v1/reports/usage?period=today&timeZone=UTC')
    const forecast = await api('/api/v1/reports/forecast?timeZone=UTC')
    expect(await text(page, '[data-testid="spend-today"] .stat-value')).toBe(formatUsd(today.totals.costUsd))
    expect(await text(page, '[data-testid="spend-month"] .stat-value')).toBe(formatUsd(forecast.monthEnd.costToDateUsd))
    expect(await text(page, '[data-testid="forecast-month-end"] .stat-value')).toBe(formatUsd(forecast.monthEnd.projectedCostUsd))
    await screenshot(page, 'overview')
    await page.close()
  }, SLOW)

  it("shows each budget's policies with the used amounts, limits and utilisation of the budgets report", async () => {
    const page = await open('/')

    const report = await api('/api/v1/reports/budgets?timeZone=UTC')
    for (const budget of report.budgets) {
      await page.getByTestId(`budget-${budget.name}`).waitFor()
      for (const p of budget.policies) {
        const row = `[data-testid="policy-${p.policyId}"]`
        if (p.tokenLimit !== null) expect(await text(page, `${row} [data-testid="tokens-used"]`)).toBe(`${formatCount(p.tokensUsed)} / ${formatCount(p.tokenLimit)}`)
        if (p.costLimitUsd !== null) expect(await text(page, `${row} [data-testid="cost-used"]`)).toBe(`${formatUsd(p.costUsd)} / ${formatUsd(p.costLimitUsd)}`)
        expect(Number(await page.locator(`${row} [role="progressbar"]`).getAttribute('aria-valuenow'))).toBeCloseTo(p.utilization * 100, 1)
        expect(await text(page, `${row} .utilization .badge`)).toBe(p.status)
      }
    }
    expect(report.budgets.map((b: Json) => b.name).sort()).toEqual(['batch-jobs', 'research', 'support'])
    await page.close()
  }, SLOW)

  it('lists the latest usage records and alerts on the overview', async () => {
    const page = await open('/')

    const recent = await api('/api/v1/usage?limit=8')
    const shown = await page.locator('[data-testid="recent-usage"] li').evaluateAll((items) => items.map((li) => li.getAttribute('data-usage-id')))
    expect(shown).toEqual(recent.items.map((u: Json) => u.id))
    const alerts = await api('/api/v1/alerts?limit=5')
    const alertIds = await page.locator('[data-testid="alert-list"] li').evaluateAll((items) => items.map((li) => li.getAttribute('data-alert-id')))
    expect(alertIds).toEqual(alerts.items.map((a: Json) => a.id))
    expect(alertIds.length).toBeGreaterThan(0)
    await page.close()
  }, SLOW)

  it('charts tokens and cost over the range and lists the rows and totals of the usage report', async () => {
    const page = await open('/usage?range=7d&by=model')

    const range = resolveRange('7d', '', '')
    const report = await api(`/api/v1/reports/usage?from=${range.from}&to=${range.to}&timeZone=UTC&granularity=hour&groupBy=model&limit=10000`)
    expect(await text(page, '[data-testid="usage-cost"] .stat-value')).toBe(formatUsd(report.totals.costUsd))
    expect(await text(page, '[data-testid="usage-tokens"] .stat-value')).toBe(formatCount(report.totals.totalTokens))
    expect(await text(page, '[data-testid="usage-requests"] .stat-value')).toBe(formatCount(report.totals.requests))
    expect(await page.locator('[data-testid="usage-table"] tbody tr').count()).toBe(report.rows.length)
    await page.locator('[data-testid="chart-tokens"] canvas').waitFor()
    await page.locator('[data-testid="chart-cost"] canvas').waitFor()
    await screenshot(page, 'usage')
    await page.close()
  }, SLOW)

  it('keeps the range and grouping in the URL, so a link opens the same view', async () => {
    const page = await open('/usage')

    await page.getByLabel('Range', { exact: true }).selectOption('24h')
    await page.getByLabel('Stack by').selectOption('model')
    await settled(page)

    const url = new URL(page.url())
    expect(url.pathname).toBe('/usage')
    expect(url.searchParams.get('range')).toBe('24h')
    expect(url.searchParams.get('by')).toBe('model')
    await page.reload()
    await settled(page)
    expect(await page.getByLabel('Range', { exact: true }).inputValue()).toBe('24h')
    expect(await page.getByLabel('Stack by').inputValue()).toBe('model')
    await page.close()
  }, SLOW)

  it('lists the cost of every model as the top report does, highest first, and sorts by another column on request', async () => {
    const page = await open('/costs')

    const range = resolveRange('30d', '', '')
    const top = await api(`/api/v1/reports/top?from=${range.from}&to=${range.to}&timeZone=UTC&by=model&n=1000&metric=cost`)
    expect(await text(page, '[data-testid="costs-total"] .stat-value')).toBe(formatUsd(top.totals.current.costUsd))
    expect(await column(page, 'costs-table', 'cost')).toEqual(Object.fromEntries(top.rows.map((r: Json) => [r.key, formatCostOf(r.current)])))
    const costs = await page.locator('[data-testid="costs-table"] td[data-col="cost"]').allTextContents()
    expect(costs[0]).toBe(formatUsd(Math.max(...top.rows.map((r: Json) => r.current.costUsd))))

    await page.getByRole('button', { name: 'Requests' }).click()
    expect(await page.locator('th[aria-sort="descending"]').textContent()).toContain('Requests')
    await screenshot(page, 'costs')
    await page.close()
  }, SLOW)

  it('exports the costs as CSV through the export API', async () => {
    const page = await open('/costs')

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()])

    const csv = readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/)
    const range = resolveRange('30d', '', '')
    const top = await api(`/api/v1/reports/top?from=${range.from}&to=${range.to}&timeZone=UTC&by=model&n=1000&metric=cost`)
    expect(download.suggestedFilename()).toMatch(/\.csv$/)
    expect(csv[0]).toContain('costUsd')
    expect(csv).toHaveLength(top.rows.length + 1)
    await page.close()
  }, SLOW)

  it('groups costs by component when asked', async () => {
    const page = await open('/costs?by=component')

    const range = resolveRange('30d', '', '')
    const top = await api(`/api/v1/reports/top?from=${range.from}&to=${range.to}&timeZone=UTC&by=component&n=1000&metric=cost`)
    expect(await column(page, 'costs-table', 'cost')).toEqual(Object.fromEntries(top.rows.map((r: Json) => [r.key ?? '(none)', formatCostOf(r.current)])))
    expect(await page.getByRole('button', { name: 'Component' }).first().getAttribute('aria-pressed')).toBe('true')
    await page.close()
  }, SLOW)

  it('breaks cost down per provider and per model as the usage report does', async () => {
    const page = await open('/providers')

    const range = resolveRange('30d', '', '')
    const byProvider = await api(`/api/v1/reports/usage?from=${range.from}&to=${range.to}&timeZone=UTC&groupBy=provider&limit=10000`)
    const byModel = await api(`/api/v1/reports/usage?from=${range.from}&to=${range.to}&timeZone=UTC&groupBy=provider,model&limit=10000`)
    expect(await column(page, 'providers-table', 'cost')).toEqual(Object.fromEntries(byProvider.rows.map((r: Json) => [r.key.provider, formatCostOf(r.totals)])))
    expect(await page.locator('[data-testid="models-table"] tbody tr').count()).toBe(byModel.rows.length)
    expect(await page.locator('[data-testid="provider-shares"] li').count()).toBe(byProvider.rows.length)
    await page.locator('[data-testid="chart-providers"] canvas').waitFor()
    await screenshot(page, 'providers')
    await page.close()
  }, SLOW)

  it('finds models in the price catalog with their prices and verified badges, and charts one model’s history', async () => {
    const page = await open('/prices?q=gpt-4o-mini')

    const { items } = await api('/api/v1/prices/current?search=gpt-4o-mini')
    expect(await page.locator('[data-testid="price-table"] tbody tr').count()).toBe(items.length)
    const first = items.find((p: Json) => p.provider === 'openai' && p.model === 'gpt-4o-mini')
    const row = page.locator('[data-testid="price-table"] tbody tr', { has: page.getByRole('button', { name: 'Price history of openai/gpt-4o-mini', exact: true }) })
    expect(((await row.locator('td[data-col="input"]').textContent()) ?? '').trim()).toBe(formatPerMtok(first.inputPerMtok))
    expect(((await row.locator('td[data-col="verified"]').textContent()) ?? '').trim()).toBe(first.verified ? 'verified' : 'unverified')

    await row.getByRole('button').click()
    await settled(page)
    expect(new URL(page.url()).searchParams.get('model')).toBe('openai/gpt-4o-mini')
    const history = await api('/api/v1/prices/history/openai/gpt-4o-mini')
    expect(await page.locator('.versions li').count()).toBe(history.versions.length)
    await page.locator('[data-testid="chart-price-history"] canvas').waitFor()

    const sources = await api('/api/v1/prices/sources')
    expect(await page.locator('[data-testid="sources-table"] tbody tr').count()).toBe(sources.items.length)
    await screenshot(page, 'prices')
    await page.close()
  }, SLOW)

  it('lists the open alerts and acknowledges one', async () => {
    const page = await open('/alerts')
    const open_ = await api('/api/v1/alerts?acknowledged=false')
    const shown = await page.locator('[data-testid="alert-list"] li').evaluateAll((items) => items.map((li) => li.getAttribute('data-alert-id')))
    expect(shown).toEqual(open_.items.map((a: Json) => a.id))
    await screenshot(page, 'alerts')
    const target = open_.items[0]

    await page.locator(`[data-alert-id="${target.id}"]`).getByRole('button', { name: /Acknowledge/ }).click()

    await page.locator(`[data-alert-id="${target.id}"]`).waitFor({ state: 'detached' })
    const acknowledged = await api(`/api/v1/alerts/${target.id}`)
    expect(acknowledged.acknowledgedAt).not.toBeNull()
    await page.getByLabel('Status').selectOption('acknowledged')
    await page.locator(`[data-alert-id="${target.id}"] [data-testid="acknowledged"]`).waitFor()
    await page.close()
  }, SLOW)

  it('lists every budget with its policy count', async () => {
    const page = await open('/budgets')

    const budgets = await api('/api/v1/budgets?includeArchived=true')
    const policies = await api('/api/v1/policies')
    const expected = Object.fromEntries(budgets.items.map((b: Json) => [b.name, String(policies.items.filter((p: Json) => p.budgetId === b.id).length)]))
    expect(await column(page, 'budgets-table', 'policies')).toEqual(expected)
    await screenshot(page, 'budgets')
    await page.close()
  }, SLOW)

  it('shows one budget with its policies at its own URL', async () => {
    const page = await open(`/budgets/${seeded.research.id}`)

    expect(await text(page, 'h1')).toBe('research')
    const policies = await api(`/api/v1/policies?budgetId=${seeded.research.id}`)
    expect(await page.locator('[data-testid="policies"] > li').count()).toBe(policies.items.length)
    await screenshot(page, 'budget-detail')
    await page.close()
  }, SLOW)

  it('answers an unknown budget with a way back, and a path that is no page with the API 404', async () => {
    const page = await open('/budgets/no-such-budget')

    expect(await text(page, 'h1')).toBe('Budget not found')
    expect(await page.getByRole('link', { name: 'All budgets' }).count()).toBeGreaterThan(0)
    expect((await page.request.get(new URL('/nowhere', server.url).href)).status()).toBe(404)
    await page.close()
  }, SLOW)

  it('follows the dark colour scheme of the operating system', async () => {
    const page = await open('/')
    await page.emulateMedia({ colorScheme: 'dark' })

    const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor')

    expect(background).toBe('rgb(13, 17, 23)')
    await screenshot(page, 'overview-dark')
    await page.close()
  }, SLOW)

  it('fits a small laptop screen: navigation above the page and no horizontal scrolling', async () => {
    const page = await open('/')
    await page.setViewportSize({ width: 1024, height: 768 })

    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')

    expect(overflow).toBeLessThanOrEqual(0)
    await screenshot(page, 'overview-1024')
    await page.close()
  }, SLOW)

  it('can be used from the keyboard: a skip link, then the navigation in order', async () => {
    const page = await open('/')

    await page.keyboard.press('Tab')
    expect(await page.evaluate<string>('document.activeElement?.textContent')).toBe('Skip to content')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Tab')
    expect(await page.evaluate<string>('document.activeElement?.textContent')).toBe('Overview')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/usage$/)
    // The nav link is also named "Usage": wait for focus to reach the page heading itself.
    await expect.poll(() => page.evaluate<string>('`${document.activeElement?.tagName}:${document.activeElement?.textContent}`')).toBe('H1:Usage')
    await page.close()
  }, SLOW)
})
