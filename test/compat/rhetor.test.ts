/**
 * Rhetor's BudgetManager on the `rhetor` budget (compat/rhetor): token estimates, costs
 * from our catalog, limits and enforcement as policies, checkBudget under each
 * enforcement, summaries, cheaper alternatives and budget-aware routing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RhetorBudget } from '../../src/compat/rhetor/budget-manager.js'
import type { Enforcement } from '../../src/compat/rhetor/schemas.js'
import { aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'

describe.each(STORE_KINDS)('on %s', (store) => {
  let t: TestEngine
  let rhetor: RhetorBudget

  beforeEach(async () => {
    t = await aTestEngine({ store })
    rhetor = new RhetorBudget(t.engine)
  })

  afterEach(async () => {
    await t.dispose()
  })

  /** gpt-4o costs $2.50 / $10 per Mtok in the bundled catalog: 10,000 input tokens are $0.025. */
  const spend = (inputTokens: number, provider = 'openai', model = 'gpt-4o') => rhetor.recordUsage({ provider, model, component: 'rhetor', taskType: 'chat', inputTokens, outputTokens: 0 })

  const aCheck = (overrides: Record<string, unknown> = {}) => ({ provider: 'openai', model: 'gpt-4o', inputText: 'x'.repeat(4_000), ...overrides })

  describe('tokens and costs', () => {
    it.each([
      ['', 0],
      ['abcd', 1],
      ['abcde', 2],
      ['x'.repeat(4_000), 1_000],
    ])('estimates %j as %i tokens, about four characters a token', (text, tokens) => {
      expect(rhetor.countTokens(text)).toBe(tokens)
    })

    it('prices the input and output texts from the catalog', async () => {
      const cost = await rhetor.calculateCost('openai', 'gpt-4o', 'a'.repeat(4_000), 'b'.repeat(400))

      expect(cost).toEqual({ inputTokens: 1_000, outputTokens: 100, inputCost: 0.0025, outputCost: 0.001, totalCost: 0.0035, unpriced: false, priceVersion: expect.any(String), tokensEstimated: true })
    })

    it('estimates the output from its expected length, 500 characters by default', async () => {
      const cost = await rhetor.estimateCost({ provider: 'openai', model: 'gpt-4o', inputText: 'a'.repeat(40) })

      expect(cost).toMatchObject({ inputTokens: 10, outputTokens: 125 })
    })

    it('leaves the cost of a model it has no price for unknown, not zero', async () => {
      const cost = await rhetor.calculateCost('ollama', 'llama3', 'hello', 'world')

      expect(cost).toMatchObject({ totalCost: null, unpriced: true })
    })

    it('records usage in the rhetor budget with our cost, keeping the caller’s cost beside it', async () => {
      const record = await rhetor.recordUsage({ provider: 'openai', model: 'gpt-4o', inputTokens: 1_000, outputTokens: 1_000, cost: 0.04 })

      expect(record).toMatchObject({ budgetId: await rhetor.ready(), costUsd: 0.0125, metadata: { rhetor: { legacyCostUsd: 0.04 } } })
    })

    it('records a completion from its texts', async () => {
      const done = await rhetor.recordCompletion({ provider: 'openai', model: 'gpt-4o', inputText: 'a'.repeat(4_000), outputText: 'b'.repeat(400), component: 'rhetor' })

      expect(done).toMatchObject({ inputTokens: 1_000, outputTokens: 100, totalCost: 0.0035, component: 'rhetor' })
      expect((await t.engine.getUsage(done.usageId)).metadata).toMatchObject({ tokensEstimated: true })
    })
  })

  describe('limits and enforcement', () => {
    it('keeps a limit as a cost policy of the rhetor budget, enforced by the default policy (warn)', async () => {
      await rhetor.setBudgetLimit('daily', 5)

      expect(await rhetor.getBudgetLimit('daily')).toBe(5)
      expect(await rhetor.getEnforcementPolicy('daily')).toBe('warn')
      const policies = await t.engine.listPolicies(await rhetor.ready())
      expect(policies).toEqual([expect.objectContaining({ type: 'warn', period: 'daily', costLimitUsd: 5, scope: {} })])
    })

    it.each([
      ['ignore', 'ignore'],
      ['warn', 'warn'],
      ['enforce', 'hard_limit'],
    ] as const)('maps enforcement %s to a %s policy', async (enforcement, type) => {
      await rhetor.setBudgetLimit('weekly', 20, 'anthropic')

      await rhetor.setEnforcementPolicy('weekly', enforcement, 'anthropic')

      expect(await rhetor.getEnforcementPolicy('weekly', 'anthropic')).toBe(enforcement)
      const [policy] = await t.engine.listPolicies(await rhetor.ready())
      expect(policy).toMatchObject({ type, scope: { provider: 'anthropic' } })
    })

    it('replaces a limit instead of adding one, and a limit of 0 removes it', async () => {
      await rhetor.setBudgetLimit('monthly', 100, 'all', 'enforce')
      await rhetor.setBudgetLimit('monthly', 150)

      expect(await rhetor.getBudgetLimit('monthly')).toBe(150)
      expect(await rhetor.getEnforcementPolicy('monthly')).toBe('warn')
      await rhetor.setBudgetLimit('monthly', 0)
      expect(await rhetor.getBudgetLimit('monthly')).toBe(0)
      expect((await t.engine.listPolicies(await rhetor.ready())).map((p) => p.enabled)).toEqual([false])
    })

    it('remembers an enforcement chosen while there is no limit', async () => {
      await rhetor.setEnforcementPolicy('daily', 'enforce', 'openai')

      expect(await rhetor.getEnforcementPolicy('daily', 'openai')).toBe('enforce')
      expect(await rhetor.getBudgetLimit('daily', 'openai')).toBe(0)
    })

    it('takes its default enforcement and limits from the environment, without overriding a limit already set', async () => {
      const fromEnv = new RhetorBudget(t.engine, { policy: 'enforce', limits: { daily: 3, weekly: 0, monthly: 50 } })
      await fromEnv.ready()
      const again = new RhetorBudget(t.engine, { policy: 'enforce', limits: { daily: 7 } })
      await again.ready()

      expect(await again.getBudgetLimit('daily')).toBe(3)
      expect(await again.getBudgetLimit('weekly')).toBe(0)
      expect(await again.getBudgetLimit('monthly')).toBe(50)
      expect(await again.getEnforcementPolicy('daily')).toBe('enforce')
      expect(await again.getEnforcementPolicy('weekly')).toBe('enforce')
    })
  })

  describe('checkBudget', () => {
    const cases: [Enforcement, boolean, number][] = [
      ['ignore', true, 0],
      ['warn', true, 1],
      ['enforce', false, 0],
    ]
    it.each(cases)('past a daily limit under %s: allowed %s, with %i warning(s)', async (enforcement, allowed, warnings) => {
      await rhetor.setBudgetLimit('daily', 0.02, 'all', enforcement)
      await spend(10_000)

      const result = await rhetor.checkBudget(aCheck())

      expect(result.allowed).toBe(allowed)
      expect(result.info.warnings).toHaveLength(warnings)
      if (!allowed) expect(result.info).toMatchObject({ reason: 'Daily budget limit exceeded', period: 'daily', limit: 0.02, usage: 0.025, policy: 'enforce' })
    })

    it('allows what fits, and reports the usage and limits of each period', async () => {
      await rhetor.setBudgetLimit('daily', 1, 'all', 'enforce')
      await rhetor.setBudgetLimit('monthly', 10, 'openai', 'enforce')
      await spend(10_000)

      const result = await rhetor.checkBudget(aCheck())

      expect(result).toMatchObject({ allowed: true, info: { warnings: [], dailyUsage: 0.025, weeklyUsage: 0.025, monthlyUsage: 0.025, dailyLimit: 1, weeklyLimit: 0, monthlyLimit: 10 } })
      expect(result.info.estimatedCost).toBeCloseTo(0.00375, 9)
    })

    it("refuses only the provider whose own limit is reached", async () => {
      await rhetor.setBudgetLimit('daily', 0.02, 'openai', 'enforce')
      await spend(10_000)

      expect((await rhetor.checkBudget(aCheck())).allowed).toBe(false)
      expect((await rhetor.checkBudget(aCheck({ provider: 'anthropic', model: 'claude-3-5-haiku-latest' }))).allowed).toBe(true)
    })

    it('counts every provider against the limit across providers', async () => {
      await rhetor.setBudgetLimit('weekly', 0.02, 'all', 'enforce')
      await spend(10_000)

      const result = await rhetor.checkBudget(aCheck({ provider: 'anthropic', model: 'claude-3-5-haiku-latest' }))

      expect(result).toMatchObject({ allowed: false, info: { reason: 'Weekly budget limit exceeded', limitProvider: 'all' } })
    })

    it('counts only the current window', async () => {
      await rhetor.setBudgetLimit('daily', 0.02, 'all', 'enforce')
      await spend(10_000)
      t.clock.now += 24 * 3_600_000

      expect((await rhetor.checkBudget(aCheck())).allowed).toBe(true)
    })

    it('allows a model without a known price while the limit is not yet passed, saying its cost cannot be checked', async () => {
      await rhetor.setBudgetLimit('daily', 1, 'all', 'enforce')
      await spend(10_000)

      const result = await rhetor.checkBudget(aCheck({ provider: 'ollama', model: 'llama3' }))

      expect(result.allowed).toBe(true)
      expect(result.info.warnings).toHaveLength(1)
      expect(result.info.costEstimate.unpriced).toBe(true)
    })

    it('refuses even a model without a known price once an enforced limit is passed: it is not free', async () => {
      await rhetor.setBudgetLimit('daily', 0.02, 'all', 'enforce')
      await spend(10_000)

      const result = await rhetor.checkBudget(aCheck({ provider: 'ollama', model: 'llama3' }))

      expect(result.allowed).toBe(false)
    })
  })

  describe('usage reports', () => {
    it('totals the current window and groups it', async () => {
      await spend(10_000)
      await spend(20_000)
      await rhetor.recordUsage({ provider: 'anthropic', model: 'claude-3-5-haiku-latest', taskType: 'code', inputTokens: 1_000_000, outputTokens: 0 })

      const byProvider = await rhetor.getUsageSummary('daily', 'provider')
      const byTask = await rhetor.getUsageSummary('weekly', 'task_type')

      expect(byProvider).toMatchObject({ count: 3, totalInputTokens: 1_030_000, totalCost: 0.875, groups: { openai: { count: 2, cost: 0.075 }, anthropic: { count: 1, cost: 0.8 } } })
      expect(Object.keys(byTask.groups).sort()).toEqual(['chat', 'code'])
      expect(await rhetor.getCurrentUsageTotal('daily', 'openai')).toBe(0.075)
      expect(await rhetor.getCurrentUsageTotal('monthly')).toBe(0.875)
    })

    it('lists the records of a window, or of a custom span', async () => {
      await spend(10_000)
      t.clock.now += 2 * 24 * 3_600_000
      await spend(20_000)

      expect((await rhetor.getUsage({ period: 'daily' })).map((r) => r.inputTokens)).toEqual([20_000])
      expect((await rhetor.getUsage({ period: 'custom', startDate: '2026-03-01T00:00:00' })).map((r) => r.inputTokens)).toEqual([20_000, 10_000])
      await expect(rhetor.getUsage({ period: 'custom' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    })
  })

  describe('choosing models', () => {
    const price = (provider: string, model: string) => t.engine.ctx.catalog.at(provider, model, t.clock.now)
    const perMtok = (provider: string, model: string) => {
      const v = price(provider, model)
      return v ? v.inputNano + v.outputNano : Number.NaN
    }

    it.each([
      ['anthropic', 'claude-3-opus-20240229', 'default', 'anthropic'],
      ['openai', 'gpt-4', 'code', 'anthropic'],
      ['openai', 'gpt-4', 'chat', 'openai'],
      ['anthropic', 'claude-sonnet-4-5', 'chat', 'openai'],
    ])('offers %s/%s for a %s task a cheaper model of %s, the first preferred provider that has one', (provider, model, taskType, expected) => {
      const alternative = rhetor.findCheaperAlternative(provider, model, taskType)

      expect(alternative?.provider).toBe(expected)
      expect(perMtok(alternative?.provider ?? '', alternative?.model ?? '')).toBeLessThan(perMtok(provider, model))
    })

    it('offers the cheapest such model of that provider', () => {
      const alternative = rhetor.findCheaperAlternative('anthropic', 'claude-3-opus-20240229')

      const cheaper = t.engine.ctx.catalog.current({ provider: 'anthropic' }, t.clock.now).filter((v) => !v.deprecated && v.outputNano > 0)
      const cheapest = Math.min(...cheaper.map((v) => v.inputNano + v.outputNano))
      expect(perMtok('anthropic', alternative?.model ?? '')).toBe(cheapest)
    })

    it('has no alternative for a model without a known price', () => {
      expect(rhetor.findCheaperAlternative('ollama', 'llama3')).toBeNull()
    })

    it('sorts models into tiers by their cost per 1K input and output tokens', () => {
      const tiers = rhetor.getModelTiers('anthropic')

      expect(tiers.low.every((m) => m.costPer1kTokens < 0.01)).toBe(true)
      expect(tiers.medium.every((m) => m.costPer1kTokens >= 0.01 && m.costPer1kTokens < 0.05)).toBe(true)
      expect(tiers.high.every((m) => m.costPer1kTokens >= 0.05)).toBe(true)
      expect(tiers.high.map((m) => m.model)).toContain('claude-3-opus-latest')
      expect(tiers.low.map((m) => m.model)).toContain('claude-3-haiku')
    })

    it('routes to the default model while the budget allows it', async () => {
      const route = await rhetor.routeWithBudgetAwareness({ inputText: 'hi', taskType: 'chat', defaultProvider: 'openai', defaultModel: 'gpt-4o' })

      expect(route).toMatchObject({ provider: 'openai', model: 'gpt-4o', isDowngraded: false, warnings: [] })
    })

    it('downgrades to a cheaper model that fits when the default does not', async () => {
      // $0.025 spent; gpt-4o would add $0.00375, a cheaper model far less.
      await rhetor.setBudgetLimit('daily', 0.028, 'all', 'enforce')
      await spend(10_000)

      const route = await rhetor.routeWithBudgetAwareness({ inputText: 'x'.repeat(4_000), taskType: 'chat', defaultProvider: 'openai', defaultModel: 'gpt-4o' })

      expect(route).toMatchObject({ provider: 'openai', isDowngraded: true, originalModel: 'gpt-4o' })
      expect(route.model).not.toBe('gpt-4o')
      expect(route.warnings.at(-1)).toContain('Downgraded from openai/gpt-4o')
    })

    it('falls back to a free local model when nothing priced fits', async () => {
      await rhetor.setBudgetLimit('daily', 0.02, 'all', 'enforce')
      await spend(10_000)

      const route = await rhetor.routeWithBudgetAwareness({ inputText: 'x'.repeat(4_000), defaultProvider: 'openai', defaultModel: 'gpt-4o' })

      expect(route).toMatchObject({ provider: 'ollama', model: 'llama3', isDowngraded: true })
    })
  })
})
