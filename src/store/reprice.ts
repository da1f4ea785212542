/**
 * Repricing storage: reading usage records page by page, rewriting one record's cost, and
 * moving the cost rollups by the difference — usage_hourly, usage_quarter_hourly, the
 * policy counters that counted the record and the reservation it committed — in the
 * caller's transaction, so rollups never disagree with the records.
 *
 * Only existing rollup rows are moved: a record never counted by a policy (the policy came
 * later and was rebuilt over another window) must not start counting because its price
 * changed.
 */
import type { Selectable } from 'kysely'
import type { Executor, UsageRecordsTable } from './schema.js'
import { QUARTER_HOUR_MS } from './quarter-hourly.js'
import { rollupKeys } from './rollup-upsert.js'

const HOUR_MS = 3_600_000

export type RepriceRow = Pick<
  Selectable<UsageRecordsTable>,
  | 'id'
  | 'timestamp'
  | 'budgetId'
  | 'reservationId'
  | 'contextId'
  | 'provider'
  | 'model'
  | 'component'
  | 'taskType'
  | 'tier'
  | 'inputTokens'
  | 'outputTokens'
  | 'cacheReadTokens'
  | 'cacheWriteTokens'
  | 'cacheWrite1hTokens'
  | 'costNano'
  | 'priceVersion'
>

export interface ModelSpelling {
  provider: string
  model: string
}

export interface RecordScope {
  sinceMs: number
  /** Only records with one of these (provider, model) as written; undefined = all. */
  models?: readonly ModelSpelling[]
}

export interface Cursor {
  timestamp: number
  id: string
}

/** Models as records spell them since `sinceMs`, with how many of their records are unpriced (from the hourly rollup). */
export async function recordedModels(db: Executor, sinceMs: number): Promise<(ModelSpelling & { unpriced: number })[]> {
  const rows = await db
    .selectFrom('usageHourly')
    .select((eb) => ['provider', 'model', eb.fn.sum<number>('unpricedRequests').as('unpriced')])
    .where('hourStart', '>=', Math.floor(sinceMs / HOUR_MS) * HOUR_MS)
    .groupBy(['provider', 'model'])
    .execute()
  return rows.map((r) => ({ provider: r.provider, model: r.model, unpriced: Number(r.unpriced) }))
}

function recordsQuery(db: Executor, scope: RecordScope) {
  let query = db.selectFrom('usageRecords').where('timestamp', '>=', scope.sinceMs)
  if (scope.models !== undefined) {
    const models = scope.models
    query = query.where((eb) => eb.or(models.map((m) => eb.and([eb('provider', '=', m.provider), eb('model', '=', m.model)]))))
  }
  return query
}

export async function countRecords(db: Executor, scope: RecordScope): Promise<number> {
  if (scope.models?.length === 0) return 0
  const row = await recordsQuery(db, scope).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()
  return Number(row?.n ?? 0)
}

/** The next page of records in (timestamp, id) order after `after`. */
export async function recordsPage(db: Executor, scope: RecordScope, after: Cursor | null, limit: number): Promise<RepriceRow[]> {
  if (scope.models?.length === 0) return []
  let query = recordsQuery(db, scope).select([
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
    'inputTokens',
    'outputTokens',
    'cacheReadTokens',
    'cacheWriteTokens',
    'cacheWrite1hTokens',
    'costNano',
    'priceVersion',
  ])
  if (after !== null) {
    query = query.where((eb) => eb.or([eb('timestamp', '>', after.timestamp), eb.and([eb('timestamp', '=', after.timestamp), eb('id', '>', after.id)])]))
  }
  const rows = await query.orderBy('timestamp').orderBy('id').limit(limit).execute()
  return rows.map((r) => ({
    ...r,
    timestamp: Number(r.timestamp),
    inputTokens: Number(r.inputTokens),
    outputTokens: Number(r.outputTokens),
    cacheReadTokens: Number(r.cacheReadTokens),
    cacheWriteTokens: Number(r.cacheWriteTokens),
    cacheWrite1hTokens: Number(r.cacheWrite1hTokens),
    costNano: r.costNano === null ? null : Number(r.costNano),
  }))
}

/**
 * Rewrites a record's cost if it still holds `row`'s cost and version; false when another
 * writer (a reprice on another instance) changed it first — then its rollups are that
 * writer's to move.
 */
export async function rewriteCost(db: Executor, row: RepriceRow, costNano: number, priceVersion: string): Promise<boolean> {
  const result = await db
    .updateTable('usageRecords')
    .set({ costNano, priceVersion })
    .where('id', '=', row.id)
    .where('timestamp', '=', row.timestamp)
    .where((eb) => (row.costNano === null ? eb('costNano', 'is', null) : eb('costNano', '=', row.costNano)))
    .where((eb) => (row.priceVersion === null ? eb('priceVersion', 'is', null) : eb('priceVersion', '=', row.priceVersion)))
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export interface CostDelta {
  row: RepriceRow
  costNano: number
  /** -1 when the record had no price before, else 0. */
  unpriced: number
}

/** Moves the record's hourly and quarter-hourly rollup rows by its cost change. */
export async function moveRollups(db: Executor, delta: CostDelta): Promise<void> {
  const r = delta.row
  const keys = rollupKeys(r)
  await db
    .updateTable('usageHourly')
    .set((eb) => ({ costNano: eb('costNano', '+', delta.costNano), unpricedRequests: eb('unpricedRequests', '+', delta.unpriced) }))
    .where('hourStart', '=', Math.floor(r.timestamp / HOUR_MS) * HOUR_MS)
    .where('budgetId', '=', keys.budgetId)
    .where('provider', '=', keys.provider)
    .where('model', '=', keys.model)
    .where('component', '=', keys.component)
    .where('taskType', '=', keys.taskType)
    .where('tier', '=', keys.tier)
    .execute()
  await db
    .updateTable('usageQuarterHourly')
    .set((eb) => ({ costNano: eb('costNano', '+', delta.costNano), unpricedRequests: eb('unpricedRequests', '+', delta.unpriced) }))
    .where('quarterStart', '=', Math.floor(r.timestamp / QUARTER_HOUR_MS) * QUARTER_HOUR_MS)
    .where('budgetId', '=', keys.budgetId)
    .where('provider', '=', keys.provider)
    .where('model', '=', keys.model)
    .where('component', '=', keys.component)
    .where('taskType', '=', keys.taskType)
    .where('tier', '=', keys.tier)
    .where('contextId', '=', r.contextId ?? '')
    .execute()
  if (r.reservationId !== null) {
    await db
      .updateTable('reservations')
      .set((eb) => ({ costUsedNano: eb('costUsedNano', '+', delta.costNano) }))
      .where('id', '=', r.reservationId)
      .where('status', '=', 'committed')
      .execute()
  }
}

/** Moves one existing policy counter by a cost change. */
export async function movePolicyCounter(db: Executor, counter: { policyId: string; scopeKey: string; bucketStart: number }, costNano: number): Promise<void> {
  await db
    .updateTable('policyUsage')
    .set((eb) => ({ costNano: eb('costNano', '+', costNano) }))
    .where('policyId', '=', counter.policyId)
    .where('scopeKey', '=', counter.scopeKey)
    .where('bucketStart', '=', counter.bucketStart)
    .execute()
}
