/**
 * Reading usage back: single records, filtered pages of records (keyset cursor, newest
 * first) and grouped totals from the hourly rollups.
 */
import { BudgetError, notFound } from '../domain/errors.js'
import type { GroupKey, UsagePage, UsageQuery, UsageRecord, UsageSummary, UsageSummaryQuery, UsageTotals } from '../domain/usage.js'
import { addSums, emptySums, sumsOf, toTotals } from '../reports/totals.js'
import { findUsage } from '../store/usage.js'
import { requireBudget } from './budgets.js'
import type { EngineContext } from './context.js'
import { toUsageRecord } from './usage-record.js'

const HOUR_MS = 3_600_000

export async function getUsageRecord(ctx: EngineContext, id: string): Promise<UsageRecord> {
  const row = await findUsage(ctx.store.db, id)
  if (!row) throw notFound('usage record', id)
  return toUsageRecord(row)
}

interface CursorKey {
  timestamp: number
  id: string
}

const encodeCursor = (key: CursorKey) => Buffer.from(JSON.stringify([key.timestamp, key.id])).toString('base64url')

function decodeCursor(cursor: string): CursorKey {
  try {
    const [timestamp, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [unknown, unknown]
    if (typeof timestamp === 'number' && typeof id === 'string') return { timestamp, id }
  } catch {
    // fall through to the error below: a cursor is opaque, any damage means the same
  }
  throw new BudgetError('VALIDATION_FAILED', `cursor ${cursor} is not one this server gave out`, { path: ['cursor'] })
}

export async function listUsage(ctx: EngineContext, query: UsageQuery): Promise<UsagePage> {
  let q = ctx.store.db.selectFrom('usageRecords').selectAll()
  if (query.budgetId !== undefined) q = q.where('budgetId', '=', (await requireBudget(ctx.store.db, query.budgetId)).id)
  for (const key of ['contextId', 'provider', 'model', 'component', 'taskType'] as const) {
    const value = query[key]
    if (value !== undefined) q = q.where(key, '=', value)
  }
  if (query.from !== undefined) q = q.where('timestamp', '>=', Date.parse(query.from))
  if (query.to !== undefined) q = q.where('timestamp', '<', Date.parse(query.to))
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor)
    // A row-value comparison lets both engines seek the (timestamp, id) index to the cursor.
    q = q.where((eb) => eb(eb.refTuple('timestamp', 'id'), '<', eb.tuple(after.timestamp, after.id)))
  }
  const rows = await q.orderBy('timestamp', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute()
  const page = rows.slice(0, query.limit)
  const last = page.at(-1)
  const nextCursor = rows.length > query.limit && last ? encodeCursor({ timestamp: Number(last.timestamp), id: last.id }) : null
  return { items: page.map(toUsageRecord), nextCursor }
}

const COLUMN: Record<GroupKey, 'budgetId' | 'provider' | 'model' | 'component' | 'taskType'> = {
  budgetId: 'budgetId',
  provider: 'provider',
  model: 'model',
  component: 'component',
  taskType: 'taskType',
}

/**
 * Totals grouped by any of the rollup's dimensions. Reads the hourly rollups, so `from`
 * and `to` count whole hours: from is floored and to is ceiled to the hour.
 */
export async function usageSummary(ctx: EngineContext, query: UsageSummaryQuery): Promise<UsageSummary> {
  const groupBy = query.groupBy ?? []
  const db = ctx.store.db
  let q = db
    .selectFrom('usageHourly')
    .select((eb) => [
      eb.fn.sum<number>('requests').as('requests'),
      eb.fn.sum<number>('inputTokens').as('inputTokens'),
      eb.fn.sum<number>('outputTokens').as('outputTokens'),
      eb.fn.sum<number>('cacheReadTokens').as('cacheReadTokens'),
      eb.fn.sum<number>('cacheWriteTokens').as('cacheWriteTokens'),
      eb.fn.sum<number>('reasoningTokens').as('reasoningTokens'),
      eb.fn.sum<number>('costNano').as('costNano'),
      eb.fn.sum<number>('unpricedRequests').as('unpricedRequests'),
    ])
  for (const key of groupBy) q = q.select(COLUMN[key]).groupBy(COLUMN[key])
  if (query.budgetId !== undefined) q = q.where('budgetId', '=', (await requireBudget(db, query.budgetId)).id)
  if (query.from !== undefined) q = q.where('hourStart', '>=', Math.floor(Date.parse(query.from) / HOUR_MS) * HOUR_MS)
  if (query.to !== undefined) q = q.where('hourStart', '<', Math.ceil(Date.parse(query.to) / HOUR_MS) * HOUR_MS)
  const rows = (await q.execute()) as unknown as Record<string, unknown>[]

  const groups = rows
    .filter((row) => Number(row.requests ?? 0) > 0)
    .map((row) => ({
      key: Object.fromEntries(groupBy.map((k) => [k, row[COLUMN[k]] === '' ? null : (row[COLUMN[k]] as string)])),
      totals: toTotals(sumsOf(row)),
    }))
    .sort((a, b) => b.totals.costUsd - a.totals.costUsd)
  return {
    from: query.from ?? null,
    to: query.to ?? null,
    groupBy,
    groups: groupBy.length === 0 ? [] : groups,
    totals: grandTotal(rows),
  }
}

/** The groups' rows added up exactly (nano-USD as bigint). */
function grandTotal(rows: Record<string, unknown>[]): UsageTotals {
  return toTotals(rows.map(sumsOf).reduce(addSums, emptySums()))
}
