/**
 * Fetching feed documents politely and safely, over Node's built-in fetch.
 *
 * - a timeout per attempt covering headers and body;
 * - retries with exponential backoff and jitter on network failures, timeouts, cut-off
 *   bodies, 429 and 5xx (a Retry-After up to a minute is honoured); other 4xx fail at once;
 * - a per-host rate limit: requests to one host start at least `minIntervalMs` apart;
 * - conditional requests: the caller passes the ETag / Last-Modified of the copy it holds
 *   and gets `not_modified` on 304;
 * - a size cap: a declared Content-Length over it is refused unread, a body is cut off as it
 *   passes it; neither is retried.
 *
 * Does not parse (sources/*) and keeps no document: the caller stores what it read.
 */
import { VERSION } from '../version.js'

export interface FetchOptions {
  /** Per attempt, headers and body. */
  timeoutMs: number
  /** Attempts after the first. */
  retries: number
  /** First backoff step; doubles each attempt, with jitter. */
  backoffMs: number
  maxBytes: number
  /** Least time between two requests to one host. */
  minIntervalMs: number
  maxRetryAfterMs: number
}

const DEFAULT_FETCH: FetchOptions = {
  timeoutMs: 30_000,
  retries: 2,
  backoffMs: 1_000,
  maxBytes: 32 * 1024 * 1024,
  minIntervalMs: 1_000,
  maxRetryAfterMs: 60_000,
}

export interface Validators {
  etag: string | null
  lastModified: string | null
}

export type FetchResult = { status: 'ok'; body: string; validators: Validators } | { status: 'not_modified' }

export type FetchFailure = 'timeout' | 'too_large' | 'http' | 'network'

export class FeedFetchError extends Error {
  override readonly name = 'FeedFetchError'

  constructor(
    readonly reason: FetchFailure,
    readonly url: string,
    message: string,
    readonly status: number | null = null,
    options?: ErrorOptions & { retryAfterMs?: number | null },
  ) {
    super(message, options)
    this.retryAfterMs = options?.retryAfterMs ?? null
  }

  /** What the server asked for in Retry-After, if anything. */
  readonly retryAfterMs: number | null

  /** Worth another attempt: the next one may succeed. */
  get isTransient(): boolean {
    return this.reason === 'timeout' || this.reason === 'network' || (this.status !== null && (this.status === 429 || this.status >= 500))
  }
}

/** The clock the fetcher waits by; tests hand in their own. */
export interface Timers {
  now(): number
  sleep(ms: number): Promise<void>
}

const REAL_TIMERS: Timers = { now: Date.now, sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)) }

export class FeedFetcher {
  readonly #options: FetchOptions
  readonly #timers: Timers
  readonly #nextAt = new Map<string, number>()

  constructor(options: Partial<FetchOptions> = {}, timers: Timers = REAL_TIMERS) {
    this.#options = { ...DEFAULT_FETCH, ...options }
    this.#timers = timers
  }

  /** @throws FeedFetchError once every attempt has failed. */
  async fetch(url: string, validators?: Validators): Promise<FetchResult> {
    for (let attempt = 0; ; attempt++) {
      let retryAfterMs: number | null
      try {
        await this.#waitForHost(url)
        return await this.#attempt(url, validators)
      } catch (error) {
        const failure = error instanceof FeedFetchError ? error : new FeedFetchError('network', url, `${url}: ${describe(error)}`, null, { cause: error })
        if (attempt >= this.#options.retries || !failure.isTransient) throw failure
        retryAfterMs = failure.retryAfterMs
      }
      const ceiling = this.#options.backoffMs * 2 ** attempt
      await this.#timers.sleep(retryAfterMs !== null && retryAfterMs <= this.#options.maxRetryAfterMs ? retryAfterMs : ceiling / 2 + Math.random() * (ceiling / 2))
    }
  }

  async #waitForHost(url: string): Promise<void> {
    const host = new URL(url).host
    const now = this.#timers.now()
    const at = Math.max(now, this.#nextAt.get(host) ?? 0)
    this.#nextAt.set(host, at + this.#options.minIntervalMs)
    if (at > now) await this.#timers.sleep(at - now)
  }

  async #attempt(url: string, validators: Validators | undefined): Promise<FetchResult> {
    const headers: Record<string, string> = { 'user-agent': `tekton-budget/${VERSION} price-monitor`, accept: 'application/json, text/html;q=0.9, */*;q=0.5' }
    if (validators?.etag) headers['if-none-match'] = validators.etag
    if (validators?.lastModified) headers['if-modified-since'] = validators.lastModified
    const signal = AbortSignal.timeout(this.#options.timeoutMs)
    let response: Response
    try {
      response = await fetch(url, { headers, signal, redirect: 'follow' })
    } catch (error) {
      throw this.#networkFailure(url, error, signal)
    }
    if (response.status === 304) {
      await response.body?.cancel()
      return { status: 'not_modified' }
    }
    if (!response.ok) {
      await response.body?.cancel()
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
      throw new FeedFetchError('http', url, `${url} answered ${response.status} ${response.statusText}`.trim(), response.status, { retryAfterMs })
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN)
    if (declared > this.#options.maxBytes) {
      await response.body?.cancel()
      throw new FeedFetchError('too_large', url, `${url} is ${declared} bytes, over the ${this.#options.maxBytes}-byte limit`)
    }
    const body = await this.#readBody(url, response, signal)
    return { status: 'ok', body, validators: { etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified') } }
  }

  async #readBody(url: string, response: Response, signal: AbortSignal): Promise<string> {
    if (response.body === null) return ''
    const reader = response.body.getReader()
    const chunks: Uint8Array[] = []
    let size = 0
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        size += value.byteLength
        if (size > this.#options.maxBytes) {
          await reader.cancel()
          throw new FeedFetchError('too_large', url, `${url} passed the ${this.#options.maxBytes}-byte limit while being read`)
        }
        chunks.push(value)
      }
    } catch (error) {
      if (error instanceof FeedFetchError) throw error
      throw this.#networkFailure(url, error, signal)
    }
    return new TextDecoder().decode(Buffer.concat(chunks))
  }

  #networkFailure(url: string, error: unknown, signal: AbortSignal): FeedFetchError {
    if (signal.aborted) return new FeedFetchError('timeout', url, `${url}: no complete answer within ${this.#options.timeoutMs} ms`, null, { cause: error })
    return new FeedFetchError('network', url, `${url}: ${describe(error)}`, null, { cause: error })
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown; code?: unknown } } | undefined)?.cause
  if (typeof cause?.message === 'string') return cause.message
  return error instanceof Error ? error.message : String(error)
}

function parseRetryAfter(header: string | null): number | null {
  if (header === null || header.trim() === '') return null
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(header)
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now())
}
