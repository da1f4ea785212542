/**
 * From an engine result or failure to an MCP tool result.
 *
 * A value becomes `structuredContent` (the same object the REST API returns) with a short
 * text for people and, as the MCP spec asks for clients that read only text, the same
 * object serialized. A BudgetError becomes an `isError` result whose text is the API's
 * error envelope `{error: {code, message, details}}`; anything else is INTERNAL, its message
 * kept out of the result and handed to `onError`. Protocol misuse (unknown tool, arguments
 * that fail the input schema) is the SDK's to answer.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { ZodError } from 'zod'
import { BudgetError, type ErrorCode } from '../domain/errors.js'

export function successResult(value: object, summary: string): CallToolResult {
  return {
    content: [
      { type: 'text', text: summary },
      { type: 'text', text: JSON.stringify(value) },
    ],
    structuredContent: value as Record<string, unknown>,
  }
}

export function errorResult(code: ErrorCode, message: string, details: Record<string, unknown> = {}): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify({ error: { code, message, details } }) }], isError: true }
}

export function failureResult(error: unknown, onError: (error: unknown) => void): CallToolResult {
  if (error instanceof BudgetError) return errorResult(error.code, error.message, error.details)
  if (error instanceof ZodError) {
    const issues = error.issues.map((i) => ({ path: i.path.map(String), message: i.message }))
    return errorResult('VALIDATION_FAILED', `invalid arguments: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, { issues })
  }
  onError(error)
  return errorResult('INTERNAL', 'internal error; the server log has the details')
}
