/**
 * Adding deltas to additive rollups (hourly, 15-minute, per-policy counters) with upserts.
 *
 * Rollup rows are upserted in key order, several to a statement: two transactions that
 * touch the same rows wait for each other instead of deadlocking, and a commit costs one
 * round trip per rollup table, not one per row. A statement may not name one key twice
 * (PostgreSQL refuses to update a row twice in one statement), so deltas are merged by key
 * first. Statement sizes come from a fixed set so that few statement shapes exist.
 */
import { type Kysely, sql } from 'kysely'
import { preparedBySize, rowParams, standInRows } from './prepared.js'
import type { Executor } from './schema.js'

const UPSERT_SIZES = [64, 32, 16, 8, 4, 2, 1]

/** The metrics every usage rollup adds up (usage_hourly, usage_quarter_hourly). */
export const ROLLUP_SUMS = ['requests', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens', 'costNano', 'unpricedRequests'] as const

type RollupTable = 'usageHourly' | 'usageQuarterHourly' | 'policyUsage'

/**
 * How deltas are added to one rollup table: rows keyed by `keys`, whose `sums` add up — on
 * conflict each sum becomes `table.sum + excluded.sum`. Returns the function that adds a
 * set of deltas (merged by key, in key order, in prepared statements of the fixed sizes).
 */
export function rollupAdder<T extends object>(table: RollupTable, keys: readonly (keyof T & string)[], sums: readonly (keyof T & string)[]) {
  const columns = [...keys, ...sums]
  const keyOf = (delta: T) => keys.map((k) => delta[k]).join('\u0000')
  const upsert = preparedBySize((db, size, p: Record<string, unknown>) =>
    // The table is named at run time, so its columns are too: the statement is typed loosely.
    (db as unknown as Kysely<Record<string, Record<string, unknown>>>)
      .insertInto(table)
      .values(standInRows<Record<string, unknown>>(p, size, columns))
      .onConflict((oc) => oc.columns(keys).doUpdateSet(Object.fromEntries(sums.map((c) => [c, sql`${sql.ref(`${table}.${c}`)} + ${sql.ref(`excluded.${c}`)}`])))),
  )
  return async (db: Executor, deltas: Iterable<T>): Promise<void> => {
    await inStatements(mergedInKeyOrder(deltas, keyOf, sums), (chunk) => upsert(db, chunk.length, rowParams(chunk, columns)))
  }
}

/** The deltas with one per key (the `sums` of repeats added up), in key order. */
export function mergedInKeyOrder<T extends object>(deltas: Iterable<T>, keyOf: (d: T) => string, sums: readonly (keyof T)[]): T[] {
  const merged = new Map<string, T>()
  for (const delta of deltas) {
    const key = keyOf(delta)
    const seen = merged.get(key)
    if (seen === undefined) merged.set(key, { ...delta })
    else for (const field of sums) (seen[field] as number) += delta[field] as number
  }
  return [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, delta]) => delta)
}

/** Runs `upsert` over the rows in chunks of the fixed sizes, in order. */
async function inStatements<T>(rows: readonly T[], upsert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; ) {
    const size = UPSERT_SIZES.find((n) => n <= rows.length - i) ?? 1
    await upsert(rows.slice(i, i + size))
    i += size
  }
}

/** What a stored record adds to the rollups: the fields of a usage_records row they read. */
export interface RollupSource {
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
  reasoningTokens: number | null
  costNano: number | null
}

/** A record's dimensions as rollup key columns: '' stands for a missing value. */
export function rollupKeys(r: Pick<RollupSource, 'budgetId' | 'provider' | 'model' | 'component' | 'taskType' | 'tier'>) {
  return { budgetId: r.budgetId ?? '', provider: r.provider, model: r.model, component: r.component ?? '', taskType: r.taskType ?? '', tier: r.tier ?? '' }
}

/** One record as rollup metrics: a request, its tokens, its cost (an unpriced one counts as such, at 0). */
export function recordMetrics(r: RollupSource) {
  return {
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
