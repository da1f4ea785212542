/**
 * Reading the policies a check or a commit applies while their budgets are locked. A policy
 * is created or changed under its budget's lock (engine/budgets.ts), so a policy read
 * after the lock is current, and one created a moment later waits for this transaction —
 * its backfill then sees these records. Reading first and locking after would let a policy
 * committed in between go unseen: a check would pass its limit, a commit would not count
 * toward it.
 *
 * The budgets the caller names are locked before the first read, so the usual case takes
 * one lock statement and one read. Policies can also come from budgets nobody named (a
 * record or check without a budget matches every budget's scoped policies): those budgets
 * are locked once seen and the policies read again, until the read finds no new budget.
 */
import type { Transaction } from 'kysely'
import type { BudgetLock, DialectTraits } from '../store/dialect.js'
import type { DB } from '../store/schema.js'

export async function readPoliciesUnderLock<T>(
  { trx, traits, mode }: { trx: Transaction<DB>; traits: DialectTraits; mode: BudgetLock },
  namedBudgetIds: readonly (string | null)[],
  read: () => Promise<T>,
  budgetsOf: (read: T) => readonly string[],
): Promise<T> {
  // SQLite: the write transaction holds every budget already; one read is current.
  if (!traits.locksBudgets) return read()
  const lock = (ids: readonly string[]) => traits.lockBudgets(trx, ids, mode)
  const locked = new Set(namedBudgetIds.filter((id): id is string => id !== null))
  if (locked.size > 0) await lock([...locked])
  for (;;) {
    const value = await read()
    const unlocked = [...new Set(budgetsOf(value))].filter((id) => !locked.has(id))
    if (unlocked.length === 0) return value
    await lock(unlocked)
    for (const id of unlocked) locked.add(id)
  }
}
