/**
 * What a person decides about prices: approve or reject a pending change, set a manual
 * price (it wins over every feed until removed), remove it. Each decision records who and
 * when on the change, is one write transaction, and — when prices changed — reloads the
 * catalog and reprices the records it affects (through `afterChange`).
 *
 * - Approving applies the change from its effectiveFrom (the time it was first observed,
 *   or the past period of a backfill), so records made while it waited are repriced. If a
 *   newer price took effect meanwhile, the approved one ends where that one begins.
 * - A change cannot be approved while a manual price is in effect for its model.
 * - Removing a manual price brings back the price that was in effect before it.
 */
import { BudgetError, conflict, notFound } from '../domain/errors.js'
import type { PriceVersion } from '../domain/price.js'
import { fromPriceFigures, type ManualPriceInput, type ModelKey, type PriceChange, type PricePoint } from '../domain/price-monitoring.js'
import type { EngineContext } from '../engine/context.js'
import { decideChange, decodePoint, encodePoint, findChange, insertChanges, listChanges, type PriceChangeRow, setVersionBounds } from '../store/price-sources.js'
import { insertVersions, loadModelVersions } from '../store/prices.js'
import type { Executor } from '../store/schema.js'
import { applyVersion } from './apply.js'
import { pointOf } from './approval.js'
import { newChangeId, toPriceChange } from './change-record.js'
import { inEffect, planApply } from './history.js'
import type { ModelNormalizer } from './normalize.js'
import { isManual, MANUAL_SOURCE } from './sources/manual.js'

export interface DecisionDeps {
  ctx: EngineContext
  normalizer(): Promise<ModelNormalizer>
  afterChange(changes: readonly PriceChange[]): Promise<number>
}

const iso = (ms: number) => new Date(ms).toISOString()

async function requirePending(trx: Executor, id: string): Promise<PriceChangeRow> {
  const row = await findChange(trx, id)
  if (row === undefined) throw notFound('price change', id)
  if (row.status !== 'pending') throw conflict(`price change ${id} is ${row.status}, not pending`, { id, status: row.status })
  return row
}

export async function approveChange(deps: DecisionDeps, id: string, decidedBy: string): Promise<PriceChange> {
  const { ctx } = deps
  const nowMs = ctx.now()
  const row = await ctx.store.writes.write(async (trx) => {
    const change = await requirePending(trx, id)
    const existing = await loadModelVersions(trx, change.provider, change.model)
    const fromMs = Number(change.effectiveFrom)
    const current = inEffect(existing, nowMs)
    if (change.kind !== 'backfill' && current !== undefined && isManual(current)) {
      throw conflict(`a manual price is in effect for ${change.provider}/${change.model}: remove it before approving change ${id}`, { id })
    }
    // A newer price that took effect while this one waited keeps its period.
    const later = existing.filter((v) => v.effectiveFromMs > fromMs && v.effectiveFromMs < (v.effectiveToMs ?? Number.POSITIVE_INFINITY)).map((v) => v.effectiveFromMs)
    const proposedTo = change.effectiveTo === null ? null : Number(change.effectiveTo)
    const toMs = later.length === 0 || change.kind === 'backfill' ? proposedTo : Math.min(...later, proposedTo ?? Number.POSITIVE_INFINITY)
    const version = await applyVersion(trx, { provider: change.provider, model: change.model, price: decodePoint(change.price), source: change.source, verified: Boolean(change.verified), fromMs, toMs }, nowMs)
    await decideChange(trx, id, 'pending', { status: 'applied', decidedAt: nowMs, decidedBy, appliedVersion: version })
    return (await findChange(trx, id))!
  })
  const change = toPriceChange(row)
  await deps.afterChange([change])
  return change
}

export async function rejectChange(deps: DecisionDeps, id: string, decidedBy: string, reason?: string): Promise<PriceChange> {
  const { ctx } = deps
  const row = await ctx.store.writes.write(async (trx) => {
    const change = await requirePending(trx, id)
    await decideChange(trx, id, 'pending', { status: 'rejected', decidedAt: ctx.now(), decidedBy, reason: reason ? `${change.reason}; rejected: ${reason}` : change.reason })
    return (await findChange(trx, id))!
  })
  const change = toPriceChange(row)
  ctx.events.publish({ type: 'prices.rejected', topic: 'price_updates', budgetId: null, payload: { id: change.id, provider: change.provider, model: change.model, decidedBy } })
  return change
}

/** The catalog's (provider, model) for a caller's spelling: the feeds' normalisation, else the usage lookup, else as written. */
export async function resolveKey(deps: DecisionDeps, key: ModelKey): Promise<ModelKey> {
  const normalized = (await deps.normalizer()).normalize(key.provider, key.model)
  const known = normalized !== null && (await loadModelVersions(deps.ctx.store.db, normalized.provider, normalized.model)).length > 0
  if (known) return normalized
  const ref = deps.ctx.catalog.resolve(key.provider, key.model)
  return ref === undefined ? (normalized ?? key) : { provider: ref.provider, model: ref.model }
}

function manualChange(key: ModelKey, kind: 'manual_set' | 'manual_unset', price: PricePoint, previous: PriceVersion | undefined, fromMs: number, decidedBy: string, reason: string, nowMs: number): PriceChangeRow {
  return {
    id: newChangeId(),
    provider: key.provider,
    model: key.model,
    kind,
    status: 'applied',
    verified: 1,
    source: MANUAL_SOURCE,
    price: encodePoint(price),
    previous: previous === undefined ? null : encodePoint(pointOf(previous)),
    previousVersion: previous?.version ?? null,
    changeRatio: null,
    effectiveFrom: fromMs,
    effectiveTo: null,
    reason,
    evidence: '[]',
    createdAt: nowMs,
    decidedAt: nowMs,
    decidedBy,
    appliedVersion: null,
  }
}

export async function setManualPrice(deps: DecisionDeps, input: ManualPriceInput, decidedBy: string): Promise<PriceChange> {
  const { ctx } = deps
  const nowMs = ctx.now()
  const key = await resolveKey(deps, input)
  const fromMs = input.effectiveFrom === undefined ? nowMs : Date.parse(input.effectiveFrom)
  const price = fromPriceFigures(input)
  const row = await ctx.store.writes.write(async (trx) => {
    const previous = inEffect(await loadModelVersions(trx, key.provider, key.model), fromMs)
    const change = manualChange(key, 'manual_set', price, previous, fromMs, decidedBy, input.reason ?? `manual price set by ${decidedBy}`, nowMs)
    change.appliedVersion = await applyVersion(trx, { ...key, price, source: MANUAL_SOURCE, verified: true, fromMs, toMs: null }, nowMs)
    await insertChanges(trx, [change])
    // A manual price wins: what the feeds proposed for this model no longer matters.
    for (const pending of await listChanges(trx, { status: 'pending', provider: key.provider, model: key.model })) {
      await decideChange(trx, pending.id, 'pending', { status: 'rejected', decidedAt: nowMs, decidedBy: 'system', reason: `${pending.reason}; withdrawn: a manual price was set` })
    }
    return change
  })
  const change = toPriceChange(row)
  await deps.afterChange([change])
  return change
}

export async function removeManualPrice(deps: DecisionDeps, input: ModelKey, decidedBy: string): Promise<PriceChange> {
  const { ctx } = deps
  const nowMs = ctx.now()
  const key = await resolveKey(deps, input)
  const row = await ctx.store.writes.write(async (trx) => {
    const versions = await loadModelVersions(trx, key.provider, key.model)
    const manual = inEffect(versions, nowMs)
    if (manual === undefined || !isManual(manual)) throw new BudgetError('NOT_FOUND', `no manual price is in effect for ${key.provider}/${key.model}`, { ...key })
    await setVersionBounds(trx, manual.version, manual.effectiveFromMs, nowMs)
    const before = inEffect(
      versions.filter((v) => !isManual(v)),
      manual.effectiveFromMs - 1,
    )
    let resumed: PriceVersion | undefined
    if (before !== undefined) {
      resumed = { ...before, version: `${before.version}~${iso(nowMs)}`, effectiveFromMs: nowMs, effectiveToMs: null }
      const rest = versions.map((v) => (v.version === manual.version ? { ...v, effectiveToMs: nowMs } : v))
      const plan = planApply(rest, resumed)
      for (const edit of plan.bounds) await setVersionBounds(trx, edit.version, edit.fromMs, edit.toMs)
      await insertVersions(trx, plan.inserts, nowMs)
    }
    const reason = resumed === undefined ? `manual price removed by ${decidedBy}; no earlier price: unpriced from now` : `manual price removed by ${decidedBy}; ${before!.version} applies again`
    const change = manualChange(key, 'manual_unset', resumed === undefined ? pointOf(manual) : pointOf(resumed), manual, nowMs, decidedBy, reason, nowMs)
    change.appliedVersion = resumed?.version ?? null
    await insertChanges(trx, [change])
    return change
  })
  const change = toPriceChange(row)
  await deps.afterChange([change])
  return change
}

