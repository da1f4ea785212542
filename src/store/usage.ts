/**
 * Usage records and the rollups kept beside them: hourly totals per dimension (for
 * reports and summaries) and per-policy window counters (for checks). Written together,
 * in the caller's transaction, so a rollup never disagrees with the records.
 */
import { type Insertable, type Selectable, sql } from 'kysely'
import { prepared, preparedBySize, rowParams, standInRows } from './prepared.js'
import { ROLLUP_SUMS, rollupAdder } from './rollup-upsert.js'
import type { Executor, PolicyUsageTable, UsageHourlyTable, UsageRecordsTable } from './schema.js'

/** SQLite allows 32,766 bound values a statement; 22 columns × 500 rows stays well below. */
const INSERT_CHUNK = 500
const LOOKUP_CHUNK = 900

export type UsageRow = Selectable<UsageRecordsTable>

// One record at a time is the commit of a single call: its statements are prepared (prepared.ts).
const idTaken = prepared((db, p: { id: string }) => db.selectFrom('usageIds').select('id').where('id', '=', p.id))
const claimId = prepared((db, p: { id: string; timestamp: number }) =>
  db.insertInto('usageIds').values({ id: p.id, timestamp: p.timestamp }).onConflict((oc) => oc.column('id').doNothing()).returning('id'),
)
const RECORD_COLUMNS = [
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
  'costNano',
  'priceVersion',
  'metadata',
  'createdAt',
] as const satisfies readonly (keyof UsageRecordsTable)[]
const insertRecord = prepared((db, p: Record<string, unknown>) => db.insertInto('usageRecords').values(standInRows<Insertable<UsageRecordsTable>>(p, 1, RECORD_COLUMNS)))

/** Ids already taken, of these. Reads usage_ids, which holds every stored record's id. */
export async function existingUsageIds(db: Executor, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 1) return new Set((await idTaken(db, { id: ids[0]! })).map((row) => row.id))
  const found = new Set<string>()
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
    const chunk = ids.slice(i, i + LOOKUP_CHUNK)
    const rows = await db.selectFrom('usageIds').select('id').where('id', 'in', chunk).execute()
    for (const row of rows) found.add(row.id)
  }
  return found
}

/**
 * Claims record ids for this transaction and returns the ones it got. An id another
 * transaction stored first — possibly on another instance, after our duplicate check —
 * is not returned: the unique key of usage_ids decides, so a record is stored once
 * however many instances receive it at the same moment. Claimed in id order, so that two
 * transactions claiming overlapping ids wait for each other instead of deadlocking.
 */
export async function claimUsageIds(db: Executor, rows: readonly { id: string; timestamp: number }[]): Promise<Set<string>> {
  if (rows.length === 1) return new Set((await claimId(db, { id: rows[0]!.id, timestamp: rows[0]!.timestamp })).map((row) => row.id))
  const sorted = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => ({ id: r.id, timestamp: r.timestamp }))
  const claimed = new Set<string>()
  for (let i = 0; i < sorted.length; i += INSERT_CHUNK) {
    const inserted = await db
      .insertInto('usageIds')
      .values(sorted.slice(i, i + INSERT_CHUNK))
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .execute()
    for (const row of inserted) claimed.add(row.id)
  }
  return claimed
}

export async function insertUsageRows(db: Executor, rows: readonly Insertable<UsageRecordsTable>[]): Promise<void> {
  if (rows.length === 1) {
    await insertRecord(db, rowParams(rows, RECORD_COLUMNS))
    return
  }
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await db.insertInto('usageRecords').values(rows.slice(i, i + INSERT_CHUNK)).execute()
  }
}

/**
 * One record by id. The timestamp, looked up in usage_ids first, lets PostgreSQL read
 * only the month partition that holds the record.
 */
export async function findUsage(db: Executor, id: string): Promise<UsageRow | undefined> {
  return db
    .selectFrom('usageRecords')
    .selectAll()
    .where('id', '=', id)
    .where('timestamp', '=', (eb) => eb.selectFrom('usageIds').select('timestamp').where('id', '=', id))
    .executeTakeFirst()
}

const DELETE_CHUNK = 5_000

/**
 * Deletes the records (and their ids) older than `cutoffMs`, a chunk per statement so that
 * writers are never held up long. Rollups stay: reports over old windows still add up.
 */
export async function deleteUsageBefore(db: Executor, cutoffMs: number): Promise<void> {
  for (const table of ['usageRecords', 'usageIds'] as const) {
    for (;;) {
      const result = await db
        .deleteFrom(table)
        .where('timestamp', '<', cutoffMs)
        .where('id', 'in', (eb) => eb.selectFrom(table).select('id').where('timestamp', '<', cutoffMs).limit(DELETE_CHUNK))
        .executeTakeFirst()
      if (Number(result.numDeletedRows) < DELETE_CHUNK) break
    }
  }
}

export type HourlyDelta = Selectable<UsageHourlyTable>

export const addHourly = rollupAdder<HourlyDelta>('usageHourly', ['hourStart', 'budgetId', 'provider', 'model', 'component', 'taskType', 'tier'], ROLLUP_SUMS)

export type PolicyUsageDelta = Selectable<PolicyUsageTable>

export const addPolicyUsage = rollupAdder<PolicyUsageDelta>('policyUsage', ['policyId', 'scopeKey', 'bucketStart'], ['tokens', 'costNano'])

export interface Amount {
  tokens: number
  costNano: number
}

export interface CounterSpan {
  scopeKey: string
  fromBucket: number
  toBucket: number
}

/**
 * A policy's standing in one window, in one query: what records committed over buckets
 * [fromBucket, toBucket) of one scope key, and what unexpired reservations hold. One
 * statement reads both, so that on PostgreSQL they come from one snapshot: a commit that
 * turns a hold into usage is seen entirely or not at all.
 */
export async function policyCounters(db: Executor, policyId: string, span: CounterSpan, nowMs: number): Promise<{ used: Amount; held: Amount }> {
  const [counters] = await policiesCounters(db, [{ policyId, span }], nowMs)
  return counters as { used: Amount; held: Amount }
}

const SPAN_COLUMNS = ['policyId', 'scopeKey', 'fromBucket', 'toBucket'] as const

/** What `size` policies' windows have used and hold, as rows kind `used:i` / `held:i`. */
const counters = preparedBySize((db, size, p: Record<string, unknown>) => {
  const spans = standInRows<{ policyId: string; scopeKey: string; fromBucket: number; toBucket: number }>(p, size, SPAN_COLUMNS)
  const used = (i: number) =>
    db
      .selectFrom('policyUsage')
      .select((eb) => [sql.lit(`used:${i}`).as('kind'), eb.fn.sum<number>('tokens').as('tokens'), eb.fn.sum<number>('costNano').as('costNano')])
      .where('policyId', '=', spans[i]!.policyId)
      .where('scopeKey', '=', spans[i]!.scopeKey)
      .where('bucketStart', '>=', spans[i]!.fromBucket)
      .where('bucketStart', '<', spans[i]!.toBucket)
  const held = (i: number) =>
    db
      .selectFrom('reservationHolds')
      .select((eb) => [sql.lit(`held:${i}`).as('kind'), eb.fn.sum<number>('tokens').as('tokens'), eb.fn.sum<number>('costNano').as('costNano')])
      .where('policyId', '=', spans[i]!.policyId)
      .where('scopeKey', '=', spans[i]!.scopeKey)
      .where('expiresAt', '>', p.nowMs as number)
  let query = used(0).unionAll(held(0))
  for (let i = 1; i < size; i++) query = query.unionAll(used(i)).unionAll(held(i))
  return query
})

/** SQLite allows 500 terms in a compound select; each policy takes two. */
const COUNTERS_CHUNK = 100

/**
 * policyCounters of several policies, in one query (one round trip, one snapshot) for up
 * to a hundred policies.
 */
export async function policiesCounters(
  db: Executor,
  policies: readonly { policyId: string; span: CounterSpan }[],
  nowMs: number,
): Promise<{ used: Amount; held: Amount }[]> {
  if (policies.length > COUNTERS_CHUNK) {
    const out: { used: Amount; held: Amount }[] = []
    for (let i = 0; i < policies.length; i += COUNTERS_CHUNK) out.push(...(await policiesCounters(db, policies.slice(i, i + COUNTERS_CHUNK), nowMs)))
    return out
  }
  if (policies.length === 0) return []
  const spans = policies.map(({ policyId, span }) => ({ policyId, ...span }))
  const params = { nowMs, ...rowParams(spans, SPAN_COLUMNS) }
  const rows = new Map((await counters(db, policies.length, params)).map((row) => [row.kind, row]))
  const amount = (kind: string): Amount => {
    const row = rows.get(kind)
    return { tokens: Number(row?.tokens ?? 0), costNano: Number(row?.costNano ?? 0) }
  }
  return policies.map((_, i) => ({ used: amount(`used:${i}`), held: amount(`held:${i}`) }))
}

/** Removes a policy's counters, before they are rebuilt from the records. */
export async function clearPolicyUsage(db: Executor, policyId: string): Promise<void> {
  await db.deleteFrom('policyUsage').where('policyId', '=', policyId).execute()
}

/** Records in [fromMs, toMs) of these budgets (null: records that name no budget). */
export async function usageInSpan(db: Executor, budgetId: string, fromMs: number, toMs: number): Promise<UsageRow[]> {
  return db
    .selectFrom('usageRecords')
    .selectAll()
    .where((eb) => eb.or([eb('budgetId', '=', budgetId), eb('budgetId', 'is', null)]))
    .where('timestamp', '>=', fromMs)
    .where('timestamp', '<', toMs)
    .execute()
}
