/**
 * One refresh of the price catalog: collect every selected source at once (one failing
 * source never blocks the others), store what each observed, verify each model across the
 * sources (pricing/verify.ts), propose changes against the prices in effect
 * (pricing/approval.ts), apply the ones that need no approval, and report.
 *
 * - Bundled prices take part in every refresh: they cost no network.
 * - A source that fails keeps its last observations for `maxObservationAgeMs`, so one bad
 *   fetch does not drop its vote.
 * - A pending change that the sources no longer propose is withdrawn (rejected by
 *   "system"); one they propose again, now verified and within the threshold, is applied
 *   from when it was first proposed. A price a person rejected is not proposed again while
 *   unverified.
 * - Models with a manual price in effect are left alone: the manual price wins.
 */
import type { PriceAlertInput } from '../domain/alert.js'
import { invalid } from '../domain/errors.js'
import type { PriceChange, PriceObservation, PriceSourceConfig, RefreshProgress, RefreshReport, RefreshRequest, RefreshSummary } from '../domain/price-monitoring.js'
import type { EngineContext } from '../engine/context.js'
import {
  decideChange,
  decodePoint,
  insertChanges,
  listChanges,
  loadObservations,
  type PriceChangeRow,
  recordSourceOutcome,
  replaceObservations,
  setVersionsVerified,
  sourceRows,
} from '../store/price-sources.js'
import { loadPriceVersions, setMeta } from '../store/prices.js'
import type { Executor } from '../store/schema.js'
import { applyVersion } from './apply.js'
import type { ApprovalRules } from './approval.js'
import { bundledProviderRules } from './bundled.js'
import { toPriceChange } from './change-record.js'
import { collectSource, type SourceResult } from './collect.js'
import { evaluate, type Plan } from './evaluate.js'
import type { FeedFetcher } from './fetch.js'
import { ModelNormalizer } from './normalize.js'
import type { VerifyRules } from './verify.js'

export interface RefreshDeps {
  ctx: EngineContext
  sources: readonly PriceSourceConfig[]
  fetcher: FeedFetcher
  rules: VerifyRules
  approval: ApprovalRules
  maxObservationAgeMs: number
  alert(input: PriceAlertInput): void
  /** Reloads the catalog, announces the change and reprices; resolves with the records repriced. */
  afterChange(changes: readonly PriceChange[]): Promise<number>
}

const ALERT_LIMIT = 20

function selectSources(all: readonly PriceSourceConfig[], request: RefreshRequest): PriceSourceConfig[] {
  const fetchable = all.filter((s) => s.kind !== 'manual')
  if (request.sources === undefined) return fetchable.filter((s) => s.enabled)
  for (const id of request.sources) {
    if (!fetchable.some((s) => s.id === id)) throw invalid(`unknown price source ${id}: expected one of ${fetchable.map((s) => s.id).join(', ')}`, { source: id })
  }
  // Bundled prices always vote: reading them costs nothing.
  return fetchable.filter((s) => s.enabled && (request.sources!.includes(s.id) || s.kind === 'bundled'))
}

export async function refreshPrices(deps: RefreshDeps, request: RefreshRequest, onProgress?: (p: RefreshProgress) => void): Promise<RefreshReport> {
  const { ctx } = deps
  const startedAt = ctx.now()
  const selected = selectSources(deps.sources, request)
  const versions = await loadPriceVersions(ctx.store.db)
  const normalizer = new ModelNormalizer(versions, bundledProviderRules())
  const rows = new Map((await sourceRows(ctx.store.db)).map((r) => [r.id, r]))

  const results = await Promise.all(
    selected.map(async (config) => {
      onProgress?.({ source: config.id, status: 'started' })
      const row = rows.get(config.id)
      const validators = row?.etag || row?.lastModified ? { etag: row.etag, lastModified: row.lastModified } : null
      const result = await collectSource(config, { fetcher: deps.fetcher, normalizer, validators, backfill: request.backfill === true, nowMs: startedAt })
      onProgress?.({ source: config.id, status: result.status, observations: result.observations.length, error: result.error })
      return result
    }),
  )
  await storeOutcomes(ctx, results, startedAt)
  for (const failed of results.filter((r) => r.status === 'failed')) {
    deps.alert({ type: 'source_failure', source: failed.config.id, message: `price source ${failed.config.id} failed: ${failed.error}`, details: { url: failed.config.url, error: failed.error } })
  }

  const observations = await usableObservations(deps, startedAt)
  const plan = await evaluate({ db: ctx.store.db, sources: deps.sources, rules: deps.rules, approval: deps.approval }, versions, observations, results.flatMap((r) => r.history), startedAt)
  const written = await ctx.store.writes.write((trx) => writePlan(trx, plan, startedAt))
  const changes = written.map(toPriceChange)
  const applied = changes.filter((c) => c.status === 'applied')
  const repriced = applied.length > 0 ? await deps.afterChange(applied) : 0
  await ctx.store.writes.write((trx) => setMeta(trx, 'prices_refreshed_at', String(startedAt)))
  raiseAlerts(deps, plan, changes)

  const summary: RefreshSummary = {
    models: plan.models,
    verified: plan.verified,
    conflicts: plan.conflicts.length,
    new: applied.filter((c) => c.kind === 'new').length,
    changed: applied.filter((c) => c.kind !== 'new').length,
    pending: changes.filter((c) => c.status === 'pending').length,
    failed: results.filter((r) => r.status === 'failed').length,
  }
  ctx.events.publish({ type: 'prices.refreshed', topic: 'price_updates', budgetId: null, payload: summary })
  return {
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(ctx.now()).toISOString(),
    sources: [
      ...results.map((r) => ({ id: r.config.id, kind: r.config.kind, status: r.status, observations: r.observations.length, skipped: r.skipped, error: r.error, durationMs: r.durationMs })),
      // Sources asked for by name but switched off in the settings.
      ...deps.sources
        .filter((s) => !s.enabled && request.sources?.includes(s.id))
        .map((s) => ({ id: s.id, kind: s.kind, status: 'skipped' as const, observations: 0, skipped: 0, error: 'disabled in the settings', durationMs: 0 })),
    ],
    summary,
    changes,
    repriced,
  }
}

async function storeOutcomes(ctx: EngineContext, results: readonly SourceResult[], nowMs: number): Promise<void> {
  await ctx.store.writes.write(async (trx) => {
    for (const r of results) {
      if (r.status === 'ok') await replaceObservations(trx, r.config.id, r.observations)
      const outcome =
        r.status === 'failed'
          ? { ok: false, error: r.error ?? 'failed' }
          : r.status === 'unchanged'
            ? { ok: true }
            : { ok: true, observationCount: r.observations.length, skippedCount: r.skipped, etag: r.validators?.etag ?? null, lastModified: r.validators?.lastModified ?? null }
      await recordSourceOutcome(trx, r.config.id, outcome, nowMs)
    }
  })
}

/** The stored observations of enabled sources that succeeded within the allowed age. */
async function usableObservations(deps: RefreshDeps, nowMs: number): Promise<PriceObservation[]> {
  const rows = await sourceRows(deps.ctx.store.db)
  const fresh = deps.sources.filter((s) => {
    const row = rows.find((r) => r.id === s.id)
    return s.enabled && s.kind !== 'manual' && row?.lastSuccessAt != null && nowMs - Number(row.lastSuccessAt) <= deps.maxObservationAgeMs
  })
  return loadObservations(deps.ctx.store.db, fresh.map((s) => s.id))
}

/** Writes the plan; returns the changes it created, kept or applied, as stored. */
async function writePlan(trx: Executor, plan: Plan, nowMs: number): Promise<PriceChangeRow[]> {
  for (const { row, why } of plan.withdraw) {
    await decideChange(trx, row.id, 'pending', { status: 'rejected', decidedAt: nowMs, decidedBy: 'system', reason: `${row.reason}; withdrawn: ${why}` })
  }
  for (const [verified, versions] of plan.verifiedFlags) await setVersionsVerified(trx, versions, verified)
  await insertChanges(trx, plan.inserts)
  // Only verified changes apply without a person: fresh ones that need no approval, and pending ones now verified.
  const toApply = [...plan.inserts.filter((r) => r.status === 'applied'), ...plan.promote]
  for (const row of toApply) {
    const version = await applyVersion(
      trx,
      { provider: row.provider, model: row.model, price: decodePoint(row.price), source: row.source, verified: true, fromMs: Number(row.effectiveFrom), toMs: row.effectiveTo === null ? null : Number(row.effectiveTo) },
      nowMs,
    )
    const decision = { status: 'applied' as const, decidedAt: nowMs, decidedBy: 'system', appliedVersion: version }
    if (row.status === 'pending') {
      await decideChange(trx, row.id, 'pending', { ...decision, verified: 1, reason: `${row.reason}; now verified within the threshold: applied` })
    } else {
      await trx.updateTable('priceChanges').set({ appliedVersion: version }).where('id', '=', row.id).execute()
    }
  }
  const ids = [...plan.inserts, ...plan.promote, ...plan.kept].map((r) => r.id)
  return listChanges(trx, { ids })
}

function raiseAlerts(deps: RefreshDeps, plan: Plan, changes: readonly PriceChange[]): void {
  if (plan.conflicts.length > ALERT_LIMIT) {
    deps.alert({ type: 'price_conflict', message: `${plan.conflicts.length} models are priced differently by their sources`, details: { models: plan.conflicts.map((c) => c.key).slice(0, 100) } })
  } else {
    for (const { key, verdict } of plan.conflicts) {
      const [provider, ...rest] = key.split('/')
      deps.alert({ type: 'price_conflict', provider, model: rest.join('/'), source: verdict.source ?? undefined, message: `${key}: ${verdict.reason}`, details: { agreeing: verdict.agreeing } })
    }
  }
  const fresh = changes.filter((c) => c.status === 'pending' || c.decidedBy === 'system')
  if (fresh.length > ALERT_LIMIT) {
    const pending = fresh.filter((c) => c.status === 'pending').length
    deps.alert({ type: 'price_change', severity: pending > 0 ? 'warning' : 'info', message: `${fresh.length} price changes: ${fresh.length - pending} applied, ${pending} waiting for approval`, details: { changes: fresh.map((c) => c.id).slice(0, 100) } })
    return
  }
  for (const c of fresh) {
    deps.alert({
      type: 'price_change',
      severity: c.status === 'pending' ? 'warning' : 'info',
      provider: c.provider,
      model: c.model,
      source: c.source,
      value: c.price.inputPerMtok,
      ...(c.previous !== null && { limit: c.previous.inputPerMtok }),
      dedupKey: `price_change:${c.id}:${c.status}`,
      message: `${c.provider}/${c.model}: ${c.status === 'pending' ? 'price change waiting for approval' : 'price changed'} (${c.reason})`,
      details: { changeId: c.id, kind: c.kind, status: c.status },
    })
  }
}
