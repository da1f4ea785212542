/**
 * Price history: how a new version takes its place among a model's stored versions, and
 * which version was in effect when.
 *
 * Stored versions of one model are kept from overlapping, so that a version's
 * [effectiveFrom, effectiveTo) is the time it was in effect — for readers of the history
 * and for callers that cache versions by their bounds. Applying version N over [a, b):
 * - a version that started before `a` now ends at `a`; if it reached past `b`, a
 *   continuation of it (same prices, id `<version>~<b>`) covers the rest;
 * - a version that started inside [a, b) is cut to start at `b`, or, lying wholly inside,
 *   keeps its row with an empty period — never in effect, still in the history.
 * The catalog's own rule (the latest-starting version covering an instant wins) gives the
 * same answer on such rows, so nothing depends on the trimming having happened (a new
 * bundled release re-copies its versions whole).
 *
 * Pure: the monitor stores the plan (store/price-sources.ts).
 */
import type { PriceVersion } from '../domain/price.js'

export interface BoundsEdit {
  version: string
  fromMs: number
  toMs: number | null
}

export interface ApplyPlan {
  bounds: BoundsEdit[]
  inserts: PriceVersion[]
}

const iso = (ms: number) => new Date(ms).toISOString()
const endOf = (toMs: number | null) => toMs ?? Number.POSITIVE_INFINITY

/** A version id: `<source>:<provider>/<model>@<ISO instant>`. */
export function versionId(source: string, provider: string, model: string, fromMs: number): string {
  return `${source}:${provider}/${model}@${iso(fromMs)}`
}

/** The edits that put `incoming` in place among `existing` (the same model's stored versions). */
export function planApply(existing: readonly PriceVersion[], incoming: PriceVersion): ApplyPlan {
  const plan: ApplyPlan = { bounds: [], inserts: [] }
  const a = incoming.effectiveFromMs
  const b = endOf(incoming.effectiveToMs)
  for (const v of existing) {
    const from = v.effectiveFromMs
    const to = endOf(v.effectiveToMs)
    if (from >= b || to <= a || from === to) continue
    if (from < a) {
      plan.bounds.push({ version: v.version, fromMs: from, toMs: a })
      if (to > b) plan.inserts.push({ ...v, version: `${v.version}~${iso(b)}`, effectiveFromMs: b, effectiveToMs: v.effectiveToMs })
    } else if (to > b) {
      plan.bounds.push({ version: v.version, fromMs: b, toMs: v.effectiveToMs })
    } else {
      plan.bounds.push({ version: v.version, fromMs: from, toMs: from })
    }
  }
  plan.inserts.push(incoming)
  return plan
}

export interface Period {
  fromMs: number
  toMs: number | null
  version: string
}

/** The version in effect at `atMs` by the catalog's rule: the latest-starting one covering it. */
export function inEffect(versions: readonly PriceVersion[], atMs: number): PriceVersion | undefined {
  let best: PriceVersion | undefined
  for (const v of versions) {
    if (v.effectiveFromMs <= atMs && atMs < endOf(v.effectiveToMs) && (best === undefined || v.effectiveFromMs >= best.effectiveFromMs)) best = v
  }
  return best
}

/** Consecutive periods and the version in effect in each, oldest first. */
export function timeline(versions: readonly PriceVersion[]): Period[] {
  const bounds = [...new Set(versions.flatMap((v) => (v.effectiveToMs === null ? [v.effectiveFromMs] : [v.effectiveFromMs, v.effectiveToMs])))].sort((x, y) => x - y)
  const periods: Period[] = []
  bounds.forEach((fromMs, i) => {
    const version = inEffect(versions, fromMs)
    const toMs = bounds[i + 1] ?? null
    if (version === undefined) return
    const last = periods.at(-1)
    if (last !== undefined && last.version === version.version && last.toMs === fromMs) last.toMs = toMs
    else periods.push({ fromMs, toMs, version: version.version })
  })
  return periods
}
