/**
 * The dashboard on a service with API keys: it asks for a key, keeps it for the tab only
 * (sessionStorage), refuses a wrong one with a message, streams live events with it, and
 * shows write buttons only to keys that may write (and price approval only to admins).
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { aKey, aTestServer, type Call, type TestServer } from '../support/http.js'
import { aBrowser, describeInBrowser, ensureDashboardBuilt, screenshot, settled, type TestBrowser } from './browser.js'
import { seedHistory } from './seed.js'

const SLOW = 60_000

describeInBrowser('the dashboard with API keys', () => {
  let server: TestServer
  let browser: TestBrowser
  let admin: string
  let reader: string
  let writer: string

  beforeAll(async () => {
    await ensureDashboardBuilt()
    server = await aTestServer()
    admin = (await aKey(server.call, 'admin')).key
    reader = (await aKey(server.call, 'read', admin)).key
    writer = (await aKey(server.call, 'write', admin)).key
    const asAdmin: Call = (method, path, options = {}) => server.call(method, path, { ...options, key: admin })
    await seedHistory(asAdmin)
    browser = await aBrowser()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  async function signIn(key: string, path = '/'): Promise<Page> {
    const page = await browser.newPage()
    await page.goto(new URL(path, server.url).href)
    await page.getByLabel('API key', { exact: true }).fill(key)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByTestId('role').waitFor()
    await settled(page)
    return page
  }

  it('asks for a key and refuses an unknown one with a message', async () => {
    const page = await browser.newPage()
    await page.goto(server.url)

    await page.getByLabel('API key', { exact: true }).fill('bk_not_a_key')
    await page.getByRole('button', { name: 'Sign in' }).click()

    await page.locator('#api-key-error').waitFor()
    expect(await page.locator('#api-key-error').textContent()).toContain('unknown or revoked')
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0)
    await screenshot(page, 'key-prompt')
    await page.close()
  }, SLOW)

  it('keeps the key for the tab only, and streams live events with it', async () => {
    const page = await signIn(reader)

    expect(await page.evaluate<string[]>('Object.values({ ...sessionStorage })')).toContain(reader)
    expect(await page.evaluate<number>('localStorage.length')).toBe(0)
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('live')
    await page.reload()
    await page.getByTestId('role').waitFor()
    expect(await page.getByTestId('role').textContent()).toBe('read key')

    const other = await browser.newPage()
    await other.goto(server.url)
    await other.getByLabel('API key', { exact: true }).waitFor()
    await other.close()
    await page.close()
  }, SLOW)

  it('shows a read key no button that writes', async () => {
    const page = await signIn(reader, '/budgets')

    expect(await page.getByRole('button', { name: 'New budget' }).count()).toBe(0)
    await page.getByRole('link', { name: 'research' }).click()
    await settled(page)
    expect(await page.getByRole('button', { name: /^(Edit|Archive|Delete|Add policy|Remove)/ }).count()).toBe(0)
    await page.getByRole('link', { name: 'Alerts' }).click()
    await settled(page)
    expect(await page.locator('[data-testid="alert-list"] li').count()).toBeGreaterThan(0)
    expect(await page.getByRole('button', { name: /Acknowledge/ }).count()).toBe(0)
    await screenshot(page, 'alerts-read-only')
    await page.getByRole('link', { name: 'Prices' }).click()
    await settled(page)
    expect(await page.getByText('Approving and rejecting needs an admin key.').count()).toBe(1)
    await page.close()
  }, SLOW)

  it('shows a write key the buttons that write, but not price approval', async () => {
    const page = await signIn(writer, '/alerts')

    expect(await page.getByRole('button', { name: /Acknowledge/ }).count()).toBeGreaterThan(0)
    await page.getByRole('link', { name: 'Budgets' }).click()
    await settled(page)
    expect(await page.getByRole('button', { name: 'New budget' }).count()).toBe(1)
    await page.getByRole('link', { name: 'Prices' }).click()
    await settled(page)
    expect(await page.getByText('Approving and rejecting needs an admin key.').count()).toBe(1)
    await page.close()
  }, SLOW)

  it('signs out: the key is forgotten and asked for again', async () => {
    const page = await signIn(admin)
    expect(await page.getByTestId('role').textContent()).toBe('admin key')

    await page.getByRole('button', { name: 'Sign out' }).click()

    await page.getByLabel('API key', { exact: true }).waitFor()
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0)
    await page.close()
  }, SLOW)
})
