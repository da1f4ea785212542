/**
 * Delivers alerts to channels off the request path: `enqueue` returns at once, a few
 * attempts run at a time, a failed attempt that could succeed later is retried after an
 * exponential backoff with jitter, and every attempt leaves one row in the delivery log
 * (`delivered`, `retrying`, or `failed` when it gave up).
 *
 * Each (alert, channel) pair is enqueued once, by the instance whose insert raised the
 * alert (the store's unique key sees to that), so a receiver gets an alert once unless
 * an attempt it answered too slowly is retried — `X-Budget-Alert-Id` is there for that.
 *
 * Retries still waiting when the process stops are dropped, and their last row says
 * `retrying`: a service that starts again picks them up (`resume`), so a receiver that was
 * down across a restart still gets the alert. Stopping lets attempts already queued
 * finish, within a grace period.
 * Bounded: in an alert storm, deliveries past `maxQueued` waiting are dropped and logged.
 */
import type { Alert } from '../domain/alert.js'
import { newDeliveryId } from '../domain/channel.js'
import type { EngineContext } from '../engine/context.js'
import { insertDelivery } from '../store/alerts.js'
import type { ChannelRow } from '../store/channels.js'
import { type AlertLog, type AttemptOutcome, SENDERS } from './channels/send.js'

export interface DeliveryOptions {
  /** Attempts per alert and channel, the first included. Default 5. */
  maxAttempts: number
  /** Wait before the second attempt; doubles each time. Default 1,000. */
  baseDelayMs: number
  /** Longest wait between attempts. Default 60,000. */
  maxDelayMs: number
  /** Per attempt. Default 5,000. */
  timeoutMs: number
  /** Attempts in flight at once. Default 8. */
  concurrency: number
  /** Attempts waiting for a turn; past this an alert storm's deliveries are dropped (and logged), not buffered. Default 10,000. */
  maxQueued: number
}

export const DEFAULT_DELIVERY: DeliveryOptions = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000, timeoutMs: 5_000, concurrency: 8, maxQueued: 10_000 }

interface Job {
  alert: Alert
  channel: ChannelRow
  attempt: number
}

export class DeliveryQueue {
  private readonly waiting: Job[] = []
  private readonly running = new Set<Promise<void>>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private stopped = false

  constructor(
    private readonly ctx: EngineContext,
    private readonly log: () => AlertLog,
    public options: DeliveryOptions = DEFAULT_DELIVERY,
  ) {}

  enqueue(alert: Alert, channel: ChannelRow): void {
    if (this.stopped) return
    if (this.waiting.length >= this.options.maxQueued) {
      this.log().error({ alertId: alert.id, channelId: channel.id, queued: this.waiting.length }, 'alert delivery dropped: the queue is full')
      return
    }
    this.waiting.push({ alert, channel, attempt: 1 })
    this.pump()
  }

  /**
   * Schedules the next attempt of a delivery an earlier process left waiting (`failed`
   * attempts made, the last at `lastAttemptAt`), after what remains of its backoff.
   */
  resume(alert: Alert, channel: ChannelRow, failed: number, lastAttemptAt: number): void {
    if (this.stopped || failed >= this.options.maxAttempts) return
    const waited = this.ctx.now() - lastAttemptAt
    this.retryLater({ alert, channel, attempt: failed + 1 }, Math.max(0, backoffMs(failed, this.options) - waited))
  }

  /** Attempts queued or in flight, retries waiting not included. */
  get pending(): number {
    return this.waiting.length + this.running.size
  }

  /** Drops waiting retries, then lets queued attempts finish for up to `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    const deadline = Date.now() + graceMs
    while ((this.waiting.length > 0 || this.running.size > 0) && Date.now() < deadline) {
      this.pump(true)
      if (this.running.size === 0) break
      await Promise.race([Promise.allSettled(this.running), sleep(Math.max(0, deadline - Date.now()))])
    }
    this.waiting.length = 0
  }

  /** Waits until nothing is queued, in flight or waiting to be retried. */
  async idle(): Promise<void> {
    while (this.waiting.length > 0 || this.running.size > 0 || this.timers.size > 0) {
      // Only a macrotask lets a waiting retry's timer fire.
      await (this.running.size > 0 ? Promise.race([Promise.allSettled(this.running), sleep(10)]) : sleep(5))
    }
  }

  private pump(draining = false): void {
    while (this.running.size < this.options.concurrency && this.waiting.length > 0 && (draining || !this.stopped)) {
      const job = this.waiting.shift() as Job
      const run = this.attempt(job).finally(() => {
        this.running.delete(run)
        this.pump()
      })
      this.running.add(run)
    }
  }

  private async attempt(job: Job): Promise<void> {
    const started = performance.now()
    let outcome: AttemptOutcome
    try {
      outcome = await SENDERS[job.channel.kind as keyof typeof SENDERS](job.alert, job.channel, {
        timeoutMs: this.options.timeoutMs,
        log: this.log(),
        events: this.ctx.events,
        attempt: job.attempt,
        test: false,
      })
    } catch (error) {
      outcome = { ok: false, httpStatus: null, error: error instanceof Error ? error.message : String(error), retryable: true }
    }
    const retry = !outcome.ok && outcome.retryable && job.attempt < this.options.maxAttempts && !this.stopped
    const status = outcome.ok ? 'delivered' : retry ? 'retrying' : 'failed'
    try {
      await this.ctx.store.writes.write((trx) =>
        insertDelivery(trx, {
          id: newDeliveryId(),
          alertId: job.alert.id,
          channelId: job.channel.id,
          attempt: job.attempt,
          status,
          httpStatus: outcome.httpStatus,
          error: outcome.error,
          durationMs: Math.round(performance.now() - started),
          createdAt: this.ctx.now(),
        }),
      )
    } catch (error) {
      this.log().error({ err: error, alertId: job.alert.id, channelId: job.channel.id }, 'alert delivery log write failed')
    }
    if (status === 'failed') this.log().warn({ alertId: job.alert.id, channelId: job.channel.id, attempt: job.attempt, error: outcome.error }, 'alert delivery failed')
    if (retry) this.retryLater({ ...job, attempt: job.attempt + 1 })
  }

  private retryLater(job: Job, delayMs = backoffMs(job.attempt - 1, this.options)): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      if (this.stopped) return
      this.waiting.push(job)
      this.pump()
    }, delayMs)
    // A retry waiting is no reason for a process to stay up (a CLI command, a test).
    timer.unref()
    this.timers.add(timer)
  }
}

/** Exponential backoff with jitter: between half and all of base × 2^(n−1), capped. */
export function backoffMs(failedAttempts: number, options: Pick<DeliveryOptions, 'baseDelayMs' | 'maxDelayMs'>): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1))
  return ceiling / 2 + Math.random() * (ceiling / 2)
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())
