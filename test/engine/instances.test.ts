import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { aBudgetWithPolicy, aCall, aRecord, aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'

/**
 * Several engines on one database, as several service instances (PostgreSQL) or a server
 * and a CLI process (SQLite) are: the guarantees hold between them, not only within one.
 */
describe.each(STORE_KINDS)('two engines on one %s database', (store) => {
  let a: TestEngine
  let b: TestEngine

  beforeEach(async () => {
    a = await aTestEngine({ store })
    b = await aTestEngine({ databaseUrl: a.databaseUrl })
    b.clock.now = a.clock.now
  })

  afterEach(async () => {
    await b.dispose()
    await a.dispose()
  })

  it('never lets their concurrent checks pass a hard limit together', async () => {
    const { budget } = await aBudgetWithPolicy(a, { tokenLimit: 20_000 })

    const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).engine.check({ budgetId: budget.id, ...aCall() })))

    expect(decisions.filter((d) => d.allowed)).toHaveLength(13) // 13 × 1,500 ≤ 20,000 < 14 × 1,500
    const [policy] = (await b.engine.summary(budget.id)).policies
    expect(policy).toMatchObject({ tokensUsed: 0, tokensReserved: 19_500 })
  })

  it('locks every matching budget for a check that names none', async () => {
    const first = await aBudgetWithPolicy(a, { tokenLimit: 15_000 })
    const second = await aBudgetWithPolicy(a, { tokenLimit: 9_000 })

    const decisions = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).engine.check(aCall())))

    expect(decisions.filter((d) => d.allowed)).toHaveLength(6) // the tighter budget: 6 × 1,500 = 9,000
    expect((await a.engine.summary(first.budget.id)).policies[0]?.tokensReserved).toBe(9_000)
    expect((await a.engine.summary(second.budget.id)).policies[0]?.tokensReserved).toBe(9_000)
  })

  it('stores a record once when both receive its id at the same moment', async () => {
    const { budget } = await aBudgetWithPolicy(a, { tokenLimit: 1_000_000 })
    const records = Array.from({ length: 20 }, (_, i) => aRecord({ id: `dup-${i}`, budgetId: budget.id, inputTokens: 100, outputTokens: 0 }))

    const results = await Promise.all([
      ...records.map((r) => a.engine.recordUsage(r)),
      ...records.map((r) => b.engine.recordUsage(r)),
      a.engine.recordBatch(records),
      b.engine.recordBatch(records),
    ])

    const created = results.filter((r) => 'created' in r && r.created).length
    const accepted = results.reduce((n, r) => n + ('accepted' in r ? r.accepted : 0), 0)
    expect(created + accepted).toBe(20)
    expect((await b.engine.usageSummary({})).totals.requests).toBe(20)
    expect((await a.engine.summary(budget.id)).policies[0]?.tokensUsed).toBe(2_000)
    expect((await a.engine.listUsage({ limit: 100 })).items).toHaveLength(20)
  })

  it('commits on one engine what the other reserved', async () => {
    const { budget } = await aBudgetWithPolicy(a, { tokenLimit: 10_000 })
    const decision = await a.engine.check({ budgetId: budget.id, ...aCall() })

    await b.engine.recordUsage(aRecord({ reservationId: decision.reservation!.id, inputTokens: 700, outputTokens: 100 }))

    expect((await a.engine.summary(budget.id)).policies[0]).toMatchObject({ tokensUsed: 800, tokensReserved: 0 })
  })

  it('never lets a release on one engine undo a commit racing it on the other', async () => {
    const { budget } = await aBudgetWithPolicy(a, { tokenLimit: 1_000_000 })
    const reservations = await Promise.all(Array.from({ length: 10 }, () => a.engine.check({ budgetId: budget.id, ...aCall() })))

    await Promise.all(
      reservations.flatMap((d) => [
        a.engine.recordUsage(aRecord({ reservationId: d.reservation!.id, inputTokens: 100, outputTokens: 0 })),
        b.engine.release(d.reservation!.id).catch((error: { code?: string }) => expect(error.code).toBe('CONFLICT')),
      ]),
    )

    const statuses = await Promise.all(reservations.map((d) => b.engine.getReservation(d.reservation!.id)))
    expect(statuses.map((r) => r.status)).toEqual(Array(10).fill('committed'))
    expect((await a.engine.summary(budget.id)).policies[0]).toMatchObject({ tokensUsed: 1_000, tokensReserved: 0 })
  })
})

describe.each(STORE_KINDS)('retention on %s', (store) => {
  let t: TestEngine

  beforeEach(async () => {
    t = await aTestEngine({ store, startMs: Date.parse('2026-05-20T12:00:00Z') })
  })

  afterEach(async () => {
    await t.dispose()
  })

  it('drops raw records past the retention period and keeps the rollups whole', async () => {
    const { budget } = await aBudgetWithPolicy(t, { period: 'monthly', tokenLimit: 1_000_000 })
    const at = (iso: string, id: string) => aRecord({ id, budgetId: budget.id, inputTokens: 100, outputTokens: 0, timestamp: iso })
    await t.engine.recordBatch([at('2026-01-15T00:00:00Z', 'jan'), at('2026-02-10T00:00:00Z', 'feb'), at('2026-05-19T00:00:00Z', 'may')])
    const before = await t.engine.usageSummary({ groupBy: ['model'] })

    // 60 days before May 20 is March 21: January and February are past it on both engines.
    const kept = await t.store.traits.dropUsageBefore(t.store.db, t.clock.now - 60 * 86_400_000)

    expect(kept).toBeLessThanOrEqual(Date.parse('2026-03-21T12:00:00Z'))
    expect(kept).toBeGreaterThan(Date.parse('2026-02-10T00:00:00Z'))
    expect((await t.engine.listUsage({ limit: 10 })).items.map((r) => r.id)).toEqual(['may'])
    expect(await t.engine.usageSummary({ groupBy: ['model'] })).toEqual(before)
    expect((await t.engine.summary(budget.id)).policies[0]?.tokensUsed).toBe(100)
  })

  it('runs on its own when the engine is opened with a retention period', async () => {
    await t.engine.recordBatch([aRecord({ id: 'old', timestamp: '2025-12-01T00:00:00Z' }), aRecord({ id: 'new' })])
    const reopened = await aTestEngine({ databaseUrl: t.databaseUrl, startMs: t.clock.now, retentionDays: 30 })

    try {
      await reopened.store.retention?.run()

      expect((await reopened.engine.listUsage({ limit: 10 })).items.map((r) => r.id)).toEqual(['new'])
      expect((await reopened.engine.usageSummary({})).totals.requests).toBe(2)
    } finally {
      await reopened.dispose()
    }
  })
})
