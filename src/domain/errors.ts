/**
 * The error catalog: every failure the API, CLI and MCP report has a stable code here,
 * and one class carries it. Surfaces map it to their own form (HTTP status, exit code,
 * isError result); nothing else invents codes.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const satisfies Record<string, number>

export type ErrorCode = keyof typeof ERROR_STATUS

export class BudgetError extends Error {
  override readonly name = 'BudgetError'

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }

  get status(): number {
    return ERROR_STATUS[this.code]
  }
}

export const notFound = (kind: string, id: string) =>
  new BudgetError('NOT_FOUND', `${kind} ${id} does not exist`, { kind, id })

export const conflict = (message: string, details?: Record<string, unknown>) =>
  new BudgetError('CONFLICT', message, details)

export const invalid = (message: string, details?: Record<string, unknown>) =>
  new BudgetError('VALIDATION_FAILED', message, details)
