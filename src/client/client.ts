/**
 * Typed client of the REST API (`/api/v1`), over Node's built-in fetch. Every method has
 * the name and the result of the engine operation it reaches, so code written against
 * `BudgetService` runs in process or against a server unchanged.
 *
 * Failures are thrown as `BudgetError` with the API's code, message and details; a server
 * that cannot be reached is `UNAVAILABLE`. 429 and 503 are retried (honouring
 * Retry-After), and so are network failures — for a request that may have reached the
 * server only when repeating it is harmless: reads, deletes, pricing, and usage, which the
 * client gives an idempotency id before the first attempt. A check or a create is retried
 * only when the connection was never made.
 *
 * Does not validate requests: the server does, and answers VALIDATION_FAILED with the
 * field paths.
 */
import type { z } from 'zod'
import type { Alert, AlertCheckRequest, AlertCheckResult, AlertPage, AlertQuery } from '../domain/alert.js'
import type { ApiKey, ApiKeyInput, CreatedApiKey } from '../domain/api-key.js'
import type { Budget, BudgetInput, BudgetUpdate } from '../domain/budget.js'
import type { Channel, ChannelInput, ChannelTestResult, ChannelUpdate, CreatedChannel, DeliveryPage, DeliveryQuery } from '../domain/channel.js'
import type { CheckDecision, CheckRequest } from '../domain/check.js'
import { BudgetError, ERROR_STATUS, type ErrorCode } from '../domain/errors.js'
import type { Health } from '../domain/health.js'
import { newId } from '../domain/ids.js'
import type { Policy, PolicyInput, PolicyUpdate } from '../domain/policy.js'
import type { CostRequest, CostResult, ModelPrice, PriceQuery } from '../domain/price.js'
import type {
  ManualPriceInput,
  ModelKey,
  PriceChange,
  PriceChangeQuery,
  PriceHistory,
  PriceSource,
  RefreshProgress,
  RefreshReport,
  RefreshRequest,
  RepriceProgress,
  RepriceRequest,
  RepriceResult,
} from '../domain/price-monitoring.js'
import type { RecommendationRequest, Recommendations, RouteDecision, RouteRequest } from '../domain/recommendation.js'
import type {
  ActivityQuery,
  ActivityReport,
  BudgetsReport,
  FlatReportRow,
  ForecastReport,
  OutlookQuery,
  TopReport,
  TopReportQuery,
  UsageReport,
  UsageReportQuery,
} from '../domain/report.js'
import type { Reservation, ReservationQuery } from '../domain/reservation.js'
import type { BudgetSummary, SummaryQuery } from '../domain/summary.js'
import {
  type BatchResult,
  type GroupKey,
  MAX_BATCH,
  type UsageInput,
  type UsagePage,
  type UsageQuery,
  type UsageRecord,
  type UsageSummary,
  type UsageSummaryQuery,
} from '../domain/usage.js'
import { ndjsonRows } from './ndjson.js'
import type { BudgetService } from './service.js'

export interface BudgetClientOptions {
  /** Where the service listens, e.g. `http://127.0.0.1:8013`; a path prefix is kept. */
  baseUrl: string
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string
  /** Per attempt. Default 10,000. */
  timeoutMs?: number
  /** Further attempts after the first. Default 3. */
  retries?: number
  /** First backoff step; doubles each attempt, with jitter. Default 250. */
  retryDelayMs?: number
  /** A Retry-After longer than this is not waited for: the error is thrown. Default 60,000. */
  maxRetryAfterMs?: number
}

/** Request types as callers write them: defaults may be left out (zod input types). */
export type UsageSummaryQueryInput = Omit<z.input<typeof UsageSummaryQuery>, 'groupBy'> & {
  /** Keys as an array or as the comma list the API takes. */
  groupBy?: readonly GroupKey[] | string
}

/** Query parameters; undefined ones are left out, arrays become comma lists. */
type Query = object
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

interface RequestOptions {
  query?: Query | undefined
  body?: unknown
  /** Safe to send again after a failure that may have reached the server. */
  idempotent?: boolean
  /** Overrides the client's timeout for slow operations (a price refresh, a reprice). */
  timeoutMs?: number
}

/** Refreshing reads every feed and repricing rewrites records: minutes, not seconds. */
const PRICE_OPERATION_TIMEOUT_MS = 10 * 60_000
const RETRY_STATUSES = new Set([429, 503])
/** Failures that happen before a request is on the wire: repeating it cannot double it. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])
const BACKOFF_CAP_MS = 10_000

const CODE_BY_STATUS = new Map<number, ErrorCode>(
  (Object.entries(ERROR_STATUS) as [ErrorCode, number][]).filter(([code]) => code !== 'INTERNAL').map(([code, status]) => [status, code]),
)

const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(ERROR_STATUS, code)

export class BudgetClient implements BudgetService {
  private readonly baseUrl: string
  private readonly apiKey: string | undefined
  private readonly timeoutMs: number
  private readonly retries: number
  private readonly retryDelayMs: number
  private readonly maxRetryAfterMs: number

  constructor(options: BudgetClientOptions) {
    let url: URL
    try {
      url = new URL(options.baseUrl)
    } catch (error) {
      throw new BudgetError('VALIDATION_FAILED', `server URL ${options.baseUrl} is not a URL`, { baseUrl: options.baseUrl }, { cause: error })
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new BudgetError('VALIDATION_FAILED', `server URL ${options.baseUrl} must be http:// or https://`, { baseUrl: options.baseUrl })
    }
    this.baseUrl = url.href.replace(/\/+$/, '')
    this.apiKey = options.apiKey
    this.timeoutMs = options.timeoutMs ?? 10_000
    this.retries = options.retries ?? 3
    this.retryDelayMs = options.retryDelayMs ?? 250
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000
  }

  // budgets
  createBudget(input: z.input<typeof BudgetInput>): Promise<Budget> {
    return this.request('POST', '/api/v1/budgets', { body: input })
  }

  getBudget(idOrName: string): Promise<Budget> {
    return this.request('GET', `/api/v1/budgets/${seg(idOrName)}`)
  }

  async listBudgets(includeArchived?: boolean): Promise<Budget[]> {
    return (await this.request<{ items: Budget[] }>('GET', '/api/v1/budgets', { query: { includeArchived } })).items
  }

  updateBudget(idOrName: string, update: z.input<typeof BudgetUpdate>): Promise<Budget> {
    return this.request('PATCH', `/api/v1/budgets/${seg(idOrName)}`, { body: update, idempotent: true })
  }

  async deleteBudget(idOrName: string): Promise<void> {
    await this.request('DELETE', `/api/v1/budgets/${seg(idOrName)}`)
  }

  summary(idOrName: string, query: z.input<typeof SummaryQuery> = {}): Promise<BudgetSummary> {
    return this.request('GET', `/api/v1/budgets/${seg(idOrName)}/summary`, { query })
  }

  // policies
  createPolicy(input: z.input<typeof PolicyInput>): Promise<Policy> {
    return this.request('POST', '/api/v1/policies', { body: input })
  }

  getPolicy(id: string): Promise<Policy> {
    return this.request('GET', `/api/v1/policies/${seg(id)}`)
  }

  async listPolicies(budgetIdOrName?: string): Promise<Policy[]> {
    return (await this.request<{ items: Policy[] }>('GET', '/api/v1/policies', { query: { budgetId: budgetIdOrName } })).items
  }

  updatePolicy(id: string, update: z.input<typeof PolicyUpdate>): Promise<Policy> {
    return this.request('PATCH', `/api/v1/policies/${seg(id)}`, { body: update, idempotent: true })
  }

  async deletePolicy(id: string): Promise<void> {
    await this.request('DELETE', `/api/v1/policies/${seg(id)}`)
  }

  // reservations
  /** Reserves budget for one call. A blocked call resolves with `allowed: false`; it does not throw. */
  check(request: z.input<typeof CheckRequest>): Promise<CheckDecision> {
    return this.request('POST', '/api/v1/check', { body: request })
  }

  release(id: string): Promise<Reservation> {
    return this.request('POST', `/api/v1/reservations/${seg(id)}/release`, { idempotent: true })
  }

  getReservation(id: string): Promise<Reservation> {
    return this.request('GET', `/api/v1/reservations/${seg(id)}`)
  }

  async listReservations(query: z.input<typeof ReservationQuery> = {}): Promise<Reservation[]> {
    return (await this.request<{ items: Reservation[] }>('GET', '/api/v1/reservations', { query })).items
  }

  // usage
  /** Records one call's usage; `created` is false when a record with this id existed (HTTP 200, not 201). */
  async recordUsage(input: z.input<typeof UsageInput>): Promise<{ record: UsageRecord; created: boolean }> {
    const body = { ...input, id: input.id ?? newId('usage') }
    const { value, status } = await this.send<UsageRecord>('POST', '/api/v1/usage', { body, idempotent: true })
    return { record: value, created: status === 201 }
  }

  /**
   * Records many calls. More than the API's batch limit is sent as several requests, each
   * its own transaction; records get ids first, so a repeated request counts nothing twice.
   */
  async recordBatch(inputs: readonly z.input<typeof UsageInput>[]): Promise<BatchResult> {
    const records = inputs.map((input) => ({ ...input, id: input.id ?? newId('usage') }))
    const total: BatchResult = { accepted: 0, duplicates: 0, ids: [] }
    for (let start = 0; start < records.length; start += MAX_BATCH) {
      const chunk = records.slice(start, start + MAX_BATCH)
      const result = await this.request<BatchResult>('POST', '/api/v1/usage', { body: { records: chunk }, idempotent: true })
      total.accepted += result.accepted
      total.duplicates += result.duplicates
      total.ids.push(...result.ids)
    }
    return total
  }

  getUsage(id: string): Promise<UsageRecord> {
    return this.request('GET', `/api/v1/usage/${seg(id)}`)
  }

  listUsage(query: z.input<typeof UsageQuery> = {}): Promise<UsagePage> {
    return this.request('GET', '/api/v1/usage', { query })
  }

  usageSummary(query: UsageSummaryQueryInput = {}): Promise<UsageSummary> {
    return this.request('GET', '/api/v1/usage/summary', { query })
  }

  /** Every record the listing matches, from the cursor on, newest first; streamed, one chunk in memory at a time. */
  streamUsage(query: z.input<typeof UsageQuery> = {}): AsyncGenerator<UsageRecord> {
    return this.stream('/api/v1/usage', query)
  }

  // reports
  usageReport(query: z.input<typeof UsageReportQuery> = {}): Promise<UsageReport> {
    return this.request('GET', '/api/v1/reports/usage', { query })
  }

  /** Every row of the usage report from the cursor on, flattened; streamed, one chunk in memory at a time. */
  streamUsageReport(query: z.input<typeof UsageReportQuery> = {}): AsyncGenerator<FlatReportRow> {
    return this.stream('/api/v1/reports/usage', query)
  }

  topReport(query: z.input<typeof TopReportQuery> = {}): Promise<TopReport> {
    return this.request('GET', '/api/v1/reports/top', { query })
  }

  budgetsReport(query: z.input<typeof OutlookQuery> = {}): Promise<BudgetsReport> {
    return this.request('GET', '/api/v1/reports/budgets', { query })
  }

  forecastReport(query: z.input<typeof OutlookQuery> = {}): Promise<ForecastReport> {
    return this.request('GET', '/api/v1/reports/forecast', { query })
  }

  activityReport(query: z.input<typeof ActivityQuery> = {}): Promise<ActivityReport> {
    return this.request('GET', '/api/v1/reports/activity', { query })
  }

  // prices
  calculateCost(request: z.input<typeof CostRequest>): Promise<CostResult> {
    return this.request('POST', '/api/v1/cost/calculate', { body: request, idempotent: true })
  }

  async currentPrices(query: z.input<typeof PriceQuery> = {}): Promise<ModelPrice[]> {
    return (await this.request<{ items: ModelPrice[] }>('GET', '/api/v1/prices/current', { query })).items
  }

  async priceSources(): Promise<PriceSource[]> {
    return (await this.request<{ items: PriceSource[] }>('GET', '/api/v1/prices/sources')).items
  }

  /** Refreshes prices on the server (admin key); `onProgress` hears each source's outcome once the refresh is done. */
  async refreshPrices(request: RefreshRequest = {}, onProgress?: (progress: RefreshProgress) => void): Promise<RefreshReport> {
    const report = await this.request<RefreshReport>('POST', '/api/v1/prices/refresh', { body: request, timeoutMs: PRICE_OPERATION_TIMEOUT_MS })
    for (const s of report.sources) onProgress?.({ source: s.id, status: s.status, observations: s.observations, error: s.error })
    return report
  }

  async priceChanges(query: Partial<z.input<typeof PriceChangeQuery>> = {}): Promise<PriceChange[]> {
    return (await this.request<{ items: PriceChange[] }>('GET', '/api/v1/prices/changes', { query })).items
  }

  /** Approves a pending change (admin key); the server records the key as the one who decided. */
  approvePriceChange(id: string, _decidedBy?: string): Promise<PriceChange> {
    return this.request('POST', `/api/v1/prices/changes/${seg(id)}/approve`, { timeoutMs: PRICE_OPERATION_TIMEOUT_MS })
  }

  rejectPriceChange(id: string, _decidedBy?: string, reason?: string): Promise<PriceChange> {
    return this.request('POST', `/api/v1/prices/changes/${seg(id)}/reject`, { body: reason === undefined ? {} : { reason } })
  }

  priceHistory(provider: string, model: string): Promise<PriceHistory> {
    return this.request('GET', `/api/v1/prices/history/${seg(provider)}/${model.split('/').map(seg).join('/')}`)
  }

  setManualPrice(input: z.input<typeof ManualPriceInput>, _decidedBy?: string): Promise<PriceChange> {
    return this.request('POST', '/api/v1/prices/manual', { body: input, timeoutMs: PRICE_OPERATION_TIMEOUT_MS })
  }

  removeManualPrice(key: ModelKey, _decidedBy?: string): Promise<PriceChange> {
    return this.request('DELETE', '/api/v1/prices/manual', { query: key, idempotent: false, timeoutMs: PRICE_OPERATION_TIMEOUT_MS })
  }

  /** Reprices on the server (admin key); `onProgress` hears the total once it is done. */
  async repriceUsage(request: RepriceRequest = {}, onProgress?: (progress: RepriceProgress) => void): Promise<RepriceResult> {
    const result = await this.request<RepriceResult>('POST', '/api/v1/prices/reprice', { body: request, timeoutMs: PRICE_OPERATION_TIMEOUT_MS })
    onProgress?.({ done: result.scanned, total: result.scanned })
    return result
  }

  // models
  recommendModels(request: z.input<typeof RecommendationRequest>): Promise<Recommendations> {
    return this.request('POST', '/api/v1/models/recommendations', { body: request, idempotent: true })
  }

  /** Reserves for the model asked for, or a cheaper one its budgets allow; a call nothing fits resolves with decision.allowed false. */
  routeWithBudget(request: z.input<typeof RouteRequest>): Promise<RouteDecision> {
    return this.request('POST', '/api/v1/route', { body: request })
  }

  // keys
  /** Creates an API key; the secret is in `key` and is never shown again. Needs an admin key. */
  createKey(input: z.input<typeof ApiKeyInput>): Promise<CreatedApiKey> {
    return this.request('POST', '/api/v1/keys', { body: input })
  }

  async listKeys(): Promise<ApiKey[]> {
    return (await this.request<{ items: ApiKey[] }>('GET', '/api/v1/keys')).items
  }

  revokeKey(id: string): Promise<ApiKey> {
    return this.request('DELETE', `/api/v1/keys/${seg(id)}`)
  }

  // alerts
  listAlerts(query: Omit<z.input<typeof AlertQuery>, 'acknowledged'> & { acknowledged?: boolean } = {}): Promise<AlertPage> {
    return this.request('GET', '/api/v1/alerts', { query })
  }

  getAlert(id: string): Promise<Alert> {
    return this.request('GET', `/api/v1/alerts/${seg(id)}`)
  }

  /** Acknowledges an alert; `by` defaults to the API key's name. Repeating it changes nothing. */
  acknowledgeAlert(id: string, by?: string | null): Promise<Alert> {
    return this.request('POST', `/api/v1/alerts/${seg(id)}/ack`, { body: by === undefined || by === null ? {} : { by }, idempotent: true })
  }

  /** Evaluates alert rules now, for one budget or all; resolves with the alerts it raised. */
  checkAlerts(request: z.input<typeof AlertCheckRequest> = {}): Promise<AlertCheckResult> {
    return this.request('POST', '/api/v1/alerts/check', { body: request, idempotent: true })
  }

  // channels (admin key)
  /** Adds a channel; a webhook's signing secret is in `secret`, shown only this once. */
  createChannel(input: z.input<typeof ChannelInput>): Promise<CreatedChannel> {
    return this.request('POST', '/api/v1/channels', { body: input })
  }

  getChannel(id: string): Promise<Channel> {
    return this.request('GET', `/api/v1/channels/${seg(id)}`)
  }

  async listChannels(budgetIdOrName?: string): Promise<Channel[]> {
    return (await this.request<{ items: Channel[] }>('GET', '/api/v1/channels', { query: { budgetId: budgetIdOrName } })).items
  }

  updateChannel(id: string, update: z.input<typeof ChannelUpdate>): Promise<Channel> {
    return this.request('PATCH', `/api/v1/channels/${seg(id)}`, { body: update, idempotent: true })
  }

  async deleteChannel(id: string): Promise<void> {
    await this.request('DELETE', `/api/v1/channels/${seg(id)}`)
  }

  /** Sends a test alert through the channel once, now. */
  testChannel(id: string): Promise<ChannelTestResult> {
    return this.request('POST', `/api/v1/channels/${seg(id)}/test`)
  }

  /** Delivery attempts of one alert or one channel (at least one of alertId, channelId). */
  listDeliveries(query: z.input<typeof DeliveryQuery>): Promise<DeliveryPage> {
    const { alertId, channelId, ...rest } = query
    if (alertId !== undefined) return this.request('GET', `/api/v1/alerts/${seg(alertId)}/deliveries`, { query: { ...rest, channelId } })
    if (channelId !== undefined) return this.request('GET', `/api/v1/channels/${seg(channelId)}/deliveries`, { query: rest })
    throw new BudgetError('VALIDATION_FAILED', 'listDeliveries needs alertId or channelId', { path: ['alertId'] })
  }

  // service
  /** `GET /health`: status, version, uptime, store and price sources. */
  health(): Promise<Health> {
    return this.request('GET', '/health')
  }

  /** GET of an export as NDJSON, row by row. The timeout covers the wait for the response to begin, not the whole download. */
  private async *stream<T>(path: string, query: Query): AsyncGenerator<T> {
    const url = this.baseUrl + path + queryString({ ...query, format: 'ndjson' })
    const headers: Record<string, string> = { accept: 'application/x-ndjson' }
    if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`
    const started = new AbortController()
    const timer = setTimeout(() => started.abort(new DOMException('timed out', 'TimeoutError')), this.timeoutMs)
    let response: Response
    try {
      response = await fetch(url, { headers, signal: started.signal })
    } catch (error) {
      throw this.unreachable('GET', url, error)
    } finally {
      clearTimeout(timer)
    }
    if (!response.ok) await readBody('GET', path, response)
    yield* ndjsonRows<T>(response, `GET ${path}`)
  }

  private async request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.send<T>(method, path, options)).value
  }

  private async send<T>(method: Method, path: string, options: RequestOptions): Promise<{ value: T; status: number }> {
    const url = this.baseUrl + path + queryString(options.query)
    const idempotent = options.idempotent ?? (method === 'GET' || method === 'DELETE')
    const headers: Record<string, string> = { accept: 'application/json' }
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`
    const body = options.body === undefined ? undefined : JSON.stringify(options.body)

    for (let attempt = 0; ; attempt++) {
      let response: Response
      try {
        response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs) })
      } catch (error) {
        if (attempt < this.retries && (idempotent || wasNotSent(error))) {
          await sleep(this.backoffMs(attempt))
          continue
        }
        throw this.unreachable(method, url, error)
      }
      if (RETRY_STATUSES.has(response.status) && attempt < this.retries) {
        const waitMs = retryAfterMs(response.headers.get('retry-after')) ?? this.backoffMs(attempt)
        if (waitMs <= this.maxRetryAfterMs) {
          await response.body?.cancel()
          await sleep(waitMs)
          continue
        }
      }
      try {
        return { value: (await readBody(method, path, response)) as T, status: response.status }
      } catch (error) {
        // The timeout also covers reading the body; a stream cut short is the network's failure.
        if (error instanceof BudgetError) throw error
        throw this.unreachable(method, url, error)
      }
    }
  }

  /** Exponential backoff with jitter: a random delay between half and all of base × 2^attempt. */
  private backoffMs(attempt: number): number {
    const ceiling = Math.min(BACKOFF_CAP_MS, this.retryDelayMs * 2 ** attempt)
    return ceiling / 2 + Math.random() * (ceiling / 2)
  }

  private unreachable(method: Method, url: string, error: unknown): BudgetError {
    const timedOut = error instanceof Error && error.name === 'TimeoutError'
    const reason = timedOut ? `no answer within ${this.timeoutMs} ms` : describeNetworkError(error)
    return new BudgetError('UNAVAILABLE', `cannot reach ${this.baseUrl} (${method} ${new URL(url).pathname}): ${reason}`, { url, timedOut }, { cause: error })
  }
}

const seg = (value: string) => encodeURIComponent(value)

function queryString(query: Query | undefined): string {
  if (!query) return ''
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query) as [string, unknown][]) {
    if (value === undefined || value === null) continue
    params.set(key, Array.isArray(value) ? value.join(',') : String(value))
  }
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}

async function readBody(method: Method, path: string, response: Response): Promise<unknown> {
  const text = await response.text()
  let json: unknown
  try {
    json = text === '' ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  if (response.ok) {
    if (json === undefined && text !== '') {
      throw new BudgetError('INTERNAL', `${method} ${path} answered ${response.status} with a body that is not JSON`, { status: response.status })
    }
    return json
  }
  const envelope = (json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error
  const code = isErrorCode(envelope?.code) ? envelope.code : (CODE_BY_STATUS.get(response.status) ?? 'INTERNAL')
  const message = typeof envelope?.message === 'string' ? envelope.message : `${method} ${path} answered ${response.status} ${response.statusText}`.trim()
  const details = typeof envelope?.details === 'object' && envelope.details !== null ? (envelope.details as Record<string, unknown>) : { status: response.status }
  throw new BudgetError(code, message, details)
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now; null when absent or unreadable. */
function retryAfterMs(header: string | null): number | null {
  if (header === null || header.trim() === '') return null
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(header)
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now())
}

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause
  return typeof cause?.code === 'string' ? cause.code : undefined
}

const wasNotSent = (error: unknown) => NOT_SENT_CODES.has(causeCode(error) ?? '')

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause
  if (typeof cause?.message === 'string') return cause.message
  return error instanceof Error ? error.message : String(error)
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
