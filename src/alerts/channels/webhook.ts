/**
 * The generic `webhook` channel: POSTs `{type, alert, timestamp}` as JSON, signed with the
 * channel's secret — `X-Budget-Signature: sha256=<hex HMAC-SHA256 of the raw body>` — so
 * the receiver can tell it came from here. Every attempt sends the same bytes, and
 * `X-Budget-Alert-Id` lets a receiver drop a retry of something it already took.
 */
import { createHmac } from 'node:crypto'
import type { Alert } from '../../domain/alert.js'
import type { ChannelRow } from '../../store/channels.js'
import { postJson } from './post-json.js'
import type { AttemptOutcome, SendContext } from './send.js'

/** `sha256=<hex>`: HMAC-SHA256 of the raw body, keyed with the channel secret. */
export const signatureOf = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`

export async function sendWebhook(alert: Alert, channel: ChannelRow, context: SendContext): Promise<AttemptOutcome> {
  if (channel.url === null) return { ok: false, httpStatus: null, error: 'the channel has no url', retryable: false }
  const type = context.test ? 'alert.test' : 'alert.raised'
  const body = JSON.stringify({ type, alert, timestamp: alert.createdAt })
  const headers: Record<string, string> = {
    'x-budget-event': type,
    'x-budget-alert-id': alert.id,
    'x-budget-delivery-attempt': String(context.attempt),
  }
  if (channel.secret !== null) headers['x-budget-signature'] = signatureOf(channel.secret, body)
  return postJson(channel.url, body, headers, context.timeoutMs)
}
