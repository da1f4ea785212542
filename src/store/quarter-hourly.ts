/**
 * The 15-minute, per-session usage rollup (usage_quarter_hourly), added to in the same
 * transaction as the records and the hourly rollup, so the three never disagree.
 *
 * Rows are upserted in key order, several to a statement: two transactions that touch the
 * same rows never deadlock, and a batch of 10,000 records costs a few dozen statements.
 * Statement sizes come from a fixed set (powers of two) so that SQLite's statement cache
 * sees a handful of shapes, not one per batch size.
 */
import type { Insertable } from 'kysely'
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

const CHUNKS = [128, 64, 32, 16, 8, 4, 2, 1]

export async function addQuarterHourly(db: Executor, rows: readonly QuarterHourlySource[]): Promise<void> {
  const deltas = new Map<string, Delta>()
  for (const r of rows) {
    const key = {
      quarterStart: Math.floor(Number(r.timestamp) / QUARTER_HOUR_MS) * QUARTER_HOUR_MS,
      budgetId: r.budgetId ?? '',
      provider: r.provider,
      model: r.model,
      component: r.component ?? '',
      taskType: r.taskType ?? '',
      tier: r.tier ?? '',
      contextId: r.contextId ?? '',
    }
    const id = Object.values(key).join('\u0000')
    let delta = deltas.get(id)
    if (delta === undefined) {
      delta = { ...key, requests: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costNano: 0, unpricedRequests: 0 }
      deltas.set(id, delta)
    }
    delta.requests += 1
    delta.inputTokens += Number(r.inputTokens)
    delta.outputTokens += Number(r.outputTokens)
    delta.cacheReadTokens += Number(r.cacheReadTokens)
    delta.cacheWriteTokens += Number(r.cacheWriteTokens)
    delta.reasoningTokens += Number(r.reasoningTokens ?? 0)
    delta.costNano += r.costNano === null ? 0 : Number(r.costNano)
    delta.unpricedRequests += r.costNano === null ? 1 : 0
  }
  const sorted = [...deltas.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, delta]) => delta)
  for (let i = 0; i < sorted.length; ) {
    const size = CHUNKS.find((n) => n <= sorted.length - i) ?? 1
    await upsert(db, sorted.slice(i, i + size))
    i += size
  }
}

async function upsert(db: Executor, deltas: Delta[]): Promise<void> {
  await db
    .insertInto('usageQuarterHourly')
    .values(deltas)
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
    )
    .execute()
}
