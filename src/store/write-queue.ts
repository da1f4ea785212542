/**
 * Every write goes through here, and each caller is answered only after its transaction
 * has committed.
 *
 * SQLite (traits.groupCommit): group commit — writes that arrive together share one
 * transaction. Each job runs inside its own savepoint, so one failing job rolls back only
 * its own changes and the others still commit. Jobs run one after another in arrival
 * order, so a job sees the writes of the jobs before it exactly as if each had its own
 * transaction.
 *
 * PostgreSQL: each write is its own transaction on a pooled connection, run concurrently
 * (the server groups the commits' WAL flushes itself), and run again from the start when
 * the server aborts it as a deadlock victim or a serialization failure.
 */
import { type Kysely, sql, type Transaction } from 'kysely'
import type { DialectTraits } from './dialect.js'
import type { DB } from './schema.js'

type Job = {
  run: (trx: Transaction<DB>) => Promise<unknown>
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

const MAX_JOBS_PER_FLUSH = 256
const MAX_ATTEMPTS = 4

export class WriteQueue {
  private pending: Job[] = []
  private flushing: Promise<void> | null = null
  private readonly inFlight = new Set<Promise<unknown>>()

  constructor(
    private readonly db: Kysely<DB>,
    private readonly traits: DialectTraits,
  ) {}

  /**
   * Runs `run` in a write transaction (on SQLite shared with the writes queued meanwhile)
   * and resolves once it has committed. `run` must have no effect outside the transaction
   * — publish events after the write resolves — because on PostgreSQL it may run again.
   */
  write<T>(run: (trx: Transaction<DB>, traits: DialectTraits) => Promise<T>): Promise<T> {
    if (!this.traits.groupCommit) return this.track(this.runAlone(run))
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run: (trx) => run(trx, this.traits), resolve: resolve as (v: unknown) => void, reject })
      this.schedule()
    })
  }

  /** Waits until every queued write has been committed or failed. */
  async drain(): Promise<void> {
    while (this.flushing || this.pending.length > 0 || this.inFlight.size > 0) {
      if (this.pending.length > 0) this.schedule()
      await Promise.allSettled([this.flushing, ...this.inFlight])
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise)
    void promise.then(
      () => this.inFlight.delete(promise),
      () => this.inFlight.delete(promise),
    )
    return promise
  }

  private async runAlone<T>(run: (trx: Transaction<DB>, traits: DialectTraits) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute((trx) => run(trx, this.traits))
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !this.traits.isRetryable(error)) throw error
        // A short random pause, so that the two victims of one deadlock don't meet again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt))
      }
    }
  }

  private schedule(): void {
    if (this.flushing) return
    this.flushing = new Promise<void>((done) => setImmediate(done))
      .then(() => this.flush())
      .finally(() => {
        this.flushing = null
        if (this.pending.length > 0) this.schedule()
      })
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, MAX_JOBS_PER_FLUSH)
    if (batch.length === 0) return
    let outcomes: Outcome[]
    try {
      outcomes = await this.db.transaction().execute((trx) => runJobs(trx, batch))
    } catch (error) {
      for (const job of batch) job.reject(error)
      return
    }
    outcomes.forEach((outcome, i) => {
      const job = batch[i] as Job
      if (outcome.ok) job.resolve(outcome.value)
      else job.reject(outcome.error)
    })
  }
}

async function runJobs(trx: Transaction<DB>, batch: Job[]): Promise<Outcome[]> {
  if (batch.length === 1) {
    const only = batch[0] as Job
    try {
      return [{ ok: true, value: await only.run(trx) }]
    } catch (error) {
      // A lone job that fails must roll its transaction back, not commit half of it.
      throw error instanceof Error ? error : new Error(String(error))
    }
  }
  const outcomes: Outcome[] = []
  for (const job of batch) {
    await sql`savepoint job`.execute(trx)
    try {
      const value = await job.run(trx)
      await sql`release savepoint job`.execute(trx)
      outcomes.push({ ok: true, value })
    } catch (error) {
      await sql`rollback to savepoint job`.execute(trx)
      await sql`release savepoint job`.execute(trx)
      outcomes.push({ ok: false, error })
    }
  }
  return outcomes
}
