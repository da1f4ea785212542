import { sql } from 'kysely'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newId } from '../../src/domain/ids.js'
import { aCall, aRecord, aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'

/**
 * A policy created on one instance while a check or a commit on another waits for the
 * budget's lock: once the lock is free, the waiting request must see the new policy — a
 * check must be held to its limit, a commit must count toward it. (Reading the policies
 * before taking the lock let both slip through.) SQLite runs one writer at a time, so the
 * interleaving only exists on PostgreSQL.
 */
describe.skipIf(!STORE_KINDS.includes('postgres'))('a policy created while a request waits for its budget', () => {
  let t: TestEngine
  let other: pg.Client
  let budgetId: string

  beforeEach(async () => {
    t = await aTestEngine({ store: 'postgres', startMs: Date.now() })
    budgetId = (await t.engine.createBudget({ name: 'race' } as never)).id
    // A lenient policy already there: every request on the budget takes its lock.
    await t.engine.createPolicy({ budgetId, type: 'warn', period: 'monthly', tokenLimit: 1e12 } as never)
    other = new pg.Client({ connectionString: t.databaseUrl })
    await other.connect()
  })

  afterEach(async () => {
    await other.end()
    await t.dispose()
  })

  /** Another instance midway through createPolicy: the budget locked, the policy written but not committed. */
  async function createPolicyElsewhere(tokenLimit: number): Promise<string> {
    const id = newId('policy')
    const now = Date.now()
    await other.query('begin')
    await other.query('select id from budgets where id = $1 for update', [budgetId])
    await other.query(
      `insert into policies (id, budget_id, type, period, token_limit, warning_threshold, action_threshold, enabled, created_at, updated_at)
       values ($1, $2, 'hard_limit', 'daily', $3, 0.8, 1, 1, $4, $4)`,
      [id, budgetId, tokenLimit, now],
    )
    return id
  }

  /** Resolves once a session of this database waits for a row lock. */
  async function someoneWaitsForTheLock(): Promise<void> {
    for (let i = 0; i < 500; i++) {
      const waiting = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(t.store.db)
      if ((waiting.rows[0]?.n ?? 0) > 0) return
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    throw new Error('no session ever waited for the budget lock')
  }

  it('holds a waiting check to the hard limit created meanwhile', async () => {
    await createPolicyElsewhere(100)
    const decision = t.engine.check({ budgetId, ...aCall({ inputTokens: 1_000, maxOutputTokens: 500 }) } as never)
    await someoneWaitsForTheLock()
    await other.query('commit')

    expect(await decision).toMatchObject({ allowed: false, action: 'block', reservation: null })
  })

  it('counts a waiting commit toward the policy created meanwhile', async () => {
    const policyId = await createPolicyElsewhere(1_000_000)
    const recorded = t.engine.recordUsage(aRecord({ budgetId, inputTokens: 700, outputTokens: 300 }) as never)
    await someoneWaitsForTheLock()
    await other.query('commit')
    await recorded

    const summary = await t.engine.summary(budgetId)
    expect(summary.policies.find((p) => p.policyId === policyId)).toMatchObject({ tokensUsed: 1_000 })
  })
})
