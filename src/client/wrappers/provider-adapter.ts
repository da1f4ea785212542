/**
 * What the SDK-client wrapper needs to know of one provider's HTTP API: which requests
 * are LLM calls, what a request asks for, and where a response reports its usage, in a
 * JSON body or in server-sent events.
 */
import type { CallUsage } from './guard.js'
import type { TokenCounter } from './token-count.js'

export interface RequestEstimate {
  model: string
  inputTokens: number
  maxOutputTokens: number | undefined
}

export interface UsageTracker {
  /** A whole JSON response body. */
  json(body: unknown): void
  /** One server-sent event, its data still text. */
  event(event: string | undefined, data: string): void
  /** The usage the response reported; null when it reported none. */
  usage(): CallUsage | null
  /** Text generated so far: what an estimated commit counts when no usage came. */
  readonly outputText: string
}

export interface ProviderAdapter {
  /** The provider as the price catalog names it. */
  readonly provider: string
  /** Whether a request is an LLM call to budget; `path` has no query string. */
  budgets(method: string, path: string): boolean
  /** Reads what the request asks for; may change the body so that a stream reports its usage. */
  prepare(body: Record<string, unknown>, count: TokenCounter): RequestEstimate
  tracker(): UsageTracker
}

export const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined)

export const obj = (value: unknown): Record<string, unknown> => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {})

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
