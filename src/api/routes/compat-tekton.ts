import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { dispatchMessage } from '../../compat/tekton/dispatch.js'
import type { Adapters } from '../../compat/tekton/handlers.js'
import { MessageRequest, MessageResponse } from '../../compat/tekton/messages.js'

/** The legacy Tekton message API: old callers' `budget.*` messages, answered in the old shapes. */
export function compatTektonRoutes(app: FastifyInstance, adapters: Adapters): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/mcp/message',
    {
      schema: {
        tags: ['compat: tekton'],
        summary: 'Legacy Tekton MCP message (budget.allocate_tokens, budget.check_budget, …)',
        description:
          'Always 200 once the envelope is valid: a failure is status "error" in the response, and an unknown message_type answers message_type "budget.error".',
        body: MessageRequest,
        response: { 200: MessageResponse },
      },
    },
    (req) => dispatchMessage(adapters, req.body, req.log),
  )
}
