/**
 * What truly differs between the engines, kept in one small object so that queries
 * never branch on the dialect.
 */
import type { Transaction } from 'kysely'
import type { DB } from './schema.js'

export interface DialectTraits {
  readonly name: 'sqlite' | 'postgres'
  /** Serialize writers on these budgets until the transaction ends. */
  lockBudgets(trx: Transaction<DB>, budgetIds: readonly string[]): Promise<void>
}

export const sqliteTraits: DialectTraits = {
  name: 'sqlite',
  // Write transactions BEGIN IMMEDIATE (the write lock is taken at once) and every
  // connection sets busy_timeout, so a CLI process beside a running server waits its
  // turn instead of failing with SQLITE_BUSY. That lock already covers every budget.
  async lockBudgets() {},
}

export const postgresTraits: DialectTraits = {
  name: 'postgres',
  // Several instances share the database; these row locks are what keep
  // committed + reserved ≤ limit true between them. Locked in id order so that two
  // requests that touch the same budgets never deadlock.
  async lockBudgets(trx, budgetIds) {
    if (budgetIds.length === 0) return
    const ids = [...new Set(budgetIds)].sort()
    await trx.selectFrom('budgets').select('id').where('id', 'in', ids).orderBy('id').forUpdate().execute()
  },
}
