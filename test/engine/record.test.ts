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

  describe('recording usage', () => {
    it('stores a record once however often its id is sent', async () => {
      const first = await t.engine.recordUsage(aRecord({ id: 'call-1' }))

      const again = await t.engine.recordUsage(aRecord({ id: 'call-1', inputTokens: 9 }))

      expect(first.created).toBe(true)
      expect(again).toEqual({ record: first.record, created: false })
      expect((await t.engine.listUsage({ limit: 10 })).items).toHaveLength(1)
    })

    it('prices a record exactly with the catalog, cache reads and writes included', async () => {
      const { record } = await t.engine.recordUsage(
        aRecord({ model: 'claude-sonnet-4-20250514', inputTokens: 1_000, outputTokens: 2_000, cacheReadTokens: 10_000, cacheWriteTokens: 4_000 }),
      )

      // $3 in, $15 out, $0.30 cache read, $3.75 cache write (5 min), per million tokens.
      expect(record.costUsd).toBe(0.051)
      expect(record.unpriced).toBe(false)
      expect(record.priceVersion).toMatch(/^bundled:anthropic\/claude-sonnet-4/)
    })

    it('records an unknown model as unpriced, never as free', async () => {
      const { record } = await t.engine.recordUsage(aRecord({ provider: 'acme', model: 'mystery-1' }))

      expect(record).toMatchObject({ costUsd: null, unpriced: true, priceVersion: null })
      const summary = await t.engine.usageSummary({ groupBy: ['model'] })
      expect(summary.totals).toMatchObject({ requests: 1, unpricedRequests: 1, costUsd: 0 })
    })

    it('stores usage past a hard limit, because it happened', async () => {
      const { budget } = await aBudgetWithPolicy(t, { tokenLimit: 1_000 })

      await t.engine.recordUsage(aRecord({ budgetId: budget.id, inputTokens: 5_000, outputTokens: 0 }))

      const [policy] = (await t.engine.summary(budget.id)).policies
      expect(policy).toMatchObject({ tokensUsed: 5_000, status: 'exceeded' })
      expect((await t.engine.check({ budgetId: budget.id, ...aCall() })).allowed).toBe(false)
    })

    it('ingests a batch in one go, counting duplicates within it and against the store', async () => {
      await t.engine.recordUsage(aRecord({ id: 'r-0' }))
      const records = Array.from({ length: 50 }, (_, i) => aRecord({ id: `r-${i % 40}` }))

      const result = await t.engine.recordBatch(records)

      expect(result).toMatchObject({ accepted: 39, duplicates: 11 })
      expect((await t.engine.usageSummary({})).totals.requests).toBe(40)
    })

    it('rejects a whole batch that names an unknown budget, storing none of it', async () => {
      await expect(t.engine.recordBatch([aRecord(), aRecord({ budgetId: 'nope' })])).rejects.toMatchObject({ code: 'NOT_FOUND', details: { index: 1 } })

      expect((await t.engine.listUsage({ limit: 10 })).items).toHaveLength(0)
    })
  })

  describe('which usage counts toward a policy', () => {
    it('counts only records whose fields equal the scope', async () => {
      const { budget } = await aBudgetWithPolicy(t, { tokenLimit: 100_000, scope: { provider: 'openai' } })

      await t.engine.recordUsage(aRecord({ budgetId: budget.id, provider: 'openai', model: 'gpt-4o', inputTokens: 100, outputTokens: 0 }))
      await t.engine.recordUsage(aRecord({ budgetId: budget.id, inputTokens: 7, outputTokens: 0 }))

      expect((await t.engine.summary(budget.id)).policies[0]?.tokensUsed).toBe(100)
    })

    it('counts records that name no budget toward every budget', async () => {
      const a = await aBudgetWithPolicy(t, { tokenLimit: 100_000 })
      const b = await aBudgetWithPolicy(t, { tokenLimit: 100_000 })

      await t.engine.recordUsage(aRecord({ inputTokens: 10, outputTokens: 0 }))

      expect((await t.engine.summary(a.budget.id)).policies[0]?.tokensUsed).toBe(10)
      expect((await t.engine.summary(b.budget.id)).policies[0]?.tokensUsed).toBe(10)
    })

    it('starts a new daily window at midnight in the configured time zone', async () => {
      await t.dispose()
      t = await aTestEngine({ store, timeZone: 'America/New_York', startMs: Date.parse('2026-03-10T03:30:00Z') })
      const { budget } = await aBudgetWithPolicy(t, { tokenLimit: 100_000 })
      await t.engine.recordUsage(aRecord({ budgetId: budget.id, inputTokens: 10, outputTokens: 0 }))

      t.clock.now = Date.parse('2026-03-10T04:30:00Z') // 00:30 in New York: a new day there

      const [policy] = (await t.engine.summary(budget.id)).policies
      expect(policy).toMatchObject({ tokensUsed: 0, windowStart: '2026-03-10T04:00:00.000Z' })
    })

    it('counts the morning spend toward a policy created in the afternoon', async () => {
      const budget = await t.engine.createBudget({ name: 'late' })
      await t.engine.recordUsage(aRecord({ budgetId: budget.id, inputTokens: 300, outputTokens: 0, timestamp: '2026-03-10T08:00:00Z' }))
      await t.engine.recordUsage(aRecord({ budgetId: budget.id, inputTokens: 999, outputTokens: 0, timestamp: '2026-03-09T08:00:00Z' }))

      await t.engine.createPolicy({ budgetId: budget.id, type: 'hard_limit', period: 'daily', tokenLimit: 1_000 })

      expect((await t.engine.summary(budget.id)).policies[0]?.tokensUsed).toBe(300)
    })

    it('keeps each session of a per_session policy apart', async () => {
      const { budget } = await aBudgetWithPolicy(t, { period: 'per_session', tokenLimit: 2_000 })
      await t.engine.recordUsage(aRecord({ budgetId: budget.id, contextId: 's1', inputTokens: 1_900, outputTokens: 0 }))

      const s1 = await t.engine.check({ budgetId: budget.id, contextId: 's1', ...aCall() })
      const s2 = await t.engine.check({ budgetId: budget.id, contextId: 's2', ...aCall() })

      expect(s1.allowed).toBe(false)
      expect(s2.allowed).toBe(true)
    })

    it('limits each task of a per_task policy on its own', async () => {
      const { budget } = await aBudgetWithPolicy(t, { period: 'per_task', tokenLimit: 2_000 })

      const small = await t.engine.check({ budgetId: budget.id, ...aCall({ inputTokens: 1_000, maxOutputTokens: 900 }) })
      const again = await t.engine.check({ budgetId: budget.id, ...aCall({ inputTokens: 1_000, maxOutputTokens: 900 }) })
      const large = await t.engine.check({ budgetId: budget.id, ...aCall({ inputTokens: 1_500, maxOutputTokens: 900 }) })

      expect([small.allowed, again.allowed, large.allowed]).toEqual([true, true, false])
    })

    it('lets usage slide out of a rolling window', async () => {
      const { budget } = await aBudgetWithPolicy(t, { period: 'rolling', windowSeconds: 3_600, tokenLimit: 2_000 })
      await t.engine.recordUsage(aRecord({ budgetId: budget.id, inputTokens: 1_800, outputTokens: 0 }))
      expect((await t.engine.check({ budgetId: budget.id, ...aCall({ ttlSeconds: 1 }) })).allowed).toBe(false)

      t.clock.now += 3_700_000

      expect((await t.engine.check({ budgetId: budget.id, ...aCall() })).allowed).toBe(true)
    })

    it('warns at the warning threshold without blocking', async () => {
      const { budget } = await aBudgetWithPolicy(t, { type: 'warn', tokenLimit: 1_800 })

      const decision = await t.engine.check({ budgetId: budget.id, ...aCall() })

      expect(decision).toMatchObject({ allowed: true, action: 'warn' })
      expect(decision.reasons[0]).toContain('warning threshold')
    })
  })
})
