/**
 * Usage records and the rollups kept beside them: hourly totals per dimension (for
 * reports and summaries) and per-policy window counters (for checks). Written together,
 * in the caller's transaction, so a rollup never disagrees with the records.
 */
import type { Insertable, Selectable } from 'kysely'
import type { Executor, PolicyUsageTable, UsageHourlyTable, UsageRecordsTable } from './schema.js'

/** SQLite allows 32,766 bound values a statement; 22 columns × 500 rows stays well below. */
const INSERT_CHUNK = 500
const LOOKUP_CHUNK = 900

export type UsageRow = Selectable<UsageRecordsTable>

export async function existingUsageIds(db: Executor, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>()
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
    const chunk = ids.slice(i, i + LOOKUP_CHUNK)
    const rows = await db.selectFrom('usageRecords').select('id').where('id', 'in', chunk).execute()
    for (const row of rows) found.add(row.id)
  }
  return found
}

export async function insertUsageRows(db: Executor, rows: readonly Insertable<UsageRecordsTable>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await db.insertInto('usageRecords').values(rows.slice(i, i + INSERT_CHUNK)).execute()
  }
}

export async function findUsage(db: Executor, id: string): Promise<UsageRow | undefined> {
  return db.selectFrom('usageRecords').selectAll().where('id', '=', id).executeTakeFirst()
}

export type HourlyDelta = Selectable<UsageHourlyTable>

export async function addHourly(db: Executor, deltas: Iterable<HourlyDelta>): Promise<void> {
  for (const delta of deltas) {
    await db
      .insertInto('usageHourly')
      .values(delta)
      .onConflict((oc) =>
        oc.columns(['hourStart', 'budgetId', 'provider', 'model', 'component', 'taskType', 'tier']).doUpdateSet((eb) => ({
          requests: eb('usageHourly.requests', '+', eb.ref('excluded.requests')),
          inputTokens: eb('usageHourly.inputTokens', '+', eb.ref('excluded.inputTokens')),
          outputTokens: eb('usageHourly.outputTokens', '+', eb.ref('excluded.outputTokens')),
          cacheReadTokens: eb('usageHourly.cacheReadTokens', '+', eb.ref('excluded.cacheReadTokens')),
          cacheWriteTokens: eb('usageHourly.cacheWriteTokens', '+', eb.ref('excluded.cacheWriteTokens')),
          reasoningTokens: eb('usageHourly.reasoningTokens', '+', eb.ref('excluded.reasoningTokens')),
          costNano: eb('usageHourly.costNano', '+', eb.ref('excluded.costNano')),
          unpricedRequests: eb('usageHourly.unpricedRequests', '+', eb.ref('excluded.unpricedRequests')),
        })),
      )
      .execute()
  }
}

export type PolicyUsageDelta = Selectable<PolicyUsageTable>

export async function addPolicyUsage(db: Executor, deltas: Iterable<PolicyUsageDelta>): Promise<void> {
  for (const delta of deltas) {
    await db
      .insertInto('policyUsage')
      .values(delta)
      .onConflict((oc) =>
        oc.columns(['policyId', 'scopeKey', 'bucketStart']).doUpdateSet((eb) => ({
          tokens: eb('policyUsage.tokens', '+', eb.ref('excluded.tokens')),
          costNano: eb('policyUsage.costNano', '+', eb.ref('excluded.costNano')),
        })),
      )
      .execute()
  }
}

export interface Amount {
  tokens: number
  costNano: number
}

/** A policy's committed usage over buckets [fromBucket, toBucket) of one scope key. */
export async function policyUsed(db: Executor, policyId: string, scopeKey: string, fromBucket: number, toBucket: number): Promise<Amount> {
  const row = await db
    .selectFrom('policyUsage')
    .select((eb) => [eb.fn.sum<number>('tokens').as('tokens'), eb.fn.sum<number>('costNano').as('costNano')])
    .where('policyId', '=', policyId)
    .where('scopeKey', '=', scopeKey)
    .where('bucketStart', '>=', fromBucket)
    .where('bucketStart', '<', toBucket)
    .executeTakeFirst()
  return { tokens: Number(row?.tokens ?? 0), costNano: Number(row?.costNano ?? 0) }
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
