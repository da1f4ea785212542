/**
 * One error envelope for the whole API: `{error: {code, message, details}}`. BudgetErrors
 * pass as they are; schema failures become VALIDATION_FAILED with the path of every
 * field at fault; Fastify's own client errors keep their status; anything else is a 500
 * whose stack is logged and whose message says nothing of the internals.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ZodError } from 'zod'
import { BudgetError, ERROR_STATUS, type ErrorCode } from '../domain/errors.js'

export interface Issue {
  path: (string | number)[]
  message: string
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
}

interface ValidationItem {
  instancePath?: string
  message?: string
}

function issuesFromValidation(context: string | undefined, items: ValidationItem[]): Issue[] {
  return items.map((item) => {
    const inner = (item.instancePath ?? '').split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p))
    return { path: context ? [context, ...inner] : inner, message: item.message ?? 'is invalid' }
  })
}

const describe = (issues: Issue[]) =>
  issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ')

export function toErrorBody(error: unknown): { status: number; body: { error: { code: ErrorCode; message: string; details: Record<string, unknown> } } } {
  if (error instanceof BudgetError) {
    return { status: error.status, body: { error: { code: error.code, message: error.message, details: error.details ?? {} } } }
  }
  if (error instanceof ZodError) {
    const issues = error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message }))
    return validationBody(issues)
  }
  const fastifyError = error as FastifyError & { validationContext?: string }
  if (Array.isArray(fastifyError.validation)) {
    return validationBody(issuesFromValidation(fastifyError.validationContext, fastifyError.validation as ValidationItem[]))
  }
  const status = fastifyError.statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    const code = CODE_BY_STATUS[status] ?? 'VALIDATION_FAILED'
    return { status: ERROR_STATUS[code] === status ? status : 400, body: { error: { code, message: fastifyError.message, details: {} } } }
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error; the server log has the details', details: {} } } }
}

function validationBody(issues: Issue[]) {
  return {
    status: 400,
    body: { error: { code: 'VALIDATION_FAILED' as const, message: `invalid request: ${describe(issues)}`, details: { issues } } },
  }
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toErrorBody(error)
    if (status >= 500) request.log.error({ err: error }, 'request failed')
    else request.log.info({ code: body.error.code, status }, 'request refused')
    return reply.status(status).send(body)
  })
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}`, details: {} } })
  })
}
