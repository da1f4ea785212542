/**
 * Every usage record a listing matches, newest first, for exports: raw records, as record
 * listings must be, read in keyset pages with one page in memory at a time.
 *
 * Same filters, order and cursor as GET /usage (engine/usage-query.ts), so an export may
 * continue from a listing's cursor. The page condition is a row-value comparison,
 * `(timestamp, id) < (t, id)`, which both engines answer with a range seek on the
 * (timestamp, id) index: every page costs the same however deep the export is. (An OR of
 * `timestamp < t` and `timestamp = t and id < …` scans the index from the newest record
 * down to the cursor on SQLite, so pages grow slower the deeper they are.)
 */
import { sql } from 'kysely'
import { BudgetError } from '../domain/errors.js'
import type { UsageQuery, UsageRecord } from '../domain/usage.js'
import { requireBudget } from '../engine/budgets.js'
import type { EngineContext } from '../engine/context.js'
import { toUsageRecord } from '../engine/usage-record.js'
import { nextTurn } from './export-format.js'

const EXPORT_PAGE = 5_000

interface Key {
  timestamp: number
  id: string
}

export async function* usageRecords(ctx: EngineContext, query: UsageQuery): AsyncGenerator<UsageRecord> {
  const db = ctx.store.db
  const budgetId = query.budgetId === undefined ? undefined : (await requireBudget(db, query.budgetId)).id
  let after = query.cursor === undefined ? null : decodeCursor(query.cursor)
  for (;;) {
    let q = db.selectFrom('usageRecords').selectAll()
    if (budgetId !== undefined) q = q.where('budgetId', '=', budgetId)
    for (const key of ['contextId', 'provider', 'model', 'component', 'taskType'] as const) {
      const value = query[key]
      if (value !== undefined) q = q.where(key, '=', value)
    }
    if (query.from !== undefined) q = q.where('timestamp', '>=', Date.parse(query.from))
    if (query.to !== undefined) q = q.where('timestamp', '<', Date.parse(query.to))
    if (after !== null) q = q.where(sql<boolean>`(${sql.ref('timestamp')}, ${sql.ref('id')}) < (cast(${after.timestamp} as bigint), ${after.id})`)
    const rows = await q.orderBy('timestamp', 'desc').orderBy('id', 'desc').limit(EXPORT_PAGE).execute()
    for (const row of rows) yield toUsageRecord(row)
    const last = rows.at(-1)
    if (rows.length < EXPORT_PAGE || last === undefined) return
    after = { timestamp: Number(last.timestamp), id: last.id }
    await nextTurn()
  }
}

/** The cursor of GET /usage: base64url of [timestamp, id]. */
function decodeCursor(cursor: string): Key {
  try {
    const [timestamp, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [unknown, unknown]
    if (typeof timestamp === 'number' && typeof id === 'string') return { timestamp, id }
  } catch {
    // fall through: a cursor is opaque, any damage means the same
  }
  throw new BudgetError('VALIDATION_FAILED', `cursor ${cursor} is not one this server gave out`, { path: ['cursor'] })
}

/** CSV columns of a usage record; metadata is written as JSON text. */
export const USAGE_RECORD_COLUMNS = [
  'id',
  'timestamp',
  'budgetId',
  'reservationId',
  'contextId',
  'provider',
  'model',
  'component',
  'taskType',
  'tier',
  'operation',
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'cacheWrite1hTokens',
  'reasoningTokens',
  'costUsd',
  'unpriced',
  'priceVersion',
  'metadata',
] as const satisfies readonly (keyof UsageRecord)[]
