/**
 * From stored alert and delivery rows to what the API returns: instants as ISO strings,
 * money as decimal USD (value and limit are stored as integers in the metric's unit).
 */
import { type Alert, type AlertMetric, type AlertSeverity, type AlertType, DEFAULT_SEVERITY, newAlertId } from '../domain/alert.js'
import type { Delivery, DeliveryStatus } from '../domain/channel.js'
import { nanoToUsd } from '../domain/money.js'
import type { AlertRow, DeliveryRow } from '../store/alerts.js'

/** An alert about to be raised; value and limit in the metric's integer unit (tokens, nano-USD). */
export interface NewAlert {
  dedupKey: string
  budgetId: string | null
  policyId: string | null
  type: AlertType
  severity?: AlertSeverity
  windowStartMs: number | null
  windowEndMs: number | null
  metric: AlertMetric | null
  value: number | null
  limit: number | null
  message: string
  details: Record<string, unknown>
}

export function toAlertRow(alert: NewAlert, nowMs: number): AlertRow {
  return {
    id: newAlertId(),
    dedupKey: alert.dedupKey,
    budgetId: alert.budgetId,
    policyId: alert.policyId,
    type: alert.type,
    severity: alert.severity ?? DEFAULT_SEVERITY[alert.type],
    windowStart: alert.windowStartMs,
    windowEnd: alert.windowEndMs,
    metric: alert.metric,
    value: alert.value,
    limitValue: alert.limit,
    message: alert.message,
    details: JSON.stringify(alert.details),
    createdAt: nowMs,
    acknowledgedAt: null,
    acknowledgedBy: null,
  }
}

const iso = (ms: number | string | null) => (ms === null ? null : new Date(Number(ms)).toISOString())

/** An amount stored in the metric's integer unit, as the API shows it. */
export function fromStoredAmount(metric: AlertMetric | null, amount: number | string | null): number | null {
  if (amount === null) return null
  return metric === 'cost' || metric === 'price' ? nanoToUsd(Number(amount)) : Number(amount)
}

export function toAlert(row: AlertRow): Alert {
  const metric = row.metric as AlertMetric | null
  return {
    id: row.id,
    budgetId: row.budgetId,
    policyId: row.policyId,
    type: row.type as AlertType,
    severity: row.severity as AlertSeverity,
    windowStart: iso(row.windowStart),
    windowEnd: iso(row.windowEnd),
    metric,
    value: fromStoredAmount(metric, row.value),
    limit: fromStoredAmount(metric, row.limitValue),
    message: row.message,
    details: JSON.parse(row.details) as Record<string, unknown>,
    createdAt: iso(row.createdAt) as string,
    acknowledgedAt: iso(row.acknowledgedAt),
    acknowledgedBy: row.acknowledgedBy,
  }
}

export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    alertId: row.alertId,
    channelId: row.channelId,
    attempt: Number(row.attempt),
    status: row.status as DeliveryStatus,
    httpStatus: row.httpStatus === null ? null : Number(row.httpStatus),
    error: row.error,
    durationMs: Number(row.durationMs),
    createdAt: iso(row.createdAt) as string,
  }
}

/** Keyset cursors over (createdAt, id), opaque to callers. */
export const encodeCursor = (key: { createdAt: number; id: string }) => Buffer.from(JSON.stringify([key.createdAt, key.id])).toString('base64url')

export function decodeCursor(cursor: string): { createdAt: number; id: string } | null {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [unknown, unknown]
    if (typeof createdAt === 'number' && typeof id === 'string') return { createdAt, id }
  } catch {
    // a damaged cursor is reported by the caller like any other it did not give out
  }
  return null
}
