/**
 * What truly differs between the engines, kept in one small object so that queries
 * never branch on the dialect. Every query is written once, in Kysely; a trait exists
 * only where the engines behave differently, and says why next to each implementation.
 *
 * Concurrency model. SQLite has one writer at a time: write transactions BEGIN IMMEDIATE,
 * so the database write lock covers every budget, and the write queue groups the writes
 * that arrive together into one transaction to share its fsync. PostgreSQL serves several
 * instances at once: each write runs in its own READ COMMITTED transaction, and a check
 * or a commit first locks the rows of the budgets whose policies it touches (one
 * `SELECT … FOR …` in id order, in the mode of BudgetLock below), then reads those policies
 * (engine/policy-lock.ts). Every statement after the lock reads the newest committed
 * policies and counters, and no other check on those budgets can run between that read and
 * the write of the new holds — that is what keeps committed + reserved ≤ limit across
 * instances. Commits need not wait for checks: a check reads a policy's usage and holds in
 * one statement, one snapshot, and a commit swaps its hold for its usage in one
 * transaction, so a check sees either the hold or the usage, never neither.
 *
 * Row locks were chosen over a single-statement conditional update
 * (`update … where used + x <= limit`) because they keep one code path for both engines,
 * work for any number of policies, windows and budgets per request, and leave the
 * decision logic (warn / downgrade / block, headroom) in TypeScript; they cost about half
 * the throughput of the single-statement form on one hot budget (reference/PEERS.md),
 * and none on budgets that don't share a lock.
 */
import type { Transaction } from 'kysely'
import type { DB, Executor } from './schema.js'

/**
 * What a transaction does with the budgets it locks, which decides whom it waits for
 * (PostgreSQL row-lock modes; SQLite's database write lock covers every budget):
 * - `change`: creates, changes or rebuilds policies and counters (FOR UPDATE) — waits for
 *   every other holder, and they for it;
 * - `check`: reads counters and writes holds (FOR NO KEY UPDATE) — waits for other checks
 *   and for changes;
 * - `record`: adds usage and reads policies (FOR KEY SHARE) — waits only for changes, so
 *   that commits run beside checks and beside each other, yet never miss a new policy.
 */
export type BudgetLock = 'change' | 'check' | 'record'

export interface DialectTraits {
  readonly name: 'sqlite' | 'postgres'
  /**
   * Whether the write queue may run writes that arrive together in one transaction (each
   * in its own savepoint). Only safe when one writer holds the whole database anyway.
   */
  readonly groupCommit: boolean
  /** Whether lockBudgets locks rows; false where a write transaction already holds every budget. */
  readonly locksBudgets: boolean
  /** Holds these budgets until the transaction ends, against the writers `lock` excludes. */
  lockBudgets(trx: Transaction<DB>, budgetIds: readonly string[], lock: BudgetLock): Promise<void>
  /** Whether a failed transaction may simply be run again (deadlock, serialization failure). */
  isRetryable(error: unknown): boolean
  /**
   * Makes the store ready to take usage records at these instants, outside any write
   * transaction (PostgreSQL: the monthly partitions they fall into exist).
   */
  prepareUsage(db: Executor, timestampsMs: Iterable<number>): Promise<void>
  /**
   * Removes raw usage records older than `cutoffMs`, as cheaply as the engine allows, and
   * returns the instant before which no record is left (at most `cutoffMs`). Rollups are
   * never touched.
   */
  dropUsageBefore(db: Executor, cutoffMs: number): Promise<number>
}
