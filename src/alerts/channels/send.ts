/**
 * What a channel kind does with one alert, one attempt at a time. Every kind answers with
 * an outcome instead of throwing, and says whether another attempt could succeed (a
 * network failure, a timeout, 408, 429 and 5xx could; another 4xx won't).
 *
 * Retrying, backoff and the delivery log are the queue's (delivery-queue.ts).
 */
import type { Alert } from '../../domain/alert.js'
import type { ChannelKind } from '../../domain/channel.js'
import type { EventBus } from '../../events/bus.js'
import type { ChannelRow } from '../../store/channels.js'
import { sendLog } from './log.js'
import { sendSlack } from './slack.js'
import { sendWebhook } from './webhook.js'
import { sendWs } from './ws.js'

export interface AttemptOutcome {
  ok: boolean
  httpStatus: number | null
  error: string | null
  retryable: boolean
}

/** The logger the `log` channel writes to: pino's (and Fastify's) shape. */
export interface AlertLog {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
}

export interface SendContext {
  timeoutMs: number
  log: AlertLog
  events: EventBus
  /** 1 for the first attempt. */
  attempt: number
  /** A `POST /channels/{id}/test` delivery, not a real alert. */
  test: boolean
}

export type Send = (alert: Alert, channel: ChannelRow, context: SendContext) => Promise<AttemptOutcome>

export const SENDERS: Record<ChannelKind, Send> = { log: sendLog, webhook: sendWebhook, slack: sendSlack, ws: sendWs }
