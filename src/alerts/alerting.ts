/**
 * Alerting for one engine: evaluates rules when the bus says something changed
 * (evaluator.ts), raises each alert once (dedup.ts + the store's unique key), and hands
 * every new alert to the channels that take it (delivery-queue.ts). Also the operations
 * the surfaces offer: alerts, acknowledgement, evaluation on demand, channels, the
 * delivery log, price alerts.
 *
 * Raising never waits for a channel: the request that caused an alert has been answered
 * before its evaluation starts, and deliveries run on their own queue.
 */
import type { Alert, AlertCheckRequest, AlertCheckResult, AlertPage, AlertQuery, PriceAlertInput } from '../domain/alert.js'
import type { Channel, ChannelInput, ChannelTestResult, ChannelUpdate, CreatedChannel, DeliveryPage, DeliveryQuery } from '../domain/channel.js'
import { newDeliveryId } from '../domain/channel.js'
import { requireBudget } from '../engine/budgets.js'
import type { EngineContext } from '../engine/context.js'
import type { BudgetEvent } from '../events/bus.js'
import { existingDedupKeys, findAlert, insertAlertOnce, insertDelivery, waitingRetries } from '../store/alerts.js'
import { findChannel } from '../store/channels.js'
import { acknowledge, getAlert, listAlerts, listDeliveries } from './alert-queries.js'
import { type NewAlert, toAlert, toAlertRow } from './alert-record.js'
import { ChannelRegistry } from './channel-registry.js'
import { stderrLog } from './channels/log.js'
import { type AlertLog, type AttemptOutcome, SENDERS } from './channels/send.js'
import { RecentKeys } from './dedup.js'
import { DEFAULT_DELIVERY, DeliveryQueue, type DeliveryOptions } from './delivery-queue.js'
import { Evaluator } from './evaluator.js'
import { priceAlertOf } from './price-alerts.js'

/** How far back a starting service looks for deliveries the process before it left waiting. */
const RESUME_WINDOW_MS = 24 * 3_600_000

export class Alerting {
  readonly channels: ChannelRegistry
  private readonly deliveries: DeliveryQueue
  private readonly evaluator: Evaluator
  private readonly recent = new RecentKeys()
  private log: AlertLog = stderrLog
  private unsubscribe: (() => void) | null = null
  /** Price alerts that arrived on the bus and are being raised. */
  private readonly raising = new Set<Promise<unknown>>()

  constructor(private readonly ctx: EngineContext) {
    this.channels = new ChannelRegistry(ctx)
    this.deliveries = new DeliveryQueue(ctx, () => this.log, { ...DEFAULT_DELIVERY })
    this.evaluator = new Evaluator(ctx, (candidates) => this.raise(candidates), (error) => this.log.error({ err: error }, 'alert evaluation failed'))
  }

  /** Starts listening on the bus; calling it again does nothing. */
  start(): void {
    this.unsubscribe ??= this.ctx.events.subscribe(this.onEvent)
  }

  /** Stops listening, finishes the evaluations already noted and lets queued deliveries finish (up to `graceMs`). */
  async stop(graceMs?: number): Promise<void> {
    this.unsubscribe?.()
    this.unsubscribe = null
    await this.evaluator.drain()
    await Promise.allSettled(this.raising)
    await this.deliveries.stop(graceMs)
  }

  /** Where the `log` channel and alerting's own failures are written (default: JSON lines on stderr). */
  useLog(log: AlertLog): void {
    this.log = log
  }

  /**
   * Picks up the deliveries an earlier process left waiting for a retry; the service calls
   * it on start. Returns how many were rescheduled. Several instances starting together may
   * each resume the same one: receivers tell repeats apart by X-Budget-Alert-Id, as they
   * do for any retried attempt.
   */
  async resumeDeliveries(): Promise<number> {
    const db = this.ctx.store.db
    let resumed = 0
    for (const waiting of await waitingRetries(db, this.ctx.now() - RESUME_WINDOW_MS)) {
      const [alert, channel] = await Promise.all([findAlert(db, waiting.alertId), findChannel(db, waiting.channelId)])
      if (alert === undefined || channel === undefined || channel.enabled !== 1) continue
      this.deliveries.resume(toAlert(alert), channel, waiting.attempt, waiting.createdAt)
      resumed++
    }
    return resumed
  }

  /** Changes how deliveries are retried (tests, benchmarks). */
  configureDelivery(options: Partial<DeliveryOptions>): void {
    this.deliveries.options = { ...this.deliveries.options, ...options }
  }

  /** Resolves once every evaluation noted so far has run and every delivery has finished or given up. */
  async idle(): Promise<void> {
    await this.evaluator.drain()
    await Promise.allSettled(this.raising)
    await this.deliveries.idle()
  }

  listAlerts = (query: AlertQuery): Promise<AlertPage> => listAlerts(this.ctx, query)
  getAlert = (id: string): Promise<Alert> => getAlert(this.ctx, id)
  acknowledgeAlert = (id: string, by?: string | null): Promise<Alert> => acknowledge(this.ctx, id, by ?? null)
  listDeliveries = (query: DeliveryQuery): Promise<DeliveryPage> => listDeliveries(this.ctx, query)

  /** Evaluates one budget (or every budget with policies) now; returns the alerts this raised. */
  async check(request: AlertCheckRequest = {}): Promise<AlertCheckResult> {
    const budgetIds = request.budgetId === undefined ? await this.evaluator.allBudgets() : [(await requireBudget(this.ctx.store.db, request.budgetId)).id]
    const raised: Alert[] = []
    for (const budgetId of budgetIds) raised.push(...(await this.raise(await this.evaluator.evaluateBudget(budgetId, [], this.ctx.now()))))
    return { evaluated: budgetIds.length, raised }
  }

  /** Raises a price alert (see price-alerts.ts); null when the same one exists. */
  async raisePriceAlert(input: PriceAlertInput): Promise<Alert | null> {
    const [alert] = await this.raise([priceAlertOf(input, this.ctx.now())])
    return alert ?? null
  }

  createChannel = (input: ChannelInput): Promise<CreatedChannel> => this.channels.create(input)
  getChannel = (id: string): Promise<Channel> => this.channels.get(id)
  listChannels = (budgetIdOrName?: string): Promise<Channel[]> => this.channels.list(budgetIdOrName)
  updateChannel = (id: string, update: ChannelUpdate): Promise<Channel> => this.channels.update(id, update)
  deleteChannel = (id: string): Promise<void> => this.channels.remove(id)

  /** Sends a test alert through one channel, once, now, and logs the attempt (alertId null). */
  async testChannel(id: string): Promise<ChannelTestResult> {
    const channel = await this.channels.require(id)
    const nowIso = new Date(this.ctx.now()).toISOString()
    const alert: Alert = {
      id: 'alr_test',
      budgetId: channel.budgetId,
      policyId: null,
      type: 'warning',
      severity: 'info',
      windowStart: null,
      windowEnd: null,
      metric: null,
      value: null,
      limit: null,
      message: `test of channel ${channel.name}: alerts will arrive like this`,
      details: { test: true },
      createdAt: nowIso,
      acknowledgedAt: null,
      acknowledgedBy: null,
    }
    const started = performance.now()
    let outcome: AttemptOutcome
    try {
      outcome = await SENDERS[channel.kind as keyof typeof SENDERS](alert, channel, { timeoutMs: this.deliveries.options.timeoutMs, log: this.log, events: this.ctx.events, attempt: 1, test: true })
    } catch (error) {
      outcome = { ok: false, httpStatus: null, error: error instanceof Error ? error.message : String(error), retryable: false }
    }
    const durationMs = Math.round(performance.now() - started)
    await this.ctx.store.writes.write((trx) =>
      insertDelivery(trx, {
        id: newDeliveryId(),
        alertId: null,
        channelId: channel.id,
        attempt: 1,
        status: outcome.ok ? 'delivered' : 'failed',
        httpStatus: outcome.httpStatus,
        error: outcome.error,
        durationMs,
        createdAt: this.ctx.now(),
      }),
    )
    return { ok: outcome.ok, httpStatus: outcome.httpStatus, error: outcome.error, durationMs }
  }

  private readonly onEvent = (event: BudgetEvent): void => {
    // Another instance's event (relayed over PostgreSQL): that instance evaluates and raises it.
    if (event.remote === true) return
    if (event.type === 'price.alert') {
      const raising = this.raisePriceAlert(event.payload as PriceAlertInput)
        .catch((error: unknown) => this.log.error({ err: error }, 'price alert failed'))
        .finally(() => this.raising.delete(raising))
      this.raising.add(raising)
      return
    }
    this.evaluator.onEvent(event)
  }

  /**
   * Stores each alert whose key is new and delivers the ones this call inserted. Keys this
   * process has seen are skipped without a write; the unique key settles the rest.
   */
  private async raise(candidates: readonly NewAlert[]): Promise<Alert[]> {
    const unseen = candidates.filter((c) => !this.recent.has(c.dedupKey))
    if (unseen.length === 0) return []
    const existing = await existingDedupKeys(this.ctx.store.db, unseen.map((c) => c.dedupKey))
    for (const key of existing) this.recent.add(key)
    const fresh = unseen.filter((c) => !existing.has(c.dedupKey))
    if (fresh.length === 0) return []
    const rows = fresh.map((c) => toAlertRow(c, this.ctx.now()))
    const inserted = await this.ctx.store.writes.write(async (trx) => {
      const won: typeof rows = []
      for (const row of rows) if (await insertAlertOnce(trx, row)) won.push(row)
      return won
    })
    for (const row of rows) this.recent.add(row.dedupKey)
    const alerts = inserted.map(toAlert)
    for (const alert of alerts) await this.dispatch(alert)
    return alerts
  }

  private async dispatch(alert: Alert): Promise<void> {
    for (const channel of await this.channels.channelsFor(alert)) this.deliveries.enqueue(alert, channel)
  }
}
