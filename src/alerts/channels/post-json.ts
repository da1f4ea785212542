/**
 * One HTTP POST of a JSON body for the webhook and Slack channels, with a timeout, turned
 * into an attempt outcome. Redirects are not followed: a webhook that moved is a failure
 * its owner should see, not a request sent somewhere nobody configured.
 */
import { VERSION } from '../../version.js'
import type { AttemptOutcome } from './send.js'

const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500

export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<AttemptOutcome> {
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': `tekton-budget/${VERSION}`, ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError'
    return { ok: false, httpStatus: null, error: timedOut ? `no answer within ${timeoutMs} ms` : networkMessage(error), retryable: true }
  }
  // The answer's body is not used; reading it frees the connection for the next delivery.
  await response.arrayBuffer().catch(() => undefined)
  if (response.ok) return { ok: true, httpStatus: response.status, error: null, retryable: false }
  return { ok: false, httpStatus: response.status, error: `answered ${response.status} ${response.statusText}`.trim(), retryable: isRetryableStatus(response.status) }
}

function networkMessage(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown; code?: unknown } } | undefined)?.cause
  if (typeof cause?.message === 'string') return typeof cause.code === 'string' ? `${cause.code}: ${cause.message}` : cause.message
  return error instanceof Error ? error.message : String(error)
}
