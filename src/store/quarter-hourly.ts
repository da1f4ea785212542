/**
 * The 15-minute, per-session usage rollup (usage_quarter_hourly), added to in the same
 * transaction as the records and the hourly rollup, so the three never disagree.
 *
 * Rows are upserted like the other rollups (rollup-upsert.ts): merged by key, in key order,
 * several to a statement.
 */
import type { Insertable } from 'kysely'
import { recordMetrics, ROLLUP_SUMS, rollupAdder, type RollupSource, rollupKeys } from './rollup-upsert.js'
import type { Executor, UsageQuarterHourlyTable } from './schema.js'

export const QUARTER_HOUR_MS = 900_000

type Delta = Insertable<UsageQuarterHourlyTable> & UsageQuarterHourlyTable

const add = rollupAdder<Delta>('usageQuarterHourly', ['quarterStart', 'budgetId', 'provider', 'model', 'component', 'taskType', 'tier', 'contextId'], ROLLUP_SUMS)

export async function addQuarterHourly(db: Executor, rows: readonly RollupSource[]): Promise<void> {
  await add(db, rows.map(deltaOf))
}

/** One record's contribution to its 15-minute, per-session row. */
function deltaOf(r: RollupSource): Delta {
  return { quarterStart: Math.floor(Number(r.timestamp) / QUARTER_HOUR_MS) * QUARTER_HOUR_MS, ...rollupKeys(r), contextId: r.contextId ?? '', ...recordMetrics(r) }
}
