/**
 * Changing things from the dashboard: budgets and policies are created and changed through
 * the forms, the API stores them, and what the API refuses comes back as a message beside
 * the field at fault.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { aTestServer, type Json, type TestServer } from '../support/http.js'
import { aBrowser, describeInBrowser, ensureDashboardBuilt, screenshot, settled, type TestBrowser } from './browser.js'

const SLOW = 60_000

describeInBrowser('editing budgets and policies', () => {
  let server: TestServer
  let browser: TestBrowser

  beforeAll(async () => {
    await ensureDashboardBuilt()
    server = await aTestServer()
    browser = await aBrowser()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage()
    await page.goto(new URL(path, server.url).href)
    await settled(page)
    return page
  }

  it('offers a new user the form and the command to create the first budget', async () => {
    const page = await open('/budgets')

    expect(await page.getByRole('form', { name: 'Create a budget' }).count()).toBe(1)
    expect(await page.locator('pre.command').textContent()).toContain('budget budgets create')
    await screenshot(page, 'budgets-empty')
    await page.close()
  }, SLOW)

  it('creates a budget from the form and opens it', async () => {
    const page = await open('/budgets')

    await page.getByLabel('Name').fill('ui-team')
    await page.getByLabel('Owner').fill('lin')
    await page.getByLabel('Tags').fill('web, agents')
    await page.getByRole('button', { name: 'Create budget' }).click()

    await page.waitForURL(/\/budgets\/.+/)
    const stored = await server.call('GET', '/api/v1/budgets/ui-team')
    expect(stored.status).toBe(200)
    expect(stored.body).toMatchObject({ name: 'ui-team', owner: 'lin', tags: ['web', 'agents'] })
    expect(new URL(page.url()).pathname).toBe(`/budgets/${stored.body.id}`)
    await settled(page)
    expect(await page.locator('h1').textContent()).toBe('ui-team')
    await page.close()
  }, SLOW)

  it('shows the message the API gives for a name that is taken', async () => {
    const page = await open('/budgets')
    await page.getByRole('button', { name: 'New budget' }).click()

    await page.getByLabel('Name').fill('ui-team')
    await page.getByRole('button', { name: 'Create budget' }).click()

    const refused = await server.call('POST', '/api/v1/budgets', { body: { name: 'ui-team' } })
    await page.getByTestId('form-errors').waitFor()
    expect(await page.getByTestId('form-errors').textContent()).toContain(refused.body.error.message)
    await page.close()
  }, SLOW)

  it('shows the API validation message beside the field at fault', async () => {
    const page = await open('/budgets')
    await page.getByRole('button', { name: 'New budget' }).click()

    await page.getByRole('button', { name: 'Create budget' }).click()

    const refused = await server.call('POST', '/api/v1/budgets', { body: { name: '' } })
    const issue = refused.body.error.details.issues.find((i: Json) => i.path.includes('name'))
    await page.getByTestId('error-new-budget-name').waitFor()
    expect(await page.getByTestId('error-new-budget-name').textContent()).toBe(issue.message)
    expect(await page.getByLabel('Name').getAttribute('aria-invalid')).toBe('true')
    await page.close()
  }, SLOW)

  it('adds a policy to a budget, and says which field a policy without a limit misses', async () => {
    const budget = (await server.call('GET', '/api/v1/budgets/ui-team')).body
    const page = await open(`/budgets/${budget.id}`)
    const form = page.getByRole('form', { name: 'Add a policy' })

    await form.getByRole('button', { name: 'Add policy' }).click()
    const missing = form.locator('.field-error')
    await missing.first().waitFor()
    expect(await missing.first().textContent()).toContain('tokenLimit or costLimitUsd')

    await form.getByLabel('Period').selectOption('monthly')
    await form.getByLabel('Cost limit (USD)').fill('125.5')
    await form.getByLabel('Model').fill('gpt-4o')
    await form.getByRole('button', { name: 'Add policy' }).click()

    await page.locator('[data-testid="policies"] > li').first().waitFor()
    const policies = (await server.call('GET', `/api/v1/policies?budgetId=${budget.id}`)).body.items
    expect(policies).toHaveLength(1)
    expect(policies[0]).toMatchObject({ type: 'hard_limit', period: 'monthly', costLimitUsd: 125.5, scope: { model: 'gpt-4o' }, warningThreshold: 0.8, actionThreshold: 0.95 })
    await screenshot(page, 'budget-policy-added')
    await page.close()
  }, SLOW)

  it('changes a policy and a budget from their Edit forms', async () => {
    const budget = (await server.call('GET', '/api/v1/budgets/ui-team')).body
    const page = await open(`/budgets/${budget.id}`)

    await page.locator('[data-testid="policies"] > li').getByRole('button', { name: /^Edit policy/ }).click()
    const policyForm = page.getByRole('form', { name: 'Edit policy' })
    await policyForm.getByLabel('Warning at (%)').fill('60')
    await policyForm.getByRole('button', { name: 'Save policy' }).click()
    await policyForm.waitFor({ state: 'detached' })

    await page.getByRole('button', { name: 'Edit', exact: true }).click()
    const budgetForm = page.getByRole('form', { name: 'Edit budget ui-team' })
    await budgetForm.getByLabel('Description').fill('The web team')
    await budgetForm.getByRole('button', { name: 'Save budget' }).click()
    await budgetForm.waitFor({ state: 'detached' })

    const [policy] = (await server.call('GET', `/api/v1/policies?budgetId=${budget.id}`)).body.items
    expect(policy.warningThreshold).toBe(0.6)
    expect((await server.call('GET', `/api/v1/budgets/${budget.id}`)).body.description).toBe('The web team')
    await page.close()
  }, SLOW)
})
