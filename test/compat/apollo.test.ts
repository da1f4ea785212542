/**
 * Apollo's TokenBudgetManager semantics on our reservations, usage and policies
 * (compat/apollo): allocations per context, default amounts, refusal at a hard limit
 * except for critical work, usage capped at what remains, tier resolution and summaries.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ApolloBudget } from '../../src/compat/apollo/token-budget.js'
import { TierResolver } from '../../src/compat/apollo/tiers.js'
import { apolloDefaultPolicies } from '../../src/compat/defaults.js'
import type { Tier } from '../../src/domain/common.js'
import { aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'

describe.each(STORE_KINDS)('on %s', (store) => {
  let t: TestEngine
  let apollo: ApolloBudget

  beforeEach(async () => {
    t = await aTestEngine({ store })
    apollo = new ApolloBudget(t.engine)
  })

  afterEach(async () => {
    await t.dispose()
  })

  const anAllocation = (overrides: Record<string, unknown> = {}) => ({
    contextId: 'ctx-1',
    component: 'ergon',
    provider: 'openai',
    model: 'gpt-4o',
    ...overrides,
  })

  async function hardLimit(tokenLimit: number, tier: Tier = 'remote_heavyweight') {
    return t.engine.createPolicy({ budgetId: await apollo.ready(), type: 'hard_limit', period: 'daily', tokenLimit, scope: { tier } })
  }

  const activeReservations = (contextId: string) => t.engine.listReservations({ contextId, status: 'active', limit: 100 })

  describe('allocating', () => {
    it.each([
      ['default', 5, 2_000],
      ['default', 1, 1_000],
      ['chat', 1, 2_000],
      ['chat', 10, 16_000],
      ['coding', 8, 16_000],
      ['analysis', 5, 8_000],
      ['poetry', 8, 2_000],
      ['coding', 3, 8_000],
    ])('grants a %s task of priority %i %i tokens when no amount is asked for', async (taskType, priority, expected) => {
      const decision = await apollo.allocateBudget(anAllocation({ taskType, priority }))

      expect(decision.allocated).toBe(true)
      expect(decision.allocation?.tokensAllocated).toBe(expected)
    })

    it('grants the amount asked for and expires it 24 hours later by default', async () => {
      const { allocation } = await apollo.allocateBudget(anAllocation({ tokenCount: 1_234 }))

      expect(allocation).toMatchObject({ tokensAllocated: 1_234, tokensUsed: 0, remainingTokens: 1_234, isActive: true, tier: 'remote_heavyweight' })
      expect(Date.parse(allocation?.expiresAt ?? '') - t.clock.now).toBe(24 * 3_600_000)
    })

    it('holds the allocation with a reservation of the apollo budget', async () => {
      const { allocation } = await apollo.allocateBudget(anAllocation({ tokenCount: 3_000 }))

      const [reservation] = await activeReservations('ctx-1')
      expect(reservation).toMatchObject({ id: allocation?.reservationId, budgetId: await apollo.ready(), tokensReserved: 3_000, component: 'ergon' })
    })

    it('keeps one allocation per context: a new one replaces the old and frees what the old held', async () => {
      const first = await apollo.allocateBudget(anAllocation({ tokenCount: 4_000 }))

      const second = await apollo.allocateBudget(anAllocation({ tokenCount: 1_000 }))

      expect((await apollo.getAllocation('ctx-1'))?.id).toBe(second.allocation?.id)
      expect(second.allocation?.id).not.toBe(first.allocation?.id)
      expect((await activeReservations('ctx-1')).map((r) => r.tokensReserved)).toEqual([1_000])
      expect((await t.engine.getReservation(first.allocation?.reservationId ?? '')).status).toBe('released')
    })

    it('refuses an allocation that would pass a hard limit of its tier, and keeps the one the context had', async () => {
      await hardLimit(5_000)
      const { allocation: before } = await apollo.allocateBudget(anAllocation({ tokenCount: 4_000 }))
      await apollo.recordUsage('ctx-1', 4_000)

      const refused = await apollo.allocateBudget(anAllocation({ tokenCount: 2_000, priority: 8 }))
      const elsewhere = await apollo.allocateBudget(anAllocation({ contextId: 'ctx-2', tokenCount: 2_000, priority: 1 }))

      expect(refused).toMatchObject({ allocated: false, allocation: null })
      expect(refused.reasons.length).toBeGreaterThan(0)
      expect(elsewhere.allocated).toBe(false)
      expect((await apollo.getAllocation('ctx-1'))?.id).toBe(before?.id)
      expect(await apollo.getAllocation('ctx-2')).toBeNull()
    })

    it('never refuses critical work: past the limit its allocation holds nothing back, and its usage is still counted', async () => {
      const policy = await hardLimit(5_000)
      await apollo.allocateBudget(anAllocation({ tokenCount: 5_000 }))
      await apollo.recordUsage('ctx-1', 5_000)

      const critical = await apollo.allocateBudget(anAllocation({ contextId: 'urgent', tokenCount: 2_000, priority: 10 }))
      const recorded = await apollo.recordUsage('urgent', 1_500)

      expect(critical.allocated).toBe(true)
      expect(critical.allocation?.reservationId).toBeNull()
      expect(critical.reasons.length).toBeGreaterThan(0)
      expect(recorded).toBe(1_500)
      const [window] = (await t.engine.summary(await apollo.ready())).policies.filter((p) => p.policyId === policy.id)
      expect(window).toMatchObject({ tokensUsed: 6_500, tokensReserved: 0, status: 'exceeded' })
    })

    it('is not refused by a hard limit of another tier', async () => {
      await hardLimit(100, 'local_lightweight')

      const decision = await apollo.allocateBudget(anAllocation({ tokenCount: 2_000 }))

      expect(decision.allocated).toBe(true)
    })

    it('refuses an expiration that has already passed', async () => {
      await expect(apollo.allocateBudget(anAllocation({ expiration: new Date(t.clock.now - 1_000).toISOString() }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    })
  })

  describe('recording usage', () => {
    it('records at most what remains and deactivates an allocation that is used up', async () => {
      await apollo.allocateBudget(anAllocation({ tokenCount: 1_000 }))

      const recorded = [await apollo.recordUsage('ctx-1', 600), await apollo.recordUsage('ctx-1', 600), await apollo.recordUsage('ctx-1', 10)]

      expect(recorded).toEqual([600, 400, 0])
      expect(await apollo.getAllocation('ctx-1')).toMatchObject({ tokensUsed: 1_000, remainingTokens: 0, isActive: false, usagePercentage: 1 })
      const summary = await t.engine.usageSummary({ budgetId: await apollo.ready() })
      expect(summary.totals).toMatchObject({ requests: 2, inputTokens: 1_000 })
    })

    it('never records more than the allocation, however many recordings race', async () => {
      await apollo.allocateBudget(anAllocation({ tokenCount: 1_000 }))

      const recorded = await Promise.all(Array.from({ length: 25 }, () => apollo.recordUsage('ctx-1', 70)))

      expect(recorded.reduce((a, b) => a + b, 0)).toBe(1_000)
      const summary = await t.engine.usageSummary({ budgetId: await apollo.ready() })
      expect(summary.totals.inputTokens).toBe(1_000)
      expect(await activeReservations('ctx-1')).toEqual([])
    })

    it('keeps what remains held: recording commits the reservation and a new one holds the rest', async () => {
      const policy = await hardLimit(10_000)
      await apollo.allocateBudget(anAllocation({ tokenCount: 4_000 }))

      await apollo.recordUsage('ctx-1', 1_000, 'output')

      const [window] = (await t.engine.summary(await apollo.ready())).policies.filter((p) => p.policyId === policy.id)
      expect(window).toMatchObject({ tokensUsed: 1_000, tokensReserved: 3_000 })
      expect((await activeReservations('ctx-1')).map((r) => r.tokensReserved)).toEqual([3_000])
    })

    it('puts input and output tokens on their side and a total on the input side, with the allocation in metadata', async () => {
      const { allocation } = await apollo.allocateBudget(anAllocation({ tokenCount: 1_000 }))

      await apollo.recordUsage('ctx-1', 100, 'input')
      await apollo.recordUsage('ctx-1', 200, 'output', 'op-7')
      await apollo.recordUsage('ctx-1', 300, 'total')

      const { items } = await t.engine.listUsage({ contextId: 'ctx-1', limit: 10 })
      const byType = Object.fromEntries(items.map((r) => [(r.metadata.apollo as { usageType: string }).usageType, r]))
      expect(byType.input).toMatchObject({ inputTokens: 100, outputTokens: 0, tier: 'remote_heavyweight', component: 'ergon' })
      expect(byType.output).toMatchObject({ inputTokens: 0, outputTokens: 200, operation: 'op-7' })
      expect(byType.total).toMatchObject({ inputTokens: 300, outputTokens: 0 })
      expect(byType.total?.metadata.apollo).toMatchObject({ allocationId: allocation?.id, requestedTokens: 300 })
    })

    it('records nothing for a context without an allocation, or once the allocation has expired', async () => {
      await apollo.allocateBudget(anAllocation({ tokenCount: 1_000, expiration: new Date(t.clock.now + 60_000).toISOString() }))
      t.clock.now += 61_000

      expect(await apollo.recordUsage('nobody', 10)).toBe(0)
      expect(await apollo.recordUsage('ctx-1', 10)).toBe(0)
      expect(await apollo.getAllocation('ctx-1')).toMatchObject({ isExpired: true, isActive: false })
    })
  })

  describe('updating an allocation', () => {
    it('adds tokens and holds the new remainder', async () => {
      await apollo.allocateBudget(anAllocation({ tokenCount: 1_000 }))

      const updated = await apollo.updateAllocation('ctx-1', { additionalTokens: 500 })

      expect(updated).toMatchObject({ tokensAllocated: 1_500, remainingTokens: 1_500 })
      expect((await activeReservations('ctx-1')).map((r) => r.tokensReserved)).toEqual([1_500])
    })

    it('extends the expiry', async () => {
      const { allocation } = await apollo.allocateBudget(anAllocation())

      const updated = await apollo.updateAllocation('ctx-1', { extendExpirationSeconds: 3_600 })

      expect(Date.parse(updated?.expiresAt ?? '') - Date.parse(allocation?.expiresAt ?? '')).toBe(3_600_000)
    })

    it('deactivating frees the hold and stops recording', async () => {
      await apollo.allocateBudget(anAllocation({ tokenCount: 1_000 }))

      const updated = await apollo.updateAllocation('ctx-1', { isActive: false })

      expect(updated).toMatchObject({ isActive: false, reservationId: null })
      expect(await activeReservations('ctx-1')).toEqual([])
      expect(await apollo.recordUsage('ctx-1', 10)).toBe(0)
    })

    it('answers null for a context without an allocation', async () => {
      expect(await apollo.updateAllocation('nobody', { additionalTokens: 5 })).toBeNull()
    })
  })

  describe('tiers', () => {
    it.each([
      [{ model: 'codellama' }, 'local_lightweight'],
      [{ model: 'codellama:7b-instruct' }, 'local_lightweight'],
      [{ model: 'Claude-3-Haiku-20240307', provider: 'anthropic' }, 'local_midweight'],
      [{ model: 'mistral-large' }, 'local_midweight'],
      [{ model: 'meta/llama-3-70b' }, 'local_midweight'],
      [{ model: 'gpt-4o', provider: 'ollama' }, 'remote_heavyweight'],
      [{ model: 'unknown-model', provider: 'ollama' }, 'local_midweight'],
      [{ provider: 'local' }, 'local_lightweight'],
      [{ provider: 'anthropic' }, 'remote_heavyweight'],
      [{ model: 'something', provider: 'somewhere' }, 'remote_heavyweight'],
    ])('resolves %j to %s', (query, tier) => {
      expect(new TierResolver().resolve(query)).toBe(tier)
    })

    it("takes a component's tier before the provider's, but after the model's", () => {
      const tiers = new TierResolver()
      tiers.setComponentTier('ergon', 'local_lightweight')

      expect(tiers.resolve({ component: 'ergon', provider: 'openai' })).toBe('local_lightweight')
      expect(tiers.resolve({ component: 'ergon', model: 'gpt-4' })).toBe('remote_heavyweight')
    })

    it('uses an explicit tier over the resolved one', async () => {
      const { allocation } = await apollo.allocateBudget(anAllocation({ tier: 'local_lightweight' }))

      expect(allocation?.tier).toBe('local_lightweight')
    })
  })

  describe('budget summary', () => {
    it("reports each tier's usage of its period policy, the live allocations and the limit", async () => {
      const budgetId = await apollo.ready()
      for (const spec of apolloDefaultPolicies()) await t.engine.createPolicy({ ...spec, budgetId })
      await apollo.allocateBudget(anAllocation({ tokenCount: 5_000 }))
      await apollo.allocateBudget(anAllocation({ contextId: 'ctx-2', model: 'codellama', provider: 'ollama', tokenCount: 700 }))
      await apollo.recordUsage('ctx-1', 1_200)
      await apollo.recordUsage('ctx-2', 700)

      const summaries = await apollo.getBudgetSummary({ period: 'daily' })

      const byTier = Object.fromEntries(summaries.map((s) => [s.tier, s]))
      expect(Object.keys(byTier).sort()).toEqual(['local_lightweight', 'local_midweight', 'remote_heavyweight'])
      expect(byTier.remote_heavyweight).toMatchObject({ totalUsed: 1_200, limit: 1_000_000, remaining: 998_800, totalAllocated: 5_000, activeAllocations: 1, isExceeded: false })
      expect(byTier.local_lightweight).toMatchObject({ totalUsed: 700, limit: 10_000_000, totalAllocated: 700, activeAllocations: 0 })
      expect(byTier.local_midweight).toMatchObject({ totalUsed: 0, totalAllocated: 0 })
    })

    it('prefers the policy that names the component', async () => {
      const budgetId = await apollo.ready()
      await t.engine.createPolicy({ budgetId, type: 'warn', period: 'daily', tokenLimit: 1_000_000, scope: { tier: 'remote_heavyweight' } })
      const specific = await t.engine.createPolicy({ budgetId, type: 'hard_limit', period: 'daily', tokenLimit: 50_000, scope: { tier: 'remote_heavyweight', component: 'ergon' } })

      const [summary] = await apollo.getBudgetSummary({ tier: 'remote_heavyweight', component: 'ergon' })

      expect(summary).toMatchObject({ policyId: specific.id, limit: 50_000, component: 'ergon' })
    })
  })
})
