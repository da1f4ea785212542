/**
 * PostgreSQL connection set-up and its dialect traits: a pg Pool behind Kysely's
 * PostgresDialect, type parsers that return 64-bit integers as JS numbers, row locks on
 * budgets, retry of deadlocked transactions, and the monthly partitions of usage_records.
 *
 * Several stateless instances may share one database: nothing here keeps state that
 * another instance could contradict, except a cache of which partitions exist (a missing
 * entry only costs one catalog lookup; a stale one only sends rows to the default
 * partition, which is the safety net).
 */
import pg from 'pg'
import { PostgresDialect } from 'kysely'
import type { DialectTraits } from './dialect.js'
import { UsagePartitions } from './partitions.js'
import { deleteUsageBefore } from './usage.js'

/** int8 (bigint columns, count(*)) and numeric (what sum(bigint) returns). */
const INT8_OID = 20
const NUMERIC_OID = 1700

/**
 * pg hands int8 and numeric over as strings so that nothing is lost past 2^53. Every int8
 * we store is an instant in milliseconds, a token count or nano-USD, and DESIGN.md bounds
 * money totals below 2^53 nano-USD (≈ $9M) per record and per window, so plain numbers
 * are exact. A value that is not a safe integer throws instead of being rounded silently.
 */
function parseInt8(text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value)) throw new RangeError(`integer ${text} from PostgreSQL is beyond 2^53 and can't be a JS number`)
  return value
}

const parseNumeric = (text: string): number => {
  const value = Number(text)
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) throw new RangeError(`sum ${text} from PostgreSQL is beyond 2^53 and can't be a JS number`)
  return value
}

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return parseInt8
    if (oid === NUMERIC_OID) return parseNumeric
    return pg.types.getTypeParser(oid, format)
  },
} as pg.CustomTypesConfig

export interface PostgresOptions {
  /** Connections per instance; a write holds one for its whole transaction. */
  poolSize?: number
  /** Called when an idle pooled connection fails (the pool replaces it). */
  onError?: (error: Error) => void
}

export function openPostgres(url: string, options: PostgresOptions = {}): { dialect: PostgresDialect; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 16, types, application_name: 'tekton-budget' })
  // An idle connection that the server drops emits 'error' on the pool; unhandled, that
  // would end the process. The pool discards the connection and opens a new one on demand.
  pool.on('error', options.onError ?? (() => {}))
  return { dialect: new PostgresDialect({ pool }), pool }
}

const RETRYABLE_SQLSTATES = new Set(['40P01', '40001'])

export function createPostgresTraits(): DialectTraits {
  const partitions = new UsagePartitions()
  return {
    name: 'postgres',
    // Concurrent transactions already share WAL flushes in PostgreSQL (its own group
    // commit). Putting unrelated writes into one transaction would only hold their row
    // locks longer, and, as each takes its locks in its own order, could deadlock with
    // another instance doing the same.
    groupCommit: false,
    locksBudgets: true,
    // Several instances share the database; these row locks are what keep
    // committed + reserved ≤ limit true between them. One statement locks them all, in id
    // order, so two requests that touch the same budgets never deadlock on them.
    async lockBudgets(trx, budgetIds, lock) {
      if (budgetIds.length === 0) return
      const ids = [...new Set(budgetIds)].sort()
      const rows = trx.selectFrom('budgets').select('id').where('id', 'in', ids).orderBy('id')
      await (lock === 'change' ? rows.forUpdate() : lock === 'check' ? rows.forNoKeyUpdate() : rows.forKeyShare()).execute()
    },
    isRetryable: (error) => RETRYABLE_SQLSTATES.has(String((error as { code?: unknown } | null)?.code)),
    prepareUsage: (db, timestampsMs) => partitions.ensure(db, timestampsMs),
    // Whole months go with DROP TABLE (no dead rows, no vacuum); what is left is in the
    // default partition, which only holds rows that missed their month's partition.
    async dropUsageBefore(db, cutoffMs) {
      const boundary = await partitions.dropBefore(db, cutoffMs)
      await deleteUsageBefore(db, boundary)
      return boundary
    },
  }
}
