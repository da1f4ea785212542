/**
 * Verification: what several sources say about one model's price → the price to keep, and
 * whether it is verified. Pure.
 *
 * Rules (TEKTON's, with trust per source):
 * - Two prices agree when input and output — and the input/output of every long-context
 *   tier both list — are within ±10 % of each other (of the larger).
 * - Sources form groups around each source's price; the heaviest group by trust wins. It is
 *   **verified** when it holds ≥ 80 % of the trust of all sources that price the model and
 *   at least two sources.
 * - A model only one source prices is kept (unverified) when that source's trust is ≥ 0.8,
 *   otherwise not at all.
 * - Otherwise the sources **conflict**: the highest-trust source's price is kept, unverified,
 *   and the caller raises a price_conflict alert.
 * - A manual price wins over every source, verified.
 *
 * The kept price is the winning source's, completed from the sources that agree with it:
 * a cache price it lacks is absent, not free, so it is taken from the others — each
 * optional price (cache read, cache write, 1-hour cache write) by a trust-weighted vote
 * among those that publish it, so one feed's plainly wrong cache price is outvoted — and
 * long-context tiers from the most trusted source that has them. `fields` says where each
 * part came from.
 */
import { nanoToUsd } from '../domain/money.js'
import type { PricePoint } from '../domain/price-monitoring.js'

export interface Vote {
  sourceId: string
  trust: number
  sourceModelId: string
  price: PricePoint
}

export interface VerifyRules {
  /** Relative difference two agreeing prices may have: 0.10 = ±10 %. */
  tolerance: number
  /** Share of the trust an agreeing group needs to be verified. */
  quorum: number
  /** Least trust of a source that alone prices a model. */
  minSingleTrust: number
}

export const DEFAULT_RULES: VerifyRules = { tolerance: 0.1, quorum: 0.8, minSingleTrust: 0.8 }

export type VerdictStatus = 'verified' | 'single_source' | 'conflict' | 'insufficient' | 'manual'

export interface Verdict {
  status: VerdictStatus
  verified: boolean
  /** Null when nothing may be stored (insufficient). */
  price: PricePoint | null
  /** The source whose price won. */
  source: string | null
  /** Sources whose price agrees with the winner's (the winner included). */
  agreeing: string[]
  agreeingTrust: number
  totalTrust: number
  /** Which source each optional part of the price came from, when not the winner. */
  fields: Record<string, string>
  reason: string
}

type OptionalField = 'cacheReadNano' | 'cacheWriteNano' | 'cacheWrite1hNano'
const OPTIONAL: readonly OptionalField[] = ['cacheReadNano', 'cacheWriteNano', 'cacheWrite1hNano']

export function within(a: number, b: number, tolerance: number): boolean {
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b))
}

/** Whether two prices agree: input, output and shared tiers within tolerance. */
export function pricesAgree(a: PricePoint, b: PricePoint, tolerance: number = DEFAULT_RULES.tolerance): boolean {
  if (!within(a.inputNano, b.inputNano, tolerance) || !within(a.outputNano, b.outputNano, tolerance)) return false
  for (const tier of a.tiers) {
    const other = b.tiers.find((t) => t.aboveInputTokens === tier.aboveInputTokens)
    if (other !== undefined && (!within(tier.inputNano, other.inputNano, tolerance) || !within(tier.outputNano, other.outputNano, tolerance))) return false
  }
  return true
}

const byTrust = (a: Vote, b: Vote) => b.trust - a.trust || (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0)
const sum = (votes: readonly Vote[]) => votes.reduce((total, v) => total + v.trust, 0)
const names = (votes: readonly Vote[]) => votes.map((v) => v.sourceId).join(', ')
const usd = (nano: number) => `$${nanoToUsd(nano)}`
const describe = (p: PricePoint) => `${usd(p.inputNano)}/${usd(p.outputNano)}`

/** The price to keep for one model. `votes` holds at most one vote per source. */
export function verifyModel(votes: readonly Vote[], rules: VerifyRules = DEFAULT_RULES, manual?: PricePoint): Verdict {
  const totalTrust = sum(votes)
  if (manual !== undefined) {
    return { status: 'manual', verified: true, price: manual, source: 'manual', agreeing: ['manual'], agreeingTrust: totalTrust, totalTrust, fields: {}, reason: 'a manual price is in effect: it wins until removed' }
  }
  const sorted = [...votes].sort(byTrust)
  const top = sorted[0]
  if (top === undefined) {
    return { status: 'insufficient', verified: false, price: null, source: null, agreeing: [], agreeingTrust: 0, totalTrust: 0, fields: {}, reason: 'no source prices it' }
  }
  if (sorted.length === 1) {
    const kept = top.trust >= rules.minSingleTrust
    return {
      status: kept ? 'single_source' : 'insufficient',
      verified: false,
      price: kept ? top.price : null,
      source: kept ? top.sourceId : null,
      agreeing: [top.sourceId],
      agreeingTrust: top.trust,
      totalTrust,
      fields: {},
      reason: kept
        ? `only ${top.sourceId} (trust ${top.trust}) prices it: kept unverified`
        : `only ${top.sourceId} prices it and its trust ${top.trust} is below ${rules.minSingleTrust}: not kept`,
    }
  }

  const groups = sorted.map((center) => sorted.filter((v) => pricesAgree(center.price, v.price, rules.tolerance)))
  let heaviest = groups[0]!
  for (const group of groups) if (sum(group) > sum(heaviest) + 1e-9) heaviest = group
  const heaviestTrust = sum(heaviest)
  const share = totalTrust > 0 ? heaviestTrust / totalTrust : 0
  if (heaviest.length >= 2 && share + 1e-9 >= rules.quorum) {
    const { price, fields } = complete(heaviest, rules.tolerance)
    const winner = heaviest[0]!
    const dissent = sorted.filter((v) => !heaviest.includes(v))
    return {
      status: 'verified',
      verified: true,
      price,
      source: winner.sourceId,
      agreeing: heaviest.map((v) => v.sourceId),
      agreeingTrust: heaviestTrust,
      totalTrust,
      fields,
      reason:
        `${names(heaviest)} agree within ±${rules.tolerance * 100} % (${percent(share)} of the trust, ${percent(rules.quorum)} needed); ` +
        `price from ${winner.sourceId}, the most trusted of them${dissent.length > 0 ? `; ${names(dissent)} disagree` : ''}`,
    }
  }

  // Conflict: the most trusted source wins, completed from the sources that agree with it.
  const winnerGroup = groups[0]!
  const { price, fields } = complete(winnerGroup, rules.tolerance)
  return {
    status: 'conflict',
    verified: false,
    price,
    source: top.sourceId,
    agreeing: winnerGroup.map((v) => v.sourceId),
    agreeingTrust: sum(winnerGroup),
    totalTrust,
    fields,
    reason:
      `sources disagree (${sorted.map((v) => `${v.sourceId} ${describe(v.price)}`).join('; ')}): the largest agreeing group holds ` +
      `${percent(share)} of the trust, ${percent(rules.quorum)} needed; kept unverified: ${top.sourceId}'s price, the most trusted source`,
  }
}

const percent = (ratio: number) => `${Math.round(ratio * 100)} %`

/** The group's best price: its most trusted member's, with optional parts voted and tiers filled. */
function complete(group: readonly Vote[], tolerance: number): { price: PricePoint; fields: Record<string, string> } {
  const winner = group[0]!
  const price: PricePoint = { ...winner.price, tiers: winner.price.tiers }
  const fields: Record<string, string> = {}
  for (const field of OPTIONAL) {
    const chosen = vote(group, field, tolerance)
    price[field] = chosen?.price[field] ?? null
    if (chosen !== undefined && chosen.sourceId !== winner.sourceId) fields[field] = chosen.sourceId
  }
  if (price.tiers.length === 0) {
    const withTiers = group.find((v) => v.price.tiers.length > 0)
    if (withTiers !== undefined) {
      price.tiers = withTiers.price.tiers
      fields.tiers = withTiers.sourceId
    }
  }
  return { price, fields }
}

/** Among the votes that publish `field`, the most trusted member of the heaviest agreeing subgroup. */
function vote(group: readonly Vote[], field: OptionalField, tolerance: number): Vote | undefined {
  const publishing = group.filter((v) => v.price[field] !== null)
  let best: Vote[] = []
  for (const center of publishing) {
    const agreeing = publishing.filter((v) => within(center.price[field]!, v.price[field]!, tolerance))
    if (sum(agreeing) > sum(best) + 1e-9) best = agreeing
  }
  return best[0]
}
