/**
 * The legacy Tekton message envelope of `POST /api/mcp/message`, as the original budget
 * component spoke it (snake_case, Python field names):
 *
 *   request  {message_id, sender, message_type, payload, timestamp?, reply_to?, timeout?}
 *   response {message_id, sender: "budget", message_type, timestamp, request_id, status:
 *             "success" | "error", payload, error}
 *
 * `request_id` echoes the request's `message_id`. Each request type answers with its own
 * response type (RESPONSE_TYPES); an unknown type answers `budget.error`.
 */
import { randomUUID } from 'node:crypto'
import { z } from 'zod'

export const MessageRequest = z
  .looseObject({
    message_id: z.string().max(200).optional(),
    sender: z.string().max(200).default('unknown'),
    message_type: z.string().min(1).max(200),
    payload: z.record(z.string(), z.unknown()).default({}),
  })
  .describe('A legacy Tekton MCP message')
export type MessageRequest = z.output<typeof MessageRequest>

export const MessageResponse = z.object({
  message_id: z.string(),
  sender: z.literal('budget'),
  message_type: z.string(),
  timestamp: z.string(),
  request_id: z.string().nullable(),
  status: z.enum(['success', 'error']),
  payload: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
})
export type MessageResponse = z.infer<typeof MessageResponse>

export const RESPONSE_TYPES = {
  'budget.allocate_tokens': 'budget.allocation_response',
  'budget.check_budget': 'budget.check_response',
  'budget.record_usage': 'budget.usage_response',
  'budget.get_budget_status': 'budget.status_response',
  'budget.get_model_recommendations': 'budget.recommendations_response',
  'budget.route_with_budget_awareness': 'budget.routing_response',
  'budget.get_usage_analytics': 'budget.analytics_response',
} as const
export type MessageType = keyof typeof RESPONSE_TYPES

export const isMessageType = (type: string): type is MessageType => Object.hasOwn(RESPONSE_TYPES, type)

export function respond(request: MessageRequest, messageType: string, outcome: { payload: Record<string, unknown>; error?: string | null }): MessageResponse {
  return {
    message_id: randomUUID(),
    sender: 'budget',
    message_type: messageType,
    timestamp: new Date().toISOString(),
    request_id: request.message_id ?? null,
    status: outcome.error ? 'error' : 'success',
    payload: outcome.payload,
    error: outcome.error ?? null,
  }
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/** Our camelCase objects in the old snake_case, all the way down (arrays included). */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), snakeKeys(v)]))
}
