/**
 * Repricing: records priced with a version later superseded for their time — or not
 * priced at all — get the cost of the version now in effect at their timestamp. Costs and
 * every rollup that sums them (hourly and quarter-hourly usage, the policy counters that
 * counted the record, the committed reservation) move by the same difference in one
 * transaction per batch, so summaries and checks agree with the records throughout.
 *
 * A record the catalog can no longer price keeps its cost (never made unpriced). Records
 * are read in (timestamp, id) pages; each page's rewrite is conditional on the record still
 * holding what was read, so two instances repricing at once never move a rollup twice.
 *
 * Uses the engine's policy matching (engine/policy-match, engine/policy-window): repricing
 * has to find the counters recording found.
 */
import type { ModelKey, RepriceProgress, RepriceResult } from '../domain/price-monitoring.js'
import { nanoToUsd } from '../domain/money.js'
import type { EngineContext } from '../engine/context.js'
import { applies } from '../engine/policy-match.js'
import { counterFor } from '../engine/policy-window.js'
import { enabledPolicies, type PolicyRow } from '../store/budgets.js'
import {
  countRecords,
  type CostDelta,
  type Cursor,
  type ModelSpelling,
  movePolicyCounter,
  moveRollups,
  recordedModels,
  recordsPage,
  type RecordScope,
  rewriteCost,
  type RepriceRow,
} from '../store/reprice.js'
import type { Executor } from '../store/schema.js'

const PAGE = 1_000

export interface RepriceScope {
  sinceMs: number
  /** Only records of these catalog models (and unpriced records the catalog now prices); undefined = every record. */
  keys?: readonly ModelKey[]
}

/** The (provider, model) spellings of records that may need repricing for `keys`. */
async function spellings(ctx: EngineContext, sinceMs: number, keys: readonly ModelKey[]): Promise<ModelSpelling[]> {
  const wanted = new Set(keys.map((k) => `${k.provider}\u0000${k.model}`.toLowerCase()))
  const found: ModelSpelling[] = []
  for (const m of await recordedModels(ctx.store.db, sinceMs)) {
    const ref = ctx.catalog.resolve(m.provider, m.model)
    const isKey = ref !== undefined && wanted.has(`${ref.provider}\u0000${ref.model}`.toLowerCase())
    if (isKey || (m.unpriced > 0 && ref !== undefined)) found.push({ provider: m.provider, model: m.model })
  }
  return found
}

export async function reprice(ctx: EngineContext, scope: RepriceScope, onProgress?: (progress: RepriceProgress) => void): Promise<RepriceResult> {
  const recordScope: RecordScope = { sinceMs: scope.sinceMs, ...(scope.keys !== undefined && { models: await spellings(ctx, scope.sinceMs, scope.keys) }) }
  const total = await countRecords(ctx.store.db, recordScope)
  const result = { scanned: 0, repriced: 0, newlyPriced: 0, costDeltaNano: 0n }
  onProgress?.({ done: 0, total })
  let after: Cursor | null = null
  for (;;) {
    const page = await recordsPage(ctx.store.db, recordScope, after, PAGE)
    if (page.length === 0) break
    after = { timestamp: page.at(-1)!.timestamp, id: page.at(-1)!.id }
    result.scanned += page.length
    const changed = page.flatMap((row) => {
      const next = priceOf(ctx, row)
      return next === null ? [] : [{ row, ...next }]
    })
    if (changed.length > 0) {
      const applied = await ctx.store.writes.write((trx, traits) => rewrite(ctx, trx, changed, (ids) => traits.lockBudgets(trx, ids, 'change')))
      for (const delta of applied) {
        result.repriced++
        if (delta.unpriced < 0) result.newlyPriced++
        result.costDeltaNano += BigInt(delta.costNano)
      }
    }
    onProgress?.({ done: Math.min(result.scanned, total), total })
  }
  if (result.repriced > 0) {
    ctx.events.publish({ type: 'usage.repriced', topic: 'usage', budgetId: null, payload: { repriced: result.repriced, newlyPriced: result.newlyPriced } })
  }
  return { scanned: result.scanned, repriced: result.repriced, newlyPriced: result.newlyPriced, costDeltaUsd: nanoToUsd(result.costDeltaNano) }
}

/** The record's cost under the version now in effect at its timestamp; null when nothing changes. */
function priceOf(ctx: EngineContext, row: RepriceRow): { costNano: number; priceVersion: string } | null {
  const usage = {
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    cacheReadTokens: row.cacheReadTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    cacheWrite1hTokens: row.cacheWrite1hTokens,
  }
  const price = ctx.catalog.price(usage, row.provider, row.model, row.timestamp)
  if (price.costNano === null || price.priceVersion === null) return null
  if (price.priceVersion === row.priceVersion && price.costNano === row.costNano) return null
  return { costNano: price.costNano, priceVersion: price.priceVersion }
}

async function rewrite(
  ctx: EngineContext,
  trx: Executor,
  changed: readonly { row: RepriceRow; costNano: number; priceVersion: string }[],
  lockBudgets: (ids: readonly string[]) => Promise<void>,
): Promise<CostDelta[]> {
  const policiesOf = new Map<string, Promise<PolicyRow[]>>()
  const matching = async (row: RepriceRow) => {
    const key = row.budgetId ?? ''
    let pending = policiesOf.get(key)
    if (pending === undefined) {
      pending = enabledPolicies(trx, row.budgetId)
      policiesOf.set(key, pending)
    }
    return (await pending).filter((p) => applies(p, row))
  }
  const matches = await Promise.all(changed.map((c) => matching(c.row)))
  // Counters are read under these locks by checks on other instances: take them first, in one go.
  await lockBudgets([...new Set(matches.flat().map((p) => p.budgetId))].sort())

  const applied: CostDelta[] = []
  for (const [i, { row, costNano, priceVersion }] of changed.entries()) {
    if (!(await rewriteCost(trx, row, costNano, priceVersion))) continue
    const delta: CostDelta = { row, costNano: costNano - (row.costNano ?? 0), unpriced: row.costNano === null ? -1 : 0 }
    await moveRollups(trx, delta)
    for (const policy of matches[i]!) {
      const counter = counterFor(policy, row.timestamp, ctx.timeZone, { contextId: row.contextId ?? null, taskKey: row.reservationId ?? row.id })
      if (counter !== null && delta.costNano !== 0) await movePolicyCounter(trx, { policyId: policy.id, ...counter }, delta.costNano)
    }
    applied.push(delta)
  }
  return applied
}
