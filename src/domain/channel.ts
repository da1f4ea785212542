/**
 * Notification channels: where alerts go. A channel serves one budget or, without a
 * budget, every alert (price alerts included), and may narrow what it takes by severity
 * and type. Kinds: `log` (the service log), `webhook` (JSON signed with the channel's
 * secret), `slack` (a Slack-compatible incoming webhook) and `ws` (live WebSocket
 * clients, topic budget_alerts).
 *
 * A webhook's secret is shown once, when the channel is created; reads say only whether
 * there is one.
 */
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { AlertSeverity, AlertType } from './alert.js'
import { Cursor, Timestamp } from './common.js'
import { sortableId } from './sortable-id.js'

export const ChannelKind = z.enum(['log', 'webhook', 'slack', 'ws'])
export type ChannelKind = z.infer<typeof ChannelKind>

const httpUrl = z.url({ protocol: /^https?$/ }).max(2000)

const channelFields = {
  name: z.string().trim().min(1).max(200),
  budgetId: z.string().min(1).max(200).nullable().optional().describe('Budget id or name; absent or null = every alert'),
  url: httpUrl.optional().describe('Where webhook and slack channels POST'),
  secret: z.string().min(16).max(200).optional().describe('webhook: HMAC-SHA256 key of X-Budget-Signature (generated when absent)'),
  minSeverity: AlertSeverity.optional().describe('Only alerts at least this severe (default info: all)'),
  types: z.array(AlertType).max(7).optional().describe('Only these alert types (default: all)'),
  enabled: z.boolean().optional(),
}

type ChannelShape = { kind?: ChannelKind; url?: string | undefined }

/** Rules that span fields; applied to a new channel and to a channel after an update. */
export function channelProblems(c: ChannelShape): { path: string[]; message: string }[] {
  if ((c.kind === 'webhook' || c.kind === 'slack') && c.url === undefined) {
    return [{ path: ['url'], message: `a ${c.kind} channel needs url` }]
  }
  if ((c.kind === 'log' || c.kind === 'ws') && c.url !== undefined) return [{ path: ['url'], message: `a ${c.kind} channel takes no url` }]
  return []
}

export const ChannelInput = z
  .object({ kind: ChannelKind, ...channelFields })
  .superRefine((c, ctx) => {
    for (const problem of channelProblems(c)) ctx.addIssue({ code: 'custom', ...problem })
    if (c.secret !== undefined && c.kind !== 'webhook') ctx.addIssue({ code: 'custom', path: ['secret'], message: 'only a webhook channel has a secret' })
  })
  .describe('Where alerts go: the log, a webhook, Slack, or WebSocket clients')
export type ChannelInput = z.infer<typeof ChannelInput>

export const ChannelUpdate = z.object(channelFields).partial()
export type ChannelUpdate = z.infer<typeof ChannelUpdate>

export const Channel = z.object({
  id: z.string(),
  name: z.string(),
  kind: ChannelKind,
  budgetId: z.string().nullable(),
  url: z.string().nullable(),
  hasSecret: z.boolean(),
  minSeverity: AlertSeverity,
  types: z.array(AlertType),
  enabled: z.boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
})
export type Channel = z.infer<typeof Channel>

export const CreatedChannel = Channel.extend({ secret: z.string().nullable().describe('webhook: the signing secret, shown only once') })
export type CreatedChannel = z.infer<typeof CreatedChannel>

export const DeliveryStatus = z.enum(['delivered', 'failed', 'retrying'])
export type DeliveryStatus = z.infer<typeof DeliveryStatus>

export const Delivery = z
  .object({
    id: z.string(),
    alertId: z.string().nullable().describe('null for a test delivery'),
    channelId: z.string(),
    attempt: z.number().int().describe('1 for the first attempt'),
    status: DeliveryStatus.describe('retrying: this attempt failed and another is scheduled'),
    httpStatus: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
    createdAt: Timestamp,
  })
  .describe('One attempt to deliver one alert to one channel')
export type Delivery = z.infer<typeof Delivery>

export const DeliveryQuery = z.object({
  alertId: z.string().max(200).optional(),
  channelId: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: Cursor,
})
export type DeliveryQuery = z.infer<typeof DeliveryQuery>

export const DeliveryPage = z.object({ items: z.array(Delivery), nextCursor: z.string().nullable() })
export type DeliveryPage = z.infer<typeof DeliveryPage>

export const ChannelTestResult = z.object({
  ok: z.boolean(),
  httpStatus: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
})
export type ChannelTestResult = z.infer<typeof ChannelTestResult>

export const newChannelId = () => sortableId('chn')
export const newDeliveryId = () => sortableId('dlv')
/** A webhook signing secret: 32 random bytes, hex. */
export const newChannelSecret = () => `whsec_${randomBytes(32).toString('hex')}`
