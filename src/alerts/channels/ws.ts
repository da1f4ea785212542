/**
 * The `ws` channel: the alert goes on the event bus, topic budget_alerts, as
 * `alert.raised` (`alert.test` for a channel test); api/ws.ts pushes it to every
 * WebSocket client subscribed to that topic (and budget).
 */
import type { Alert } from '../../domain/alert.js'
import type { ChannelRow } from '../../store/channels.js'
import type { AttemptOutcome, SendContext } from './send.js'

export async function sendWs(alert: Alert, _channel: ChannelRow, context: SendContext): Promise<AttemptOutcome> {
  context.events.publish({ type: context.test ? 'alert.test' : 'alert.raised', topic: 'budget_alerts', budgetId: alert.budgetId, payload: alert })
  return { ok: true, httpStatus: null, error: null, retryable: false }
}
