/**
 * Retention of raw usage records (BUDGET_RETENTION_DAYS): at start and then every hour,
 * records older than the retention period go — whole month partitions on PostgreSQL,
 * rows on SQLite — together with their ids. The hourly rollups (usage_hourly) and policy
 * counters (policy_usage) are never touched, so summaries, reports and limits over old
 * windows are unchanged; only the raw records (and recording an id again after its
 * record is gone) are lost.
 *
 * Every instance runs it; running it twice is harmless.
 */
import type { Kysely } from 'kysely'
import type { DialectTraits } from './dialect.js'
import type { DB } from './schema.js'

const DAY_MS = 86_400_000
const EVERY_MS = 3_600_000

export interface Retention {
  readonly days: number
  /** Applies retention now; resolves to the instant before which no record is left. */
  run(nowMs?: number): Promise<number>
  stop(): Promise<void>
}

export interface RetentionOptions {
  days: number
  now: () => number
  onError: (error: unknown) => void
}

export function startRetention(db: Kysely<DB>, traits: DialectTraits, { days, now, onError }: RetentionOptions): Retention {
  let running: Promise<unknown> = Promise.resolve()
  const run = (nowMs = now()) => {
    const next = running.then(() => traits.dropUsageBefore(db, nowMs - days * DAY_MS))
    running = next.catch(() => {})
    return next
  }
  const tick = () => void run().catch(onError)
  const first = setTimeout(tick, 0)
  const timer = setInterval(tick, EVERY_MS)
  first.unref()
  timer.unref()
  return {
    days,
    run,
    async stop() {
      clearTimeout(first)
      clearInterval(timer)
      await running
    },
  }
}

