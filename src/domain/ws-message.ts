/**
 * The live-event protocol of `/ws`. Every server message is `{type, topic, payload,
 * timestamp}`: events carry their topic, replies to the client (`welcome`,
 * `authenticated`, `subscribed`, `unsubscribed`, `pong`, `error`) carry topic null.
 *
 * A client sends `subscribe` / `unsubscribe` (topics, optionally narrowed to one budget),
 * `auth` (an API key; read role suffices) and `ping`. A message that is not one of these
 * gets an `error` reply; the connection stays open.
 */
import { z } from 'zod'

export const LiveTopic = z.enum(['budget_events', 'budget_alerts', 'allocation_updates', 'price_updates', 'usage'])
export type LiveTopic = z.infer<typeof LiveTopic>

export const ClientMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('subscribe'),
    topics: z.array(LiveTopic).min(1).max(5),
    budgetId: z.string().min(1).max(200).optional().describe('Only events of this budget (id or name)'),
  }),
  z.object({
    type: z.literal('unsubscribe'),
    topics: z.array(LiveTopic).max(5).optional().describe('Default: every topic'),
    budgetId: z.string().min(1).max(200).optional().describe('Only stop this budget'),
  }),
  z.object({ type: z.literal('auth'), apiKey: z.string().min(1).max(500) }),
  z.object({ type: z.literal('ping'), id: z.union([z.string().max(200), z.number()]).optional() }),
])
export type ClientMessage = z.infer<typeof ClientMessage>

export const CONTROL_TYPES = ['welcome', 'authenticated', 'subscribed', 'unsubscribed', 'pong', 'error'] as const

export const ServerMessage = z.object({
  type: z.string().describe('Event type (usage.recorded, alert.raised, budget.check, …) or a reply (welcome, pong, error, …)'),
  topic: LiveTopic.nullable().describe('The event topic; null for replies'),
  payload: z.unknown(),
  timestamp: z.string(),
})
export type ServerMessage = z.infer<typeof ServerMessage>

/** What `subscribed` and `unsubscribed` report: each topic, and the budgets it is narrowed to (null: all). */
export const Subscription = z.object({ topic: LiveTopic, budgetIds: z.array(z.string()).nullable() })
export type Subscription = z.infer<typeof Subscription>

/** Close codes the server uses besides the standard ones. */
export const CLOSE_CODES = {
  /** No valid API key in time, or too many invalid ones. */
  unauthenticated: 4401,
} as const
