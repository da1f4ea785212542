import fc from 'fast-check'
import { type Kysely, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { reportsMigration } from '../../src/store/reports-migration.js'
import { deleteUsageBefore } from '../../src/store/usage.js'
import { aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'
import { aUsage, SPAN } from './usage-data.js'

const NOW = Date.parse('2026-05-01T00:00:00Z')

describe.each(STORE_KINDS)('migration 030-reports on %s', (store) => {
  let t: TestEngine

  beforeEach(async () => {
    t = await aTestEngine({ store, startMs: NOW })
    await t.engine.recordBatch(fc.sample(aUsage(fc.integer({ min: SPAN.fromMs, max: SPAN.toMs - 1 })), { numRuns: 400, seed: 11 }))
  })

  afterEach(async () => {
    await t.dispose()
  })

  const quarterRows = () =>
    t.store.db.selectFrom('usageQuarterHourly').selectAll().orderBy('quarterStart').orderBy('budgetId').orderBy('provider').orderBy('model').orderBy('component').orderBy('taskType').orderBy('tier').orderBy('contextId').execute()

  /** Requests and tokens per UTC hour as a rollup holds them. */
  const perHour = async (table: 'usageHourly' | 'usageQuarterHourly') => {
    const time = table === 'usageHourly' ? sql.ref('hourStart') : sql`(${sql.ref('quarterStart')} / 3600000) * 3600000`
    const rows = await t.store.db
      .selectFrom(table as 'usageQuarterHourly')
      .select([time.as('hour'), sql<number>`sum(${sql.ref('requests')})`.as('requests'), sql<number>`sum(${sql.ref('inputTokens')})`.as('input'), sql<number>`sum(${sql.ref('costNano')})`.as('cost')])
      .groupBy(time)
      .orderBy(time)
      .execute()
    return rows.map((r) => [Number(r.hour), Number(r.requests), Number(r.input), Number(r.cost)])
  }

  async function migrateAgain(): Promise<void> {
    await sql`drop table usage_quarter_hourly`.execute(t.store.db)
    await reportsMigration.up(t.store.db as unknown as Kysely<unknown>)
  }

  it('fills the 15-minute rollup from the stored records exactly as recording would have', async () => {
    const written = await quarterRows()

    await migrateAgain()

    expect(await quarterRows()).toEqual(written)
  })

  it('keeps the usage of records retention already deleted, as the hourly rollup counts it', async () => {
    await deleteUsageBefore(t.store.db, Date.parse('2026-03-15T00:20:00Z'))

    await migrateAgain()

    expect(await perHour('usageQuarterHourly')).toEqual(await perHour('usageHourly'))
  })
})
