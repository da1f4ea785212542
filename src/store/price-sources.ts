/**
 * Price monitoring storage: sources and their last outcome, the latest observation of each
 * source per model, price changes, and the price-version edits the monitor makes
 * (model_prices: inserting versions, moving their effective bounds, the verified flag).
 *
 * Dialect-neutral Kysely; instants are integer ms, prices integer nano-USD per Mtok.
 */
import type { Selectable } from 'kysely'
import type { PriceTierNano } from '../domain/price.js'
import type { PriceChangeStatus, PriceObservation, PricePoint, PriceSourceConfig } from '../domain/price-monitoring.js'
import type { Executor, PriceChangesTable, PriceSourcesTable } from './schema.js'

const CHUNK = 200

export type PriceSourceRow = Selectable<PriceSourcesTable>
export type PriceChangeRow = Selectable<PriceChangesTable>

/** Writes each source's settings, keeping the outcome columns of those already stored. */
export async function saveSourceSettings(db: Executor, sources: readonly PriceSourceConfig[], nowMs: number): Promise<void> {
  for (const s of sources) {
    const settings = { kind: s.kind, url: s.url, trust: s.trust, enabled: s.enabled ? 1 : 0, refreshCron: s.refreshCron, updatedAt: nowMs }
    await db
      .insertInto('priceSources')
      .values({ id: s.id, ...settings, observationCount: 0, skippedCount: 0 })
      .onConflict((oc) => oc.column('id').doUpdateSet(settings))
      .execute()
  }
}

export async function sourceRows(db: Executor): Promise<PriceSourceRow[]> {
  return db.selectFrom('priceSources').selectAll().orderBy('id').execute()
}

export interface SourceOutcome {
  ok: boolean
  error?: string
  observationCount?: number
  skippedCount?: number
  etag?: string | null
  lastModified?: string | null
}

export async function recordSourceOutcome(db: Executor, id: string, outcome: SourceOutcome, nowMs: number): Promise<void> {
  const update = outcome.ok
    ? {
        lastAttemptAt: nowMs,
        lastSuccessAt: nowMs,
        ...(outcome.observationCount !== undefined && { observationCount: outcome.observationCount }),
        ...(outcome.skippedCount !== undefined && { skippedCount: outcome.skippedCount }),
        ...(outcome.etag !== undefined && { etag: outcome.etag }),
        ...(outcome.lastModified !== undefined && { lastModified: outcome.lastModified }),
      }
    : { lastAttemptAt: nowMs, lastErrorAt: nowMs, lastError: (outcome.error ?? 'failed').slice(0, 2000) }
  await db.updateTable('priceSources').set(update).where('id', '=', id).execute()
}

export async function replaceObservations(db: Executor, sourceId: string, observations: readonly PriceObservation[]): Promise<void> {
  await db.deleteFrom('priceObservations').where('sourceId', '=', sourceId).execute()
  const rows = observations.map((o) => ({
    sourceId,
    provider: o.provider,
    model: o.model,
    sourceModelId: o.sourceModelId,
    inputNano: o.price.inputNano,
    outputNano: o.price.outputNano,
    cacheReadNano: o.price.cacheReadNano,
    cacheWriteNano: o.price.cacheWriteNano,
    cacheWrite1hNano: o.price.cacheWrite1hNano,
    tiers: JSON.stringify(o.price.tiers),
    observedAt: o.observedAtMs,
  }))
  for (let i = 0; i < rows.length; i += CHUNK) await db.insertInto('priceObservations').values(rows.slice(i, i + CHUNK)).execute()
}

const nullableNumber = (value: number | null) => (value === null ? null : Number(value))

/** The stored observations of these sources. */
export async function loadObservations(db: Executor, sourceIds: readonly string[]): Promise<PriceObservation[]> {
  if (sourceIds.length === 0) return []
  const rows = await db.selectFrom('priceObservations').selectAll().where('sourceId', 'in', sourceIds).execute()
  return rows.map((r) => ({
    sourceId: r.sourceId,
    provider: r.provider,
    model: r.model,
    sourceModelId: r.sourceModelId,
    price: {
      inputNano: Number(r.inputNano),
      outputNano: Number(r.outputNano),
      cacheReadNano: nullableNumber(r.cacheReadNano),
      cacheWriteNano: nullableNumber(r.cacheWriteNano),
      cacheWrite1hNano: nullableNumber(r.cacheWrite1hNano),
      tiers: JSON.parse(r.tiers) as PriceTierNano[],
    },
    observedAtMs: Number(r.observedAt),
  }))
}

export const encodePoint = (p: PricePoint) => JSON.stringify(p)
export const decodePoint = (text: string) => JSON.parse(text) as PricePoint

export async function insertChanges(db: Executor, rows: readonly PriceChangeRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await db.insertInto('priceChanges').values(rows.slice(i, i + CHUNK)).execute()
}

export async function findChange(db: Executor, id: string): Promise<PriceChangeRow | undefined> {
  return db.selectFrom('priceChanges').selectAll().where('id', '=', id).executeTakeFirst()
}

export interface ChangeFilter {
  status?: PriceChangeStatus
  provider?: string
  model?: string
  ids?: readonly string[]
  limit?: number
}

/** Changes, newest first. */
export async function listChanges(db: Executor, filter: ChangeFilter = {}): Promise<PriceChangeRow[]> {
  let query = db.selectFrom('priceChanges').selectAll()
  if (filter.status !== undefined) query = query.where('status', '=', filter.status)
  if (filter.provider !== undefined) query = query.where('provider', '=', filter.provider)
  if (filter.model !== undefined) query = query.where('model', '=', filter.model)
  if (filter.ids !== undefined) {
    if (filter.ids.length === 0) return []
    query = query.where('id', 'in', filter.ids)
  }
  query = query.orderBy('createdAt', 'desc').orderBy('id', 'desc')
  if (filter.limit !== undefined) query = query.limit(filter.limit)
  return query.execute()
}

/**
 * Moves a change from `from` to its next status; false when it was no longer in `from`
 * (another caller decided first).
 */
export async function decideChange(
  db: Executor,
  id: string,
  from: PriceChangeStatus,
  update: { status: PriceChangeStatus; decidedAt: number; decidedBy: string; reason?: string; appliedVersion?: string | null; verified?: number },
): Promise<boolean> {
  const result = await db.updateTable('priceChanges').set(update).where('id', '=', id).where('status', '=', from).executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Changes the verified flag of stored versions (a refresh confirmed or lost their agreement). */
export async function setVersionsVerified(db: Executor, versions: readonly string[], verified: boolean): Promise<void> {
  for (let i = 0; i < versions.length; i += CHUNK) {
    await db.updateTable('modelPrices').set({ verified: verified ? 1 : 0 }).where('version', 'in', versions.slice(i, i + CHUNK)).execute()
  }
}

/** Sets the effective bounds of a stored version. */
export async function setVersionBounds(db: Executor, version: string, fromMs: number, toMs: number | null): Promise<void> {
  await db.updateTable('modelPrices').set({ effectiveFrom: fromMs, effectiveTo: toMs }).where('version', '=', version).execute()
}

export async function versionExists(db: Executor, version: string): Promise<boolean> {
  return (await db.selectFrom('modelPrices').select('version').where('version', '=', version).executeTakeFirst()) !== undefined
}
