import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { aBudgetWithPolicy, aCall, aRecord, aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'

describe.each(STORE_KINDS)('on %s', (store) => {
  let t: TestEngine

  beforeEach(async () => {
    t = await aTestEngine({ store })
  })

  afterEach(async () => {
    await t.dispose()
  })

  describe('check (reserve)', () => {
    it('allows a call within a hard limit and reserves its estimate', async () => {
      const { budget, policy } = await aBudgetWithPolicy(t, { tokenLimit: 10_000 })

      const decision = await t.engine.check({ budgetId: budget.id, ...aCall() })

      expect(decision.allowed).toBe(true)
      expect(decision.action).toBe('allow')
      expect(decision.reservation?.tokensReserved).toBe(1_500)
      expect(decision.policies).toEqual([expect.objectContaining({ policyId: policy.id, remainingTokens: 8_500 })])
      const summary = await t.engine.summary(budget.id)
      expect(summary.policies[0]).toMatchObject({ tokensUsed: 0, tokensReserved: 1_500, status: 'ok' })
    })

    it('blocks a call that would pass a hard limit, reserving nothing', async () => {
      const { budget } = await aBudgetWithPolicy(t, { tokenLimit: 2_000 })
      await t.engine.check({ budgetId: budget.id, ...aCall() })

      const decision = await t.engine.check({ budgetId: budget.id, ...aCall() })

      expect(decision).toMatchObject({ allowed: false, action: 'block', reservation: null })
      expect(decision.reasons[0]).toContain('3000 tokens would pass the limit of 2000')
      expect((await t.engine.summary(budget.id)).policies[0]?.tokensReserved).toBe(1_500)
    })

    it('releases the unused part of a reservation when usage is recorded', async () => {
      const { budget } = await aBudgetWithPolicy(t, { tokenLimit: 10_000 })
      const decision = await t.engine.check({ budgetId: budget.id, ...aCall() })

      const { record } = await t.engine.recordUsage(aRecord({ reservationId: decision.reservation?.id, inputTokens: 800, outputTokens: 100 }))

      expect(record.budgetId).toBe(budget.id)
      const [policy] = (await t.engine.summary(budget.id)).policies
      expect(policy).toMatchObject({ tokensUsed: 900, tokensReserved: 0 })
      expect((await t.engine.getReservation(decision.reservation!.id)).status).toBe('committed')
    })

    it('stops counting an expired reservation with nothing run', async () => {
      const { budget } = await aBudgetWithPolicy(t, { tokenLimit: 2_000 })
      await t.engine.check({ budgetId: budget.id, ...aCall(), ttlSeconds: 60 })

      t.clock.now += 61_000

      const decision = await t.engine.check({ budgetId: budget.id, ...aCall() })
      expect(decision.allowed).toBe(true)
    })

    it('suggests a cheaper model of the same provider when a soft limit is passed', async () => {
      const { budget } = await aBudgetWithPolicy(t, { type: 'soft_limit', tokenLimit: 1_000 })

      const decision = await t.engine.check({ budgetId: budget.id, ...aCall({ model: 'claude-opus-4-1' }) })

      expect(decision.allowed).toBe(true)
      expect(decision.action).toBe('downgrade')
      expect(decision.suggestedModel?.provider).toBe('anthropic')
      expect(decision.suggestedModel!.estimatedCostUsd).toBeLessThan(decision.estimatedCostUsd!)
    })

    it('judges every policy that applies to a check naming no budget, however many', async () => {
      const budget = await t.engine.createBudget({ name: 'many' })
      for (let i = 0; i < 120; i++) await t.engine.createPolicy({ budgetId: budget.id, type: 'hard_limit', period: 'daily', tokenLimit: i === 117 ? 1_000 : 100_000 })

      const decision = await t.engine.check(aCall())

      expect(decision.policies).toHaveLength(120)
      expect(decision).toMatchObject({ allowed: false, action: 'block' })
    })
  })
})
