/**
 * Records a fleet run's usage through the BudgetService without slowing the run: records
 * queue up and go out as one batch per second (or per 500 records), one batch at a time,
 * and a last batch on close.
 *
 * A failed batch does not stop the run (the agents' work matters more than the
 * bookkeeping): its records are counted as failed, the first error is kept for the report
 * and the caller is told once. Ids are derived from message keys, so a later
 * `budget import claude-code` of the same sessions adds nothing twice.
 */
import type { BudgetService } from '../client/service.js'
import { MAX_BATCH, type UsageInput } from '../domain/usage.js'

export interface SinkStats {
  recorded: number
  duplicates: number
  failed: number
  error: string | null
}

export interface SinkOptions {
  flushMs?: number
  maxBatch?: number
  onFirstError?: (error: unknown) => void
}

export class UsageSink {
  readonly stats: SinkStats = { recorded: 0, duplicates: 0, failed: 0, error: null }
  #queue: UsageInput[] = []
  #flushing: Promise<void> = Promise.resolve()
  #timer: NodeJS.Timeout | null = null
  readonly #flushMs: number
  readonly #maxBatch: number

  constructor(
    private readonly service: Pick<BudgetService, 'recordBatch'>,
    private readonly options: SinkOptions = {},
  ) {
    this.#flushMs = options.flushMs ?? 1000
    this.#maxBatch = Math.min(options.maxBatch ?? 500, MAX_BATCH)
  }

  add(record: UsageInput): void {
    this.#queue.push(record)
    if (this.#queue.length >= this.#maxBatch) void this.flush()
    else this.#timer ??= setTimeout(() => void this.flush(), this.#flushMs)
  }

  /** Sends what is queued; resolves when it (and any earlier batch) has been answered. */
  flush(): Promise<void> {
    if (this.#timer !== null) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    const batch = this.#queue
    this.#queue = []
    if (batch.length > 0) this.#flushing = this.#flushing.then(() => this.#send(batch))
    return this.#flushing
  }

  async close(): Promise<SinkStats> {
    await this.flush()
    return this.stats
  }

  async #send(batch: UsageInput[]): Promise<void> {
    try {
      const result = await this.service.recordBatch(batch)
      this.stats.recorded += result.accepted
      this.stats.duplicates += result.duplicates
    } catch (error) {
      this.stats.failed += batch.length
      if (this.stats.error === null) {
        this.stats.error = error instanceof Error ? error.message : String(error)
        this.options.onFirstError?.(error)
      }
    }
  }
}
