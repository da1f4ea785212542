/**
 * Recording usage: the commit half of the reservation lifecycle, and after-the-fact
 * usage. One record or ten thousand take the same path, in one write transaction:
 * dedupe by id, price each record at its timestamp, insert, add to the hourly rollups and
 * to every matching policy's counter, and close the reservations they commit.
 *
 * Usage is stored even past a limit (it happened); an unknown price stores costUsd null
 * and unpriced true, never 0.
 */
import type { Selectable, Transaction } from 'kysely'
import { BudgetError, invalid, notFound } from '../domain/errors.js'
import { newId } from '../domain/ids.js'
import type { BatchResult, UsageInput, UsageRecord } from '../domain/usage.js'
import { enabledPolicies, type PolicyRow } from '../store/budgets.js'
import { closeReservation, findReservation, type ReservationRow, sweepExpiredHolds } from '../store/reservations.js'
import type { DialectTraits } from '../store/dialect.js'
import type { DB, Executor, UsageRecordsTable } from '../store/schema.js'
import {
  addHourly,
  addPolicyUsage,
  claimUsageIds,
  existingUsageIds,
  findUsage,
  type HourlyDelta,
  insertUsageRows,
  type PolicyUsageDelta,
} from '../store/usage.js'
import { addQuarterHourly } from '../store/quarter-hourly.js'
import { recordMetrics, rollupKeys } from '../store/rollup-upsert.js'
import { countedTokens, requireBudget } from './budgets.js'
import type { EngineContext } from './context.js'
import { applies } from './policy-match.js'
import { readPoliciesUnderLock } from './policy-lock.js'
import { counterFor } from './policy-window.js'
import { toUsageRecord } from './usage-record.js'

const HOUR_MS = 3_600_000
/** Clocks drift; a record from further in the future than this is a client bug. */
const MAX_FUTURE_MS = 24 * HOUR_MS

type Row = Selectable<UsageRecordsTable>

/** Expired holds no longer count; dropping them now and then only keeps the table small. */
let lastSweepMs = 0

interface Ingested {
  rows: Row[]
  duplicates: string[]
  /** Budgets whose policies count at least one of the records. */
  budgetIds: string[]
}

/** Records one call's usage. `created` is false when a record with this id already existed. */
export async function recordUsage(ctx: EngineContext, input: UsageInput): Promise<{ record: UsageRecord; created: boolean }> {
  const id = input.id ?? newId('usage')
  await prepare(ctx, [input])
  const result = await ctx.store.writes.write(async (trx, traits) => {
    const ingested = await ingest(ctx, trx, [{ ...input, id }], traits)
    const [row] = ingested.rows
    return row ? { row, created: true } : { row: await findUsage(trx, id), created: false }
  })
  const record = toUsageRecord(result.row as NonNullable<typeof result.row>)
  if (result.created) publishRecorded(ctx, [record])
  return { record, created: result.created }
}

export async function recordBatch(ctx: EngineContext, inputs: readonly UsageInput[]): Promise<BatchResult> {
  const withIds = inputs.map((input) => ({ ...input, id: input.id ?? newId('usage') }))
  await prepare(ctx, withIds)
  const ingested = await ctx.store.writes.write((trx, traits) => ingest(ctx, trx, withIds, traits))
  if (ingested.rows.length > 0) {
    ctx.events.publish({ type: 'usage.batch', topic: 'usage', budgetId: null, payload: { accepted: ingested.rows.length, budgetIds: ingested.budgetIds } })
  }
  return { accepted: ingested.rows.length, duplicates: ingested.duplicates.length, ids: withIds.map((r) => r.id) }
}

/** Readies the store for records at these instants (PostgreSQL: their month partitions), outside the write. */
async function prepare(ctx: EngineContext, inputs: readonly UsageInput[]): Promise<void> {
  const now = ctx.now()
  await ctx.store.traits.prepareUsage(ctx.store.db, new Set(inputs.map((i) => (i.timestamp === undefined ? now : Date.parse(i.timestamp)))))
}

function publishRecorded(ctx: EngineContext, records: UsageRecord[]): void {
  for (const record of records) ctx.events.publish({ type: 'usage.recorded', topic: 'usage', budgetId: record.budgetId, payload: record })
}

async function ingest(ctx: EngineContext, trx: Transaction<DB>, inputs: readonly (UsageInput & { id: string })[], traits: DialectTraits): Promise<Ingested> {
  const now = ctx.now()
  const { fresh, duplicates } = await splitDuplicates(trx, inputs)
  const budgets = new Resolver((key) => requireBudget(trx, key).then((b) => b.id))
  const reservations = new Resolver(async (key) => {
    const row = await findReservation(trx, key)
    if (!row) throw notFound('reservation', key)
    return row
  })

  let rows: Row[] = []
  for (const [index, input] of fresh.entries()) {
    const reservation = input.reservationId === undefined ? null : await at(index, reservations.get(input.reservationId))
    const budgetId = input.budgetId !== undefined ? await at(index, budgets.get(input.budgetId)) : (reservation?.budgetId ?? null)
    rows.push(toRow(ctx, input, budgetId, reservation, now, index))
  }

  const matches = await readPoliciesUnderLock(
    { trx, traits, mode: 'record' },
    rows.map((r) => r.budgetId),
    () => matchPolicies(trx, rows),
    (read) => [...read.values()].flat().map((p) => p.budgetId),
  )
  const budgetIds = [...new Set([...matches.values()].flat().map((p) => p.budgetId))]

  // The duplicate check above read without a lock; another instance may have stored some
  // of these ids since. Claiming them is what decides, and a lost claim is a duplicate.
  const claimed = await claimUsageIds(trx, rows)
  if (claimed.size < rows.length) {
    for (const row of rows.filter((r) => !claimed.has(r.id))) {
      duplicates.push(row.id)
      matches.delete(row)
    }
    rows = rows.filter((r) => claimed.has(r.id))
  }

  await insertUsageRows(trx, rows)
  await addHourly(trx, hourlyDeltas(rows))
  await addQuarterHourly(trx, rows)
  await addPolicyUsage(trx, policyDeltas(ctx, matches))
  await commitReservations(trx, rows)
  if (now - lastSweepMs > HOUR_MS) {
    lastSweepMs = now
    await sweepExpiredHolds(trx, now - HOUR_MS)
  }
  return { rows, duplicates, budgetIds }
}

/** The enabled policies each record counts toward. */
async function matchPolicies(trx: Executor, rows: readonly Row[]): Promise<Map<Row, PolicyRow[]>> {
  const policies = new Resolver((budgetId: string) => enabledPolicies(trx, budgetId === '' ? null : budgetId))
  const matches = new Map<Row, PolicyRow[]>()
  for (const row of rows) {
    const candidates = await policies.get(row.budgetId ?? '')
    matches.set(row, candidates.filter((p) => applies(p, row)))
  }
  return matches
}

async function splitDuplicates(trx: Executor, inputs: readonly (UsageInput & { id: string })[]) {
  const existing = await existingUsageIds(trx, inputs.map((i) => i.id))
  const seen = new Set<string>()
  const fresh: (UsageInput & { id: string })[] = []
  const duplicates: string[] = []
  for (const input of inputs) {
    if (existing.has(input.id) || seen.has(input.id)) duplicates.push(input.id)
    else fresh.push(input)
    seen.add(input.id)
  }
  return { fresh, duplicates }
}

/** Says which record of a batch named the missing budget or reservation. */
async function at<T>(index: number, pending: Promise<T>): Promise<T> {
  try {
    return await pending
  } catch (error) {
    if (error instanceof BudgetError) throw new BudgetError(error.code, `record ${index}: ${error.message}`, { ...error.details, index })
    throw error
  }
}

function toRow(ctx: EngineContext, input: UsageInput & { id: string }, budgetId: string | null, reservation: ReservationRow | null, now: number, index: number): Row {
  const timestamp = input.timestamp === undefined ? now : Date.parse(input.timestamp)
  if (timestamp > now + MAX_FUTURE_MS) {
    throw invalid(`record ${index}: timestamp ${input.timestamp} is more than 24 hours in the future`, { index, path: ['timestamp'] })
  }
  const usage = {
    inputTokens: input.inputTokens,
    outputTokens: input.outputTokens,
    cacheReadTokens: input.cacheReadTokens ?? 0,
    cacheWriteTokens: input.cacheWriteTokens ?? 0,
    cacheWrite1hTokens: input.cacheWrite1hTokens ?? 0,
  }
  const price = ctx.catalog.price(usage, input.provider, input.model, timestamp)
  return {
    id: input.id,
    timestamp,
    budgetId,
    reservationId: input.reservationId ?? null,
    contextId: input.contextId ?? reservation?.contextId ?? null,
    provider: input.provider,
    model: input.model,
    component: input.component ?? reservation?.component ?? null,
    taskType: input.taskType ?? reservation?.taskType ?? null,
    tier: input.tier ?? reservation?.tier ?? null,
    operation: input.operation ?? null,
    ...usage,
    reasoningTokens: input.reasoningTokens ?? 0,
    costNano: price.costNano,
    priceVersion: price.priceVersion,
    metadata: JSON.stringify(input.metadata ?? {}),
    createdAt: now,
  }
}

/** Each record's contribution to its hourly row (addHourly adds up those of one row). */
function hourlyDeltas(rows: readonly Row[]): HourlyDelta[] {
  return rows.map((r) => ({ hourStart: Math.floor(r.timestamp / HOUR_MS) * HOUR_MS, ...rollupKeys(r), ...recordMetrics(r) }))
}

function policyDeltas(ctx: EngineContext, matches: Map<Row, PolicyRow[]>): Iterable<PolicyUsageDelta> {
  const deltas = new Map<string, PolicyUsageDelta>()
  for (const [row, policies] of matches) {
    for (const policy of policies) {
      const key = counterFor(policy, row.timestamp, ctx.timeZone, { contextId: row.contextId ?? null, taskKey: row.reservationId ?? row.id })
      if (key === null) continue
      const id = `${policy.id}\u0000${key.scopeKey}\u0000${key.bucketStart}`
      const delta = deltas.get(id) ?? { policyId: policy.id, ...key, tokens: 0, costNano: 0 }
      delta.tokens += countedTokens(row)
      delta.costNano += row.costNano ?? 0
      deltas.set(id, delta)
    }
  }
  return deltas.values()
}

async function commitReservations(trx: Executor, rows: readonly Row[]): Promise<void> {
  const byReservation = new Map<string, { tokens: number; costNano: number }>()
  for (const row of rows) {
    if (row.reservationId === null || row.reservationId === undefined) continue
    const sum = byReservation.get(row.reservationId) ?? { tokens: 0, costNano: 0 }
    sum.tokens += countedTokens(row)
    sum.costNano += row.costNano ?? 0
    byReservation.set(row.reservationId, sum)
  }
  // In id order: two batches that commit the same reservations wait for each other, never deadlock.
  for (const [id, sum] of [...byReservation].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    await closeReservation(trx, id, { status: 'committed', tokensUsed: sum.tokens, costUsedNano: sum.costNano })
  }
}

/** Memoises one lookup per key for the length of a batch. */
class Resolver<T> {
  private readonly cache = new Map<string, Promise<T>>()

  constructor(private readonly load: (key: string) => Promise<T>) {}

  get(key: string): Promise<T> {
    let pending = this.cache.get(key)
    if (!pending) {
      pending = this.load(key)
      this.cache.set(key, pending)
    }
    return pending
  }
}
