/**
 * Storing a new price version for one model inside the caller's write transaction: the
 * version gets a unique id and the model's match logic, and takes its place among the
 * stored versions as pricing/history.ts plans it.
 */
import type { PriceVersion } from '../domain/price.js'
import type { PricePoint } from '../domain/price-monitoring.js'
import { setVersionBounds, versionExists } from '../store/price-sources.js'
import { insertVersions, loadModelVersions } from '../store/prices.js'
import type { Executor } from '../store/schema.js'
import { planApply, versionId } from './history.js'

export interface VersionSpec {
  provider: string
  model: string
  price: PricePoint
  source: string
  verified: boolean
  fromMs: number
  /** Exclusive; null = open-ended. */
  toMs: number | null
}

/** Stores the version and returns its id. */
export async function applyVersion(trx: Executor, spec: VersionSpec, nowMs: number): Promise<string> {
  const existing = await loadModelVersions(trx, spec.provider, spec.model)
  const base = versionId(spec.source, spec.provider, spec.model, spec.fromMs)
  let id = base
  for (let n = 2; existing.some((v) => v.version === id) || (await versionExists(trx, id)); n++) id = `${base}#${n}`
  // The model keeps the ids it answers to (genai-prices match logic) whichever version is in effect.
  const template = existing.find((v) => v.match !== undefined)
  const incoming: PriceVersion = {
    ...spec.price,
    version: id,
    provider: spec.provider,
    model: spec.model,
    effectiveFromMs: spec.fromMs,
    effectiveToMs: spec.toMs,
    source: spec.source,
    verified: spec.verified,
    ...(template?.match !== undefined && { match: template.match }),
  }
  const plan = planApply(existing, incoming)
  for (const edit of plan.bounds) await setVersionBounds(trx, edit.version, edit.fromMs, edit.toMs)
  await insertVersions(trx, plan.inserts, nowMs)
  return id
}

/** Versions of one model, by key, from a list of every version. */
export function byModel(versions: readonly PriceVersion[]): Map<string, PriceVersion[]> {
  const map = new Map<string, PriceVersion[]>()
  for (const v of versions) {
    const key = modelKey(v.provider, v.model)
    const list = map.get(key)
    if (list === undefined) map.set(key, [v])
    else list.push(v)
  }
  return map
}

export const modelKey = (provider: string, model: string) => `${provider.toLowerCase()}/${model.toLowerCase()}`
