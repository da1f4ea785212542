/**
 * The 15-minute, per-session usage rollup (usage_quarter_hourly), added to in the same
 * transaction as the records and the hourly rollup, so the three never disagree.
 *
 * Rows are upserted like the other rollups (rollup-upsert.ts): merged by key, in key order,
 * several to a statement.
 */
import type { Insertable } from 'kysely'
import { preparedBySize, rowParams, standInRows } from './prepared.js'
import { inStatements, mergedInKeyOrder, recordMetrics, type RollupSource, rollupKeys } from './rollup-upsert.js'
import type { Executor, UsageQuarterHourlyTable } from './schema.js'

export const QUARTER_HOUR_MS = 900_000

type Delta = Insertable<UsageQuarterHourlyTable> & UsageQuarterHourlyTable

const SUMS = ['requests', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens', 'costNano', 'unpricedRequests'] as const
const keyOf = (d: Delta) => [d.quarterStart, d.budgetId, d.provider, d.model, d.component, d.taskType, d.tier, d.contextId].join('\u0000')

export async function addQuarterHourly(db: Executor, rows: readonly RollupSource[]): Promise<void> {
  await inStatements(mergedInKeyOrder(rows.map(deltaOf), keyOf, SUMS), (chunk) => upsert(db, chunk.length, rowParams(chunk, COLUMNS)))
}

/** One record's contribution to its 15-minute, per-session row. */
function deltaOf(r: RollupSource): Delta {
  return { quarterStart: Math.floor(Number(r.timestamp) / QUARTER_HOUR_MS) * QUARTER_HOUR_MS, ...rollupKeys(r), contextId: r.contextId ?? '', ...recordMetrics(r) }
}

const COLUMNS = ['quarterStart', 'budgetId', 'provider', 'model', 'component', 'taskType', 'tier', 'contextId', ...SUMS] as const

const upsert = preparedBySize((db, size, p: Record<string, unknown>) =>
  db
    .insertInto('usageQuarterHourly')
    .values(standInRows<Delta>(p, size, COLUMNS))
    .onConflict((oc) =>
      oc.columns(['quarterStart', 'budgetId', 'provider', 'model', 'component', 'taskType', 'tier', 'contextId']).doUpdateSet((eb) => ({
        requests: eb('usageQuarterHourly.requests', '+', eb.ref('excluded.requests')),
        inputTokens: eb('usageQuarterHourly.inputTokens', '+', eb.ref('excluded.inputTokens')),
        outputTokens: eb('usageQuarterHourly.outputTokens', '+', eb.ref('excluded.outputTokens')),
        cacheReadTokens: eb('usageQuarterHourly.cacheReadTokens', '+', eb.ref('excluded.cacheReadTokens')),
        cacheWriteTokens: eb('usageQuarterHourly.cacheWriteTokens', '+', eb.ref('excluded.cacheWriteTokens')),
        reasoningTokens: eb('usageQuarterHourly.reasoningTokens', '+', eb.ref('excluded.reasoningTokens')),
        costNano: eb('usageQuarterHourly.costNano', '+', eb.ref('excluded.costNano')),
        unpricedRequests: eb('usageQuarterHourly.unpricedRequests', '+', eb.ref('excluded.unpricedRequests')),
      })),
    ),
)
