import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BudgetEvent } from '../../src/events/bus.js'
import { aRecord, aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'

async function eventually<T>(read: () => T, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = read()
    if (done(value) || Date.now() > until) return value
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(!STORE_KINDS.includes('postgres'))('events across instances on PostgreSQL (LISTEN/NOTIFY)', () => {
  let a: TestEngine
  let b: TestEngine
  const seenByA: BudgetEvent[] = []
  const seenByB: BudgetEvent[] = []

  beforeEach(async () => {
    a = await aTestEngine({ store: 'postgres' })
    b = await aTestEngine({ databaseUrl: a.databaseUrl })
    await Promise.all([a.relay?.ready(), b.relay?.ready()])
    seenByA.length = 0
    seenByB.length = 0
    a.engine.ctx.events.subscribe((e) => seenByA.push(e))
    b.engine.ctx.events.subscribe((e) => seenByB.push(e))
  })

  afterEach(async () => {
    await b.dispose()
    await a.dispose()
  })

  it('delivers an event raised on one instance to the subscribers of the other, once', async () => {
    const { record } = await a.engine.recordUsage(aRecord({ id: 'seen-everywhere' }))

    const onB = await eventually(() => seenByB.filter((e) => e.type === 'usage.recorded'), (es) => es.length > 0)
    await pause(200)

    expect(onB).toHaveLength(1)
    expect(onB[0]).toMatchObject({ topic: 'usage', remote: true, payload: { id: record.id, costUsd: record.costUsd } })
    expect(seenByA.find((e) => e.type === 'usage.recorded')?.remote).toBeUndefined()
    expect(seenByA.filter((e) => e.type === 'usage.recorded')).toHaveLength(1) // no echo back to its origin
    expect(seenByB.filter((e) => e.type === 'usage.recorded')).toHaveLength(1) // nor a second copy
  })

  it('keeps a burst of events whole and in order', async () => {
    for (let i = 0; i < 500; i++) a.engine.ctx.events.publish({ type: 'test.burst', topic: 'budget_events', budgetId: null, payload: { i } })

    const burst = await eventually(() => seenByB.filter((e) => e.type === 'test.burst'), (es) => es.length >= 500)

    expect(burst.map((e) => (e.payload as { i: number }).i)).toEqual(Array.from({ length: 500 }, (_, i) => i))
  })

  it('listens again after its connection is cut', async () => {
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = 'tekton-budget-events' and datname = current_database()`.execute(a.store.db)

    const heard = await eventually(
      () => {
        a.engine.ctx.events.publish({ type: 'test.after-cut', topic: 'budget_events', budgetId: null, payload: {} })
        return seenByB.filter((e) => e.type === 'test.after-cut')
      },
      (es) => es.length > 0,
      10_000,
    )

    expect(heard.length).toBeGreaterThan(0)
  })

  it('sends an event too big for one notification without its payload', async () => {
    b.engine.ctx.events.publish({ type: 'test.big', topic: 'budget_events', budgetId: 'bud_x', payload: { blob: 'x'.repeat(20_000) } })

    const [big] = await eventually(() => seenByA.filter((e) => e.type === 'test.big'), (es) => es.length > 0)

    expect(big).toMatchObject({ type: 'test.big', budgetId: 'bud_x', payload: { truncated: true } })
  })
})
