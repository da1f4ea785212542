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
