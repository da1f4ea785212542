/**
 * Reservations and their holds. A hold is what one active reservation keeps back from
 * one policy; it stops counting the moment its expiry passes, so a crashed client never
 * leaks budget and nothing has to run for it to lapse.
 */
import type { Insertable, Selectable } from 'kysely'
import type { Executor, ReservationHoldsTable, ReservationsTable } from './schema.js'

export type ReservationRow = Selectable<ReservationsTable>

export async function insertReservation(
  db: Executor,
  reservation: Insertable<ReservationsTable>,
  holds: readonly Insertable<ReservationHoldsTable>[],
): Promise<void> {
  await db.insertInto('reservations').values(reservation).execute()
  if (holds.length > 0) await db.insertInto('reservationHolds').values([...holds]).execute()
}

export async function findReservation(db: Executor, id: string): Promise<ReservationRow | undefined> {
  return db.selectFrom('reservations').selectAll().where('id', '=', id).executeTakeFirst()
}

/**
 * Ends a reservation: its holds go, and its row keeps the outcome. A commit always lands
 * (the usage happened); a release only ends a reservation that is still active, decided
 * by the row update itself, so that it can't undo a commit another instance made after
 * this transaction read the row. Says whether the reservation changed.
 */
export async function closeReservation(
  db: Executor,
  id: string,
  outcome: { status: 'committed' | 'released'; tokensUsed?: number; costUsedNano?: number },
): Promise<boolean> {
  let update = db
    .updateTable('reservations')
    .set((eb) => ({
      status: outcome.status,
      tokensUsed: eb('tokensUsed', '+', outcome.tokensUsed ?? 0),
      costUsedNano: eb('costUsedNano', '+', outcome.costUsedNano ?? 0),
    }))
    .where('id', '=', id)
  if (outcome.status === 'released') update = update.where('status', '=', 'active')
  const result = await update.executeTakeFirst()
  if (Number(result.numUpdatedRows) === 0) return false
  await db.deleteFrom('reservationHolds').where('reservationId', '=', id).execute()
  return true
}

/** Drops holds that expired before `beforeMs`: they no longer count, this only saves space. */
export async function sweepExpiredHolds(db: Executor, beforeMs: number): Promise<void> {
  await db.deleteFrom('reservationHolds').where('expiresAt', '<=', beforeMs).execute()
}

export interface ReservationFilter {
  budgetId?: string
  contextId?: string
  status?: string
  nowMs: number
  limit: number
}

export async function listReservations(db: Executor, filter: ReservationFilter): Promise<ReservationRow[]> {
  let query = db.selectFrom('reservations').selectAll().orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(filter.limit)
  if (filter.budgetId !== undefined) query = query.where('budgetId', '=', filter.budgetId)
  if (filter.contextId !== undefined) query = query.where('contextId', '=', filter.contextId)
  if (filter.status === 'expired') query = query.where('status', '=', 'active').where('expiresAt', '<=', filter.nowMs)
  if (filter.status === 'active') query = query.where('status', '=', 'active').where('expiresAt', '>', filter.nowMs)
  if (filter.status === 'committed' || filter.status === 'released') query = query.where('status', '=', filter.status)
  return query.execute()
}
