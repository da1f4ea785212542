/**
 * The 15-minute, per-session usage rollup (usage_quarter_hourly), added to in the same
 * transaction as the records and the hourly rollup, so the three never disagree.
 *
 * Rows are upserted like the other rollups (rollup-upsert.ts): merged by key, in key order,
 * several to a statement.
 */
import type { Insertable } from 'kysely'
import { preparedBySize, rowParams, standInRows } from './prepared.js'
import { inStatements, mergedInKeyOrder } from './rollup-upsert.js'
import type { Executor, UsageQuarterHourlyTable } from './schema.js'

export const QUARTER_HOUR_MS = 900_000

type Delta = Insertable<UsageQuarterHourlyTable> & UsageQuarterHourlyTable

/** What a stored record contributes; the fields of a usage_records row. */
export interface QuarterHourlySource {
  timestamp: number
  budgetId: string | null
  provider: string
  model: string
  component: string | null
  taskType: string | null
  tier: string | null
  contextId: string | null
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  reasoningTokens: number
  costNano: number | null
}

const SUMS = ['requests', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens', 'costNano', 'unpricedRequests'] as const
const keyOf = (d: Delta) => [d.quarterStart, d.budgetId, d.provider, d.model, d.component, d.taskType, d.tier, d.contextId].join('\u0000')

export async function addQuarterHourly(db: Executor, rows: readonly QuarterHourlySource[]): Promise<void> {
  await inStatements(mergedInKeyOrder(rows.map(deltaOf), keyOf, SUMS), (chunk) => upsert(db, chunk.length, rowParams(chunk, COLUMNS)))
}

/** One record's contribution to its 15-minute, per-session row. */
function deltaOf(r: QuarterHourlySource): Delta {
  return {
    quarterStart: Math.floor(Number(r.timestamp) / QUARTER_HOUR_MS) * QUARTER_HOUR_MS,
    budgetId: r.budgetId ?? '',
    provider: r.provider,
    model: r.model,
    component: r.component ?? '',
    taskType: r.taskType ?? '',
    tier: r.tier ?? '',
    contextId: r.contextId ?? '',
    requests: 1,
    inputTokens: Number(r.inputTokens),
    outputTokens: Number(r.outputTokens),
    cacheReadTokens: Number(r.cacheReadTokens),
    cacheWriteTokens: Number(r.cacheWriteTokens),
    reasoningTokens: Number(r.reasoningTokens ?? 0),
    costNano: r.costNano === null ? 0 : Number(r.costNano),
    unpricedRequests: r.costNano === null ? 1 : 0,
  }
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
