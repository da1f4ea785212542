import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/store.js'
import { partitionName } from '../../src/store/partitions.js'
import { aRecord, aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'
import { anEmptyPostgresDatabase } from '../support/pg-databases.js'

const hasPostgres = STORE_KINDS.includes('postgres')

async function partitionsOf(t: TestEngine): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'usage_records'::regclass order by 1`.execute(t.store.db.withoutPlugins())
  return rows.map((r) => r.name)
}

async function rowsIn(t: TestEngine, table: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`select id from ${sql.table(table)} order by id`.execute(t.store.db.withoutPlugins())
  return rows.map((r) => r.id)
}

describe.skipIf(!hasPostgres)('usage records on PostgreSQL: monthly partitions', () => {
  let t: TestEngine

  beforeEach(async () => {
    t = await aTestEngine({ store: 'postgres', startMs: Date.parse('2026-03-10T12:00:00Z') })
  })

  afterEach(async () => {
    await t.dispose()
  })

  it('creates the partition of each month that records arrive for', async () => {
    await t.engine.recordBatch([aRecord({ id: 'old', timestamp: '2024-07-04T10:00:00Z' }), aRecord({ id: 'now' })])

    expect(await partitionsOf(t)).toEqual(expect.arrayContaining(['usage_records_y2024m07', 'usage_records_y2026m03', 'usage_records_default']))
    expect(await rowsIn(t, 'usage_records_y2024m07')).toEqual(['old'])
    expect(await rowsIn(t, 'usage_records_default')).toEqual([])
  })

  it('moves strays out of the default partition when their month is created', async () => {
    // A record that missed its partition (say, another instance had just dropped it).
    await sql`insert into usage_records (id, "timestamp", provider, model, input_tokens, output_tokens, cache_read_tokens,
      cache_write_tokens, cache_write_1h_tokens, reasoning_tokens, created_at)
      values ('stray', ${Date.parse('2023-02-02T00:00:00Z')}, 'anthropic', 'x', 1, 1, 0, 0, 0, 0, 0)`.execute(t.store.db.withoutPlugins())
    expect(await rowsIn(t, 'usage_records_default')).toEqual(['stray'])

    await t.engine.recordUsage(aRecord({ id: 'same-month', timestamp: '2023-02-20T00:00:00Z' }))

    expect(await rowsIn(t, 'usage_records_default')).toEqual([])
    expect(await rowsIn(t, partitionName(Date.parse('2023-02-01T00:00:00Z')))).toEqual(['same-month', 'stray'])
  })

  it('drops whole months for retention, and only those', async () => {
    await t.engine.recordBatch([
      aRecord({ id: 'jan', timestamp: '2026-01-31T23:59:59Z' }),
      aRecord({ id: 'feb', timestamp: '2026-02-01T00:00:00Z' }),
      aRecord({ id: 'mar', timestamp: '2026-03-09T00:00:00Z' }),
    ])

    const kept = await t.store.traits.dropUsageBefore(t.store.db, Date.parse('2026-02-15T00:00:00Z'))

    expect(new Date(kept).toISOString()).toBe('2026-02-01T00:00:00.000Z')
    expect(await partitionsOf(t)).not.toContain('usage_records_y2026m01')
    expect(await rowsIn(t, 'usage_records')).toEqual(['feb', 'mar'])
    expect(await rowsIn(t, 'usage_ids')).toEqual(['feb', 'mar'])
    expect((await t.engine.usageSummary({})).totals.requests).toBe(3)
  })
})

describe.skipIf(!hasPostgres)('starting on PostgreSQL', () => {
  it('migrates once when several instances start on an empty database at the same moment', async () => {
    const database = await anEmptyPostgresDatabase()
    try {
      const stores = await Promise.all(Array.from({ length: 4 }, () => openStore({ databaseUrl: database.url })))

      const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(stores[0]!.db.withoutPlugins())
      const names = rows.map((r) => r.name)
      expect(names).toEqual(expect.arrayContaining(['001-initial', '002-usage-ids']))
      expect(new Set(names).size).toBe(names.length)
      await Promise.all(stores.map((s) => s.close()))
    } finally {
      await database.drop()
    }
  })
})
