/**
 * Monthly range partitions of usage_records on PostgreSQL (UTC months; the bounds are a
 * storage detail, unrelated to the configured time zone of policy windows).
 *
 * A month's partition is created before the first write that needs it, in its own short
 * transaction, never inside a write transaction that holds budget locks. Rows that still
 * miss their partition (another instance dropped it, a clock crossed a month boundary
 * between the check and the insert) land in the default partition; creating the month
 * later moves them out of it, so creation never fails on them. Retention drops whole
 * months with DROP TABLE. An advisory lock keeps instances from doing either at once.
 */
import { type Kysely, sql } from 'kysely'
import type { DB } from './schema.js'

const PARENT = 'usage_records'
const DEFAULT_PARTITION = 'usage_records_default'
const NAME = /^usage_records_y(\d{4})m(\d{2})$/
/** pg_advisory_xact_lock key for partition DDL: any constant no other code uses. */
const DDL_LOCK_KEY = 0x7e4b_0d6e_7a11
/** Retention waits this long for in-flight writes on a month before it tries again later. */
const DROP_LOCK_TIMEOUT = '5s'
const RETRYABLE = new Set(['40P01', '40001', '55P03'])

export const monthStart = (ms: number) => {
  const d = new Date(ms)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
}
export const nextMonth = (ms: number) => {
  const d = new Date(ms)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
}

export function partitionName(monthStartMs: number): string {
  const d = new Date(monthStartMs)
  return `usage_records_y${String(d.getUTCFullYear()).padStart(4, '0')}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`
}

function monthOf(name: string): number | null {
  const match = NAME.exec(name)
  return match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, 1) : null
}

export class UsagePartitions {
  /** Months known to have a partition; null until read from the catalog. */
  private known: Set<number> | null = null
  private readonly creating = new Map<number, Promise<void>>()

  /** Creates the partitions of the months these instants fall into, when missing. */
  async ensure(db: Kysely<DB>, timestampsMs: Iterable<number>): Promise<void> {
    const months = new Set<number>()
    for (const ms of timestampsMs) if (Number.isFinite(ms)) months.add(monthStart(ms))
    if (months.size === 0) return
    const known = this.known ?? (this.known = new Set(await existingMonths(db)))
    for (const month of [...months].sort((a, b) => a - b)) {
      if (known.has(month)) continue
      let pending = this.creating.get(month)
      if (!pending) {
        pending = withRetry(() => createMonth(db, month)).then(
          () => {
            known.add(month)
          },
          (error: unknown) => {
            throw new Error(`could not create the usage partition for ${partitionName(month)}`, { cause: error })
          },
        )
        pending = pending.finally(() => this.creating.delete(month))
        this.creating.set(month, pending)
      }
      await pending
    }
  }

  /**
   * Drops the partitions of months that ended at or before `cutoffMs` and returns the
   * start of the oldest month kept: every record before it is gone with its partition.
   */
  async dropBefore(db: Kysely<DB>, cutoffMs: number): Promise<number> {
    const boundary = monthStart(cutoffMs)
    for (const month of await existingMonths(db)) {
      if (nextMonth(month) > boundary) continue
      await withRetry(() =>
        db
          .withoutPlugins()
          .transaction()
          .execute(async (trx) => {
            await sql`select pg_advisory_xact_lock(${sql.lit(DDL_LOCK_KEY)})`.execute(trx)
            await sql`set local lock_timeout = ${sql.lit(DROP_LOCK_TIMEOUT)}`.execute(trx)
            await sql`drop table if exists ${sql.table(partitionName(month))}`.execute(trx)
          }),
      )
      this.known?.delete(month)
    }
    return boundary
  }
}

async function existingMonths(db: Kysely<DB>): Promise<number[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    where i.inhparent = to_regclass(${PARENT})`.execute(db.withoutPlugins())
  return rows.flatMap((row) => {
    const month = monthOf(row.name)
    return month === null ? [] : [month]
  })
}

async function createMonth(db: Kysely<DB>, month: number): Promise<void> {
  const name = partitionName(month)
  const [from, to] = [month, nextMonth(month)]
  await db
    .withoutPlugins()
    .transaction()
    .execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${sql.lit(DDL_LOCK_KEY)})`.execute(trx)
      const { rows } = await sql<{ oid: string | null }>`select to_regclass(${name})::text as oid`.execute(trx)
      if (rows[0]?.oid) return
      // Built beside the table and attached, so that rows of this month already in the
      // default partition can move into it first (PARTITION OF would refuse to create it).
      await sql`create table ${sql.table(name)} (like ${sql.table(PARENT)} including defaults)`.execute(trx)
      await sql`with moved as (
          delete from ${sql.table(DEFAULT_PARTITION)} where "timestamp" >= ${from} and "timestamp" < ${to} returning *)
        insert into ${sql.table(name)} select * from moved`.execute(trx)
      await sql`alter table ${sql.table(PARENT)} attach partition ${sql.table(name)} for values from (${sql.lit(from)}) to (${sql.lit(to)})`.execute(trx)
    })
}

async function withRetry<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      if (attempt >= attempts || !RETRYABLE.has(String((error as { code?: unknown } | null)?.code))) throw error
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt))
    }
  }
}
