/**
 * Reservations and their holds. A hold is what one active reservation keeps back from
 * one policy; it stops counting the moment its expiry passes, so a crashed client never
 * leaks budget and nothing has to run for it to lapse.
 */
import type { Insertable, Kysely, Selectable } from 'kysely'
import { prepared } from './prepared.js'
import type { DB, Executor, ReservationHoldsTable, ReservationsTable } from './schema.js'

export type ReservationRow = Selectable<ReservationsTable>

export async function insertReservation(
  db: Executor,
  reservation: Insertable<ReservationsTable>,
  holds: readonly Insertable<ReservationHoldsTable>[],
): Promise<void> {
  await insertOne(db, reservation)
  if (holds.length > 0) await db.insertInto('reservationHolds').values([...holds]).execute()
}

const insertOne = prepared((db, p: Insertable<ReservationsTable>) =>
  db.insertInto('reservations').values({
    id: p.id,
    budgetId: p.budgetId,
    contextId: p.contextId,
    provider: p.provider,
    model: p.model,
    component: p.component,
    taskType: p.taskType,
    tier: p.tier,
    priority: p.priority,
    tokensReserved: p.tokensReserved,
    costReservedNano: p.costReservedNano,
    tokensUsed: p.tokensUsed,
    costUsedNano: p.costUsedNano,
    status: p.status,
    createdAt: p.createdAt,
    expiresAt: p.expiresAt,
  }),
)

const byId = prepared((db, p: { id: string }) => db.selectFrom('reservations').selectAll().where('id', '=', p.id))

export async function findReservation(db: Executor, id: string): Promise<ReservationRow | undefined> {
  const [row] = await byId(db, { id })
  return row
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
  const params = { id, status: outcome.status, tokensUsed: outcome.tokensUsed ?? 0, costUsedNano: outcome.costUsedNano ?? 0 }
  const [changed] = await (outcome.status === 'released' ? releaseActive(db, params) : commit(db, params))
  if (changed === undefined) return false
  await deleteHolds(db, { id })
  return true
}

type Close = { id: string; status: string; tokensUsed: number; costUsedNano: number }

const closing = (db: Kysely<DB>, p: Close) =>
  db
    .updateTable('reservations')
    .set((eb) => ({ status: p.status, tokensUsed: eb('tokensUsed', '+', p.tokensUsed), costUsedNano: eb('costUsedNano', '+', p.costUsedNano) }))
    .where('id', '=', p.id)
const commit = prepared((db, p: Close) => closing(db, p).returning('id'))
const releaseActive = prepared((db, p: Close) => closing(db, p).where('status', '=', 'active').returning('id'))
const deleteHolds = prepared((db, p: { id: string }) => db.deleteFrom('reservationHolds').where('reservationId', '=', p.id))

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
