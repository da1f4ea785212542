import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { prepared, preparedBySize, rowParams, standInRows } from '../../src/store/prepared.js'
import { aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'

/**
 * Prepared queries (store/prepared.ts): compiled once per database, then run with new
 * parameters — they must answer exactly as the same query built anew, on both engines,
 * and refuse a builder that uses a parameter as anything but a value.
 */
describe.each(STORE_KINDS)('prepared queries on %s', (store) => {
  let t: TestEngine

  beforeEach(async () => {
    t = await aTestEngine({ store })
    for (const name of ['alpha', 'beta', 'gamma']) await t.engine.createBudget({ name, owner: name === 'beta' ? 'ada' : null } as never)
  })

  afterEach(async () => {
    await t.dispose()
  })

  it('answers as the query built anew, for every set of parameters, with the fixed values kept', async () => {
    const byNameAndArchived = prepared((db, p: { name: string }) => db.selectFrom('budgets').select(['name', 'owner']).where('name', '=', p.name).where('archived', '=', 0))
    for (const name of ['alpha', 'beta', 'gamma', 'nobody']) {
      const fresh = await t.store.db.selectFrom('budgets').select(['name', 'owner']).where('name', '=', name).where('archived', '=', 0).execute()
      expect(await byNameAndArchived(t.store.db, { name })).toEqual(fresh)
    }
  })

  it('runs inside a transaction, and each size of a many-row statement has its own form', async () => {
    const columns = ['key', 'value'] as const
    const upsert = preparedBySize((db, size, p: Record<string, unknown>) =>
      db
        .insertInto('meta')
        .values(standInRows<{ key: string; value: string }>(p, size, columns))
        .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') }))),
    )
    await t.store.db.transaction().execute(async (trx) => {
      await upsert(trx, 2, rowParams([{ key: 'p1', value: 'one' }, { key: 'p2', value: 'two' }], columns))
      await upsert(trx, 1, rowParams([{ key: 'p1', value: 'uno' }], columns))
    })
    const rows = await t.store.db.selectFrom('meta').selectAll().where('key', 'in', ['p1', 'p2']).orderBy('key').execute()
    expect(rows).toEqual([{ key: 'p1', value: 'uno' }, { key: 'p2', value: 'two' }])
  })

  it('refuses a builder that turns a parameter into SQL text instead of a value', async () => {
    const broken = prepared((db, p: { column: string }) => db.selectFrom('budgets').select(sql.ref(p.column).as('x')))
    await expect(broken(t.store.db, { column: 'name' })).rejects.toThrow(/parameter\(s\) column did not reach the compiled query/)
  })
})
