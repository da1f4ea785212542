/**
 * Alerts: what was noticed about a budget (a threshold reached, a limit passed, a window
 * about to run out) or about prices (a change, sources that disagree, a feed that fails).
 *
 * One alert per policy, window and type: `windowStart` names the window, and the store
 * keeps a unique key over the three so that two instances never raise the same alert.
 */
import { z } from 'zod'
import { Cursor, Timestamp } from './common.js'
import { sortableId } from './sortable-id.js'

export const AlertType = z.enum(['warning', 'action', 'exceeded', 'forecast', 'price_change', 'price_conflict', 'source_failure'])
export type AlertType = z.infer<typeof AlertType>

export const BUDGET_ALERT_TYPES = ['warning', 'action', 'exceeded', 'forecast'] as const satisfies readonly AlertType[]
export const PRICE_ALERT_TYPES = ['price_change', 'price_conflict', 'source_failure'] as const satisfies readonly AlertType[]
export type PriceAlertType = (typeof PRICE_ALERT_TYPES)[number]

export const AlertSeverity = z.enum(['info', 'warning', 'critical'])
export type AlertSeverity = z.infer<typeof AlertSeverity>

const SEVERITY_RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 }

/** Whether an alert of severity `has` is at least as severe as `atLeast`. */
export const severityAtLeast = (has: AlertSeverity, atLeast: AlertSeverity) => SEVERITY_RANK[has] >= SEVERITY_RANK[atLeast]

/** The severity each type has unless its raiser says otherwise. */
export const DEFAULT_SEVERITY: Record<AlertType, AlertSeverity> = {
  warning: 'warning',
  action: 'critical',
  exceeded: 'critical',
  forecast: 'warning',
  price_change: 'info',
  price_conflict: 'warning',
  source_failure: 'warning',
}

export const AlertMetric = z.enum(['tokens', 'cost', 'price']).describe('What `value` and `limit` count: tokens, decimal USD, or USD per million tokens')
export type AlertMetric = z.infer<typeof AlertMetric>

export const Alert = z
  .object({
    id: z.string(),
    budgetId: z.string().nullable().describe('null for price alerts'),
    policyId: z.string().nullable().describe('null for price alerts'),
    type: AlertType,
    severity: AlertSeverity,
    windowStart: Timestamp.nullable().describe('Start of the window the alert is about; null for session and price alerts'),
    windowEnd: Timestamp.nullable(),
    metric: AlertMetric.nullable(),
    value: z.number().nullable().describe('Used (tokens or USD) when the alert was raised; forecast: projected at window end'),
    limit: z.number().nullable(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
    createdAt: Timestamp,
    acknowledgedAt: Timestamp.nullable(),
    acknowledgedBy: z.string().nullable(),
  })
  .describe('Something a person should hear about: one per policy, window and type')
export type Alert = z.infer<typeof Alert>


export const AlertQuery = z.object({
  budgetId: z.string().max(200).optional().describe('Budget id or name'),
  policyId: z.string().max(200).optional(),
  type: AlertType.optional(),
  severity: AlertSeverity.optional(),
  acknowledged: z.stringbool().optional().describe('true: only acknowledged alerts; false: only open ones'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: Cursor,
})
export type AlertQuery = z.infer<typeof AlertQuery>

export const AlertPage = z.object({ items: z.array(Alert), nextCursor: z.string().nullable() })
export type AlertPage = z.infer<typeof AlertPage>

export const AlertAck = z.object({ by: z.string().trim().min(1).max(200).optional().describe('Who acknowledges (default: the API key name)') })
export type AlertAck = z.infer<typeof AlertAck>

export const AlertCheckRequest = z.object({ budgetId: z.string().min(1).max(200).optional().describe('Budget id or name; absent = every budget') })
export type AlertCheckRequest = z.infer<typeof AlertCheckRequest>

export const AlertCheckResult = z.object({
  evaluated: z.number().int().describe('Budgets evaluated'),
  raised: z.array(Alert).describe('Alerts that did not exist before this evaluation'),
})
export type AlertCheckResult = z.infer<typeof AlertCheckResult>

/** What the price monitor hands to `raisePriceAlert`. */
export const PriceAlertInput = z.object({
  type: z.enum(PRICE_ALERT_TYPES),
  message: z.string().min(1).max(2000),
  severity: AlertSeverity.optional(),
  provider: z.string().max(200).optional(),
  model: z.string().max(200).optional(),
  source: z.string().max(200).optional(),
  /** USD per million tokens, e.g. the new price */
  value: z.number().finite().nonnegative().optional(),
  /** USD per million tokens, e.g. the old price or the other source's price */
  limit: z.number().finite().nonnegative().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  /**
   * What makes two raises the same alert. Default: type, source, provider and model, once
   * a UTC day. A price change would pass its change id so that each change alerts once.
   */
  dedupKey: z.string().min(1).max(500).optional(),
  at: Timestamp.optional(),
})
export type PriceAlertInput = z.input<typeof PriceAlertInput>

/** A new alert id: `alr_…`, increasing within a process. */
export const newAlertId = () => sortableId('alr')
