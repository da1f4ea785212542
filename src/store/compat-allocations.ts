/**
 * Apollo allocations (compat_allocations): one row per context. Callers run these inside a
 * write transaction that has locked the allocation's budget, so a read followed by an
 * update of the same row sees no other writer in between, on either engine.
 */
import type { Insertable, Selectable, Updateable } from 'kysely'
import type { CompatAllocationsTable, Executor } from './schema.js'

export type AllocationRow = Selectable<CompatAllocationsTable>

export async function findAllocationByContext(db: Executor, contextId: string): Promise<AllocationRow | undefined> {
  return db.selectFrom('compatAllocations').selectAll().where('contextId', '=', contextId).executeTakeFirst()
}

export async function findAllocationById(db: Executor, id: string): Promise<AllocationRow | undefined> {
  return db.selectFrom('compatAllocations').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Stores `row` as its context's allocation, replacing the one the context had. */
export async function replaceAllocation(db: Executor, row: Insertable<CompatAllocationsTable>): Promise<void> {
  await db.deleteFrom('compatAllocations').where('contextId', '=', row.contextId).execute()
  await db.insertInto('compatAllocations').values(row).execute()
}

export async function updateAllocation(db: Executor, id: string, changes: Updateable<CompatAllocationsTable>): Promise<void> {
  await db.updateTable('compatAllocations').set(changes).where('id', '=', id).execute()
}

/**
 * Sets the reservation of an allocation that holds none and is still active as `seen`
 * (same tokens, same expiry). False when another writer changed it first: the reservation
 * was sized for a state that no longer holds.
 */
export async function attachReservation(
  db: Executor,
  reservationId: string,
  seen: Pick<AllocationRow, 'id' | 'tokensAllocated' | 'tokensUsed' | 'expiresAt'>,
): Promise<boolean> {
  const result = await db
    .updateTable('compatAllocations')
    .set({ reservationId })
    .where('id', '=', seen.id)
    .where('reservationId', 'is', null)
    .where('isActive', '=', 1)
    .where('tokensAllocated', '=', seen.tokensAllocated)
    .where('tokensUsed', '=', seen.tokensUsed)
    .where('expiresAt', '=', seen.expiresAt)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

export interface AllocationFilter {
  budgetId: string
  tier?: string
  component?: string
  taskType?: string
  /** Only allocations that have not expired at this instant. */
  liveAtMs?: number
}

export async function listAllocations(db: Executor, filter: AllocationFilter): Promise<AllocationRow[]> {
  let query = db.selectFrom('compatAllocations').selectAll().where('budgetId', '=', filter.budgetId)
  if (filter.tier !== undefined) query = query.where('tier', '=', filter.tier)
  if (filter.component !== undefined) query = query.where('component', '=', filter.component)
  if (filter.taskType !== undefined) query = query.where('taskType', '=', filter.taskType)
  if (filter.liveAtMs !== undefined) query = query.where('expiresAt', '>', filter.liveAtMs)
  return query.orderBy('createdAt').orderBy('id').execute()
}
