/**
 * Reading alerts and the delivery log back, newest first with a keyset cursor, and
 * acknowledging an alert (the first acknowledgement stands; repeating it changes nothing).
 */
import type { Alert, AlertPage, AlertQuery } from '../domain/alert.js'
import type { DeliveryPage, DeliveryQuery } from '../domain/channel.js'
import { BudgetError, notFound } from '../domain/errors.js'
import { requireBudget } from '../engine/budgets.js'
import type { EngineContext } from '../engine/context.js'
import { acknowledgeAlert, findAlert, selectAlerts, selectDeliveries } from '../store/alerts.js'
import { findChannel } from '../store/channels.js'
import { decodeCursor, encodeCursor, toAlert, toDelivery } from './alert-record.js'

function cursorKey(cursor: string | undefined) {
  if (cursor === undefined) return undefined
  const key = decodeCursor(cursor)
  if (key === null) throw new BudgetError('VALIDATION_FAILED', `cursor ${cursor} is not one this server gave out`, { path: ['cursor'] })
  return key
}

function page<R extends { createdAt: number | string; id: string }, T>(rows: R[], limit: number, map: (row: R) => T): { items: T[]; nextCursor: string | null } {
  const shown = rows.slice(0, limit)
  const last = shown.at(-1)
  const nextCursor = rows.length > limit && last ? encodeCursor({ createdAt: Number(last.createdAt), id: last.id }) : null
  return { items: shown.map(map), nextCursor }
}

export async function listAlerts(ctx: EngineContext, query: AlertQuery): Promise<AlertPage> {
  const db = ctx.store.db
  const before = cursorKey(query.cursor)
  const rows = await selectAlerts(db, {
    ...(query.budgetId !== undefined && { budgetId: (await requireBudget(db, query.budgetId)).id }),
    ...(query.policyId !== undefined && { policyId: query.policyId }),
    ...(query.type !== undefined && { type: query.type }),
    ...(query.severity !== undefined && { severity: query.severity }),
    ...(query.acknowledged !== undefined && { acknowledged: query.acknowledged }),
    ...(before !== undefined && { before }),
    limit: query.limit + 1,
  })
  return page(rows, query.limit, toAlert)
}

export async function getAlert(ctx: EngineContext, id: string): Promise<Alert> {
  const row = await findAlert(ctx.store.db, id)
  if (!row) throw notFound('alert', id)
  return toAlert(row)
}

export async function acknowledge(ctx: EngineContext, id: string, by: string | null): Promise<Alert> {
  return ctx.store.writes.write(async (trx) => {
    if (!(await findAlert(trx, id))) throw notFound('alert', id)
    await acknowledgeAlert(trx, id, ctx.now(), by)
    return toAlert((await findAlert(trx, id)) as NonNullable<Awaited<ReturnType<typeof findAlert>>>)
  })
}

/** Delivery attempts; an alertId or channelId that names nothing is NOT_FOUND. */
export async function listDeliveries(ctx: EngineContext, query: DeliveryQuery): Promise<DeliveryPage> {
  const before = cursorKey(query.cursor)
  if (query.alertId !== undefined && !(await findAlert(ctx.store.db, query.alertId))) throw notFound('alert', query.alertId)
  if (query.channelId !== undefined && !(await findChannel(ctx.store.db, query.channelId))) throw notFound('channel', query.channelId)
  const rows = await selectDeliveries(ctx.store.db, {
    ...(query.alertId !== undefined && { alertId: query.alertId }),
    ...(query.channelId !== undefined && { channelId: query.channelId }),
    ...(before !== undefined && { before }),
    limit: query.limit + 1,
  })
  return page(rows, query.limit, toDelivery)
}
