/**
 * Adding deltas to additive rollups (hourly, 15-minute, per-policy counters) with upserts.
 *
 * Rollup rows are upserted in key order, several to a statement: two transactions that
 * touch the same rows wait for each other instead of deadlocking, and a commit costs one
 * round trip per rollup table, not one per row. A statement may not name one key twice
 * (PostgreSQL refuses to update a row twice in one statement), so deltas are merged by key
 * first. Statement sizes come from a fixed set so that few statement shapes exist.
 */
const UPSERT_SIZES = [64, 32, 16, 8, 4, 2, 1]

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
export async function inStatements<T>(rows: readonly T[], upsert: (chunk: T[]) => Promise<unknown>): Promise<void> {
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
