/**
 * Price alerts — `price_change`, `price_conflict`, `source_failure` — raised by the price
 * monitor through the same path as budget alerts: deduplicated by key, stored, delivered
 * to the channels that take them (global channels; a price alert has no budget).
 *
 * Two ways in: `raisePriceAlert(engine, input)` for code that holds the engine, or — for
 * code below alerts in the dependency order (pricing/, engine/) — publishing
 * `{type: 'price.alert', topic: 'price_updates', payload: PriceAlertInput}` on the bus.
 */
import { type Alert, PriceAlertInput } from '../domain/alert.js'
import { usdToNano } from '../domain/money.js'
import type { NewAlert } from './alert-record.js'
import type { Alerting } from './alerting.js'
import { priceDedupKey } from './dedup.js'

const DAY_MS = 86_400_000

/**
 * Raises a price alert unless the same one (same dedupKey; by default the same type,
 * source, provider and model on the same UTC day) was raised before. Resolves with the
 * alert, or null when it already existed. Throws VALIDATION_FAILED on a malformed input.
 */
export function raisePriceAlert(target: { alerts: Alerting } | Alerting, input: PriceAlertInput): Promise<Alert | null> {
  const alerting = 'alerts' in target ? target.alerts : target
  return alerting.raisePriceAlert(input)
}

/** The alert a price event calls for. Value and limit arrive as USD per million tokens. */
export function priceAlertOf(raw: PriceAlertInput, nowMs: number): NewAlert {
  const input = PriceAlertInput.parse(raw)
  const atMs = input.at === undefined ? nowMs : Date.parse(input.at)
  const dayStart = Math.floor(atMs / DAY_MS) * DAY_MS
  const subject = `${input.source ?? ''}:${input.provider ?? ''}/${input.model ?? ''}`
  const hasAmount = input.value !== undefined || input.limit !== undefined
  return {
    dedupKey: priceDedupKey(input.dedupKey ?? `${input.type}:${subject}:${dayStart}`),
    budgetId: null,
    policyId: null,
    type: input.type,
    ...(input.severity !== undefined && { severity: input.severity }),
    windowStartMs: input.dedupKey === undefined ? dayStart : null,
    windowEndMs: input.dedupKey === undefined ? dayStart + DAY_MS : null,
    metric: hasAmount ? 'price' : null,
    value: input.value === undefined ? null : usdToNano(input.value),
    limit: input.limit === undefined ? null : usdToNano(input.limit),
    message: input.message,
    details: {
      ...input.details,
      ...(input.provider !== undefined && { provider: input.provider }),
      ...(input.model !== undefined && { model: input.model }),
      ...(input.source !== undefined && { source: input.source }),
    },
  }
}
