/**
 * Queries of the alerts and the delivery log. Raising an alert is an insert that does
 * nothing when its dedup key exists, so the unique key — not a read before the write —
 * decides which of two racing instances raised it.
 */
import type { Insertable, Selectable } from 'kysely'
import type { AlertDeliveriesTable, AlertsTable, Executor } from './schema.js'

export type AlertRow = Selectable<AlertsTable>
export type DeliveryRow = Selectable<AlertDeliveriesTable>

/** Inserts the alert unless one with its dedup key exists; true when this call inserted it. */
export async function insertAlertOnce(db: Executor, row: Insertable<AlertsTable>): Promise<boolean> {
  const result = await db
    .insertInto('alerts')
    .values(row)
    .onConflict((oc) => oc.column('dedupKey').doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
}

/** Which of these dedup keys already name an alert. */
export async function existingDedupKeys(db: Executor, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set()
  const rows = await db.selectFrom('alerts').select('dedupKey').where('dedupKey', 'in', keys).execute()
  return new Set(rows.map((r) => r.dedupKey))
}

export async function findAlert(db: Executor, id: string): Promise<AlertRow | undefined> {
  return db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst()
}

export interface AlertFilter {
  budgetId?: string
  policyId?: string
  type?: string
  severity?: string
  acknowledged?: boolean
  /** Keyset: rows strictly older than this (createdAt, id). */
  before?: { createdAt: number; id: string }
  limit: number
}

/** Alerts newest first. */
export async function selectAlerts(db: Executor, filter: AlertFilter): Promise<AlertRow[]> {
  let q = db.selectFrom('alerts').selectAll()
  if (filter.budgetId !== undefined) q = q.where('budgetId', '=', filter.budgetId)
  if (filter.policyId !== undefined) q = q.where('policyId', '=', filter.policyId)
  if (filter.type !== undefined) q = q.where('type', '=', filter.type)
  if (filter.severity !== undefined) q = q.where('severity', '=', filter.severity)
  if (filter.acknowledged !== undefined) q = q.where('acknowledgedAt', filter.acknowledged ? 'is not' : 'is', null)
  const before = filter.before
  if (before !== undefined) {
    q = q.where((eb) => eb.or([eb('createdAt', '<', before.createdAt), eb.and([eb('createdAt', '=', before.createdAt), eb('id', '<', before.id)])]))
  }
  return q.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(filter.limit).execute()
}

/** Marks the alert acknowledged unless it already is; the first acknowledgement stands. */
export async function acknowledgeAlert(db: Executor, id: string, atMs: number, by: string | null): Promise<void> {
  await db.updateTable('alerts').set({ acknowledgedAt: atMs, acknowledgedBy: by }).where('id', '=', id).where('acknowledgedAt', 'is', null).execute()
}

/** The budget of each of these policies. */
export async function budgetsOfPolicies(db: Executor, policyIds: readonly string[]): Promise<string[]> {
  if (policyIds.length === 0) return []
  const rows = await db.selectFrom('policies').select('budgetId').distinct().where('id', 'in', policyIds).execute()
  return rows.map((r) => r.budgetId)
}

/** Budgets that have at least one enabled policy and are not archived. */
export async function budgetsWithPolicies(db: Executor): Promise<string[]> {
  const rows = await db
    .selectFrom('policies')
    .innerJoin('budgets', 'budgets.id', 'policies.budgetId')
    .select('policies.budgetId')
    .distinct()
    .where('policies.enabled', '=', 1)
    .where('budgets.archived', '=', 0)
    .orderBy('policies.budgetId')
    .execute()
  return rows.map((r) => r.budgetId)
}

export async function insertDelivery(db: Executor, row: DeliveryRow): Promise<void> {
  await db.insertInto('alertDeliveries').values(row).execute()
}

export interface DeliveryFilter {
  alertId?: string
  channelId?: string
  before?: { createdAt: number; id: string }
  limit: number
}

/** Delivery attempts newest first. */
export async function selectDeliveries(db: Executor, filter: DeliveryFilter): Promise<DeliveryRow[]> {
  let q = db.selectFrom('alertDeliveries').selectAll()
  if (filter.alertId !== undefined) q = q.where('alertId', '=', filter.alertId)
  if (filter.channelId !== undefined) q = q.where('channelId', '=', filter.channelId)
  const before = filter.before
  if (before !== undefined) {
    q = q.where((eb) => eb.or([eb('createdAt', '<', before.createdAt), eb.and([eb('createdAt', '=', before.createdAt), eb('id', '<', before.id)])]))
  }
  return q.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(filter.limit).execute()
}

/** A delivery whose last attempt said `retrying`: the next attempt has not been made. */
export interface WaitingRetry {
  alertId: string
  channelId: string
  /** The attempt that failed last. */
  attempt: number
  createdAt: number
}

/** Deliveries whose latest attempt, made at or after `sinceMs`, is still waiting for its retry. */
export async function waitingRetries(db: Executor, sinceMs: number): Promise<WaitingRetry[]> {
  const rows = await db
    .selectFrom('alertDeliveries as d')
    .select(['d.alertId', 'd.channelId', 'd.attempt', 'd.createdAt'])
    .where('d.status', '=', 'retrying')
    .where('d.alertId', 'is not', null)
    .where('d.createdAt', '>=', sinceMs)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('alertDeliveries as n')
            .select('n.id')
            .whereRef('n.alertId', '=', 'd.alertId')
            .whereRef('n.channelId', '=', 'd.channelId')
            .whereRef('n.attempt', '>', 'd.attempt'),
        ),
      ),
    )
    .orderBy('d.createdAt')
    .execute()
  return rows.map((r) => ({ alertId: r.alertId as string, channelId: r.channelId, attempt: r.attempt, createdAt: r.createdAt }))
}
