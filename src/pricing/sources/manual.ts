/**
 * Manual prices: set by a person through the API or CLI, stored as price versions of
 * source `manual`, and winning over every feed until removed. This module makes those
 * versions and says which one is in effect; the monitor (pricing/monitor.ts) stores them.
 */
import type { PriceVersion } from '../../domain/price.js'
import { fromPriceFigures, type ManualPriceInput } from '../../domain/price-monitoring.js'
import { versionId } from '../history.js'

export const MANUAL_SOURCE = 'manual'

export const isManual = (v: Pick<PriceVersion, 'source'>) => v.source === MANUAL_SOURCE

/** The version a manual price becomes, open-ended from `fromMs`. */
export function manualVersion(input: ManualPriceInput, key: { provider: string; model: string }, fromMs: number): PriceVersion {
  return {
    ...fromPriceFigures(input),
    version: versionId(MANUAL_SOURCE, key.provider, key.model, fromMs),
    provider: key.provider,
    model: key.model,
    effectiveFromMs: fromMs,
    effectiveToMs: null,
    source: MANUAL_SOURCE,
    // A person vouched for it: no feed outvotes it.
    verified: true,
  }
}

/** The manual version of a model in effect at `atMs`, if any. */
export function manualAt(versions: readonly PriceVersion[], atMs: number): PriceVersion | undefined {
  return versions.find((v) => isManual(v) && v.effectiveFromMs <= atMs && (v.effectiveToMs === null || atMs < v.effectiveToMs))
}
