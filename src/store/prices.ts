/**
 * Stored price versions. The bundled catalog is copied in once per catalog release (the
 * `bundled_prices_version` meta key says which); other sources add versions beside it.
 */
import type { Selectable } from 'kysely'
import type { MatchLogic, PriceTierNano, PriceVersion } from '../domain/price.js'
import type { Executor, ModelPricesTable } from './schema.js'

const CHUNK = 200

function toRow(v: PriceVersion, nowMs: number): Selectable<ModelPricesTable> {
  return {
    version: v.version,
    provider: v.provider,
    model: v.model,
    inputNano: v.inputNano,
    outputNano: v.outputNano,
    cacheReadNano: v.cacheReadNano,
    cacheWriteNano: v.cacheWriteNano,
    cacheWrite1hNano: v.cacheWrite1hNano,
    tiers: JSON.stringify(v.tiers),
    match: v.match === undefined ? null : JSON.stringify(v.match),
    effectiveFrom: v.effectiveFromMs,
    effectiveTo: v.effectiveToMs,
    source: v.source,
    verified: v.verified ? 1 : 0,
    deprecated: v.deprecated ? 1 : 0,
    createdAt: nowMs,
  }
}

function fromRow(row: Selectable<ModelPricesTable>): PriceVersion {
  const version: PriceVersion = {
    version: row.version,
    provider: row.provider,
    model: row.model,
    inputNano: Number(row.inputNano),
    outputNano: Number(row.outputNano),
    cacheReadNano: row.cacheReadNano === null ? null : Number(row.cacheReadNano),
    cacheWriteNano: row.cacheWriteNano === null ? null : Number(row.cacheWriteNano),
    cacheWrite1hNano: row.cacheWrite1hNano === null ? null : Number(row.cacheWrite1hNano),
    tiers: JSON.parse(row.tiers) as PriceTierNano[],
    effectiveFromMs: Number(row.effectiveFrom),
    effectiveToMs: row.effectiveTo === null ? null : Number(row.effectiveTo),
    source: row.source,
    verified: Boolean(row.verified),
  }
  if (row.match !== null) version.match = JSON.parse(row.match) as MatchLogic
  if (row.deprecated) version.deprecated = true
  return version
}

export async function loadPriceVersions(db: Executor): Promise<PriceVersion[]> {
  const rows = await db.selectFrom('modelPrices').selectAll().orderBy('provider').orderBy('model').orderBy('effectiveFrom').execute()
  return rows.map(fromRow)
}

export async function getMeta(db: Executor, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst()
  return row?.value
}

export async function setMeta(db: Executor, key: string, value: string): Promise<void> {
  await db
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute()
}

/** Replaces the stored bundled versions by `versions`; versions of other sources stay. */
export async function replaceSourceVersions(db: Executor, source: string, versions: readonly PriceVersion[], nowMs: number): Promise<void> {
  await db.deleteFrom('modelPrices').where('source', '=', source).execute()
  const rows = versions.map((v) => toRow(v, nowMs))
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db
      .insertInto('modelPrices')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) => oc.column('version').doNothing())
      .execute()
  }
}

/** Adds versions; an existing version id is left as it is. */
export async function insertVersions(db: Executor, versions: readonly PriceVersion[], nowMs: number): Promise<void> {
  const rows = versions.map((v) => toRow(v, nowMs))
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db
      .insertInto('modelPrices')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) => oc.column('version').doNothing())
      .execute()
  }
}

/** One model's stored versions, oldest first. */
export async function loadModelVersions(db: Executor, provider: string, model: string): Promise<PriceVersion[]> {
  const rows = await db.selectFrom('modelPrices').selectAll().where('provider', '=', provider).where('model', '=', model).orderBy('effectiveFrom').orderBy('version').execute()
  return rows.map(fromRow)
}
