/**
 * One legacy message in, one response out: the type picks the handler, a handler's
 * failure becomes an `error` response of the handler's type (the old API never answered
 * a message with an HTTP error), and an unknown type answers `budget.error`. Failures that
 * are not the caller's (BudgetError INTERNAL, anything unexpected) are logged and answered
 * without internals.
 */
import { ZodError } from 'zod'
import { BudgetError } from '../../domain/errors.js'
import { type Adapters, HANDLERS } from './handlers.js'
import { isMessageType, type MessageRequest, type MessageResponse, RESPONSE_TYPES, respond } from './messages.js'

export interface DispatchLog {
  error(details: object, message: string): void
}

export async function dispatchMessage(adapters: Adapters, message: MessageRequest, log: DispatchLog): Promise<MessageResponse> {
  const type = message.message_type
  if (!isMessageType(type)) return respond(message, 'budget.error', { payload: {}, error: `Unknown message type: ${type}` })
  const responseType = RESPONSE_TYPES[type]
  try {
    return respond(message, responseType, await HANDLERS[type](adapters, message))
  } catch (error) {
    return respond(message, responseType, { payload: {}, error: describe(error, log, type) })
  }
}

function describe(error: unknown, log: DispatchLog, type: string): string {
  if (error instanceof ZodError) return `invalid payload: ${error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ')}`
  if (error instanceof BudgetError && error.status < 500) return error.message
  log.error({ err: error, messageType: type }, 'legacy message failed')
  return 'internal error; the server log has the details'
}
