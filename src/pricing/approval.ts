/**
 * The approval rules: given the price in effect and a verdict, whether anything changes,
 * and whether the change applies by itself or waits for a person. Pure.
 *
 * - A verdict equal to the price in effect changes nothing. Parts a source does not
 *   publish (a cache price, a long-context tier) are taken from the price in effect first:
 *   absent is unknown, not a removal.
 * - A change that is unverified, or that moves any price by more than the threshold
 *   (default 20 %; a price moving from 0 counts as 100 %), is pending. Others apply.
 * - A past period (backfill) is always a person's decision: it reprices old records.
 */
import { nanoToUsd } from '../domain/money.js'
import type { PriceTierNano, PriceVersion } from '../domain/price.js'
import type { PriceChangeKind, PricePoint } from '../domain/price-monitoring.js'
import { pricesAgree, type Verdict } from './verify.js'

export interface ApprovalRules {
  /** Largest relative move that applies without approval: 0.2 = 20 %. */
  maxAutoChange: number
}

export const DEFAULT_APPROVAL: ApprovalRules = { maxAutoChange: 0.2 }

export interface Proposal {
  kind: PriceChangeKind
  price: PricePoint
  pending: boolean
  /** Largest relative move; null for a model without a price. */
  changeRatio: number | null
  reason: string
}

type Field = 'inputNano' | 'outputNano' | 'cacheReadNano' | 'cacheWriteNano' | 'cacheWrite1hNano'
const FIELDS: readonly Field[] = ['inputNano', 'outputNano', 'cacheReadNano', 'cacheWriteNano', 'cacheWrite1hNano']

export const pointOf = (v: PricePoint): PricePoint => ({
  inputNano: v.inputNano,
  outputNano: v.outputNano,
  cacheReadNano: v.cacheReadNano,
  cacheWriteNano: v.cacheWriteNano,
  cacheWrite1hNano: v.cacheWrite1hNano,
  tiers: v.tiers,
})

/**
 * `candidate` with the parts it lacks taken from `current`: cache prices, whole tiers, and
 * the cache prices of a tier both have.
 */
function completeFrom(candidate: PricePoint, current: PricePoint | undefined): PricePoint {
  if (current === undefined) return candidate
  const tiers =
    candidate.tiers.length === 0
      ? current.tiers
      : candidate.tiers.map((tier) => {
          const known = current.tiers.find((t) => t.aboveInputTokens === tier.aboveInputTokens)
          if (known === undefined) return tier
          return {
            ...tier,
            cacheReadNano: tier.cacheReadNano ?? known.cacheReadNano,
            cacheWriteNano: tier.cacheWriteNano ?? known.cacheWriteNano,
            cacheWrite1hNano: tier.cacheWrite1hNano ?? known.cacheWrite1hNano,
          }
        })
  return {
    ...candidate,
    cacheReadNano: candidate.cacheReadNano ?? current.cacheReadNano,
    cacheWriteNano: candidate.cacheWriteNano ?? current.cacheWriteNano,
    cacheWrite1hNano: candidate.cacheWrite1hNano ?? current.cacheWrite1hNano,
    tiers,
  }
}

/** Tiers with every price they leave unknown (null) spelled out as the base's, as pricing reads them. */
function canonical(p: PricePoint): PricePoint {
  return {
    ...p,
    tiers: p.tiers.map((t) => ({
      ...t,
      cacheReadNano: t.cacheReadNano ?? p.cacheReadNano,
      cacheWriteNano: t.cacheWriteNano ?? p.cacheWriteNano,
      cacheWrite1hNano: t.cacheWrite1hNano ?? p.cacheWrite1hNano,
    })),
  }
}

const sameTier = (a: PriceTierNano, b: PriceTierNano) => a.aboveInputTokens === b.aboveInputTokens && FIELDS.every((f) => a[f] === b[f])

/** Whether two prices charge every request alike. */
export function samePrice(left: PricePoint, right: PricePoint): boolean {
  const [a, b] = [canonical(left), canonical(right)]
  return FIELDS.every((f) => a[f] === b[f]) && a.tiers.length === b.tiers.length && a.tiers.every((t, i) => sameTier(t, b.tiers[i]!))
}

function move(from: number | null, to: number | null): number {
  if (from === null || to === null || from === to) return 0
  return from === 0 ? 1 : Math.abs(to - from) / from
}

/** The largest relative move of any price both know, tiers included. */
export function changeRatio(before: PricePoint, after: PricePoint): number {
  const [from, to] = [canonical(before), canonical(after)]
  let ratio = Math.max(...FIELDS.map((f) => move(from[f], to[f])))
  for (const tier of to.tiers) {
    const before = from.tiers.find((t) => t.aboveInputTokens === tier.aboveInputTokens)
    if (before !== undefined) ratio = Math.max(ratio, ...FIELDS.map((f) => move(before[f], tier[f])))
  }
  return ratio
}

const percent = (ratio: number) => `${Math.round(ratio * 1000) / 10} %`
const describe = (p: PricePoint) => `$${nanoToUsd(p.inputNano)} in / $${nanoToUsd(p.outputNano)} out`

/** What a verdict means for the price in effect now; null = nothing to change. */
export function propose(current: PriceVersion | undefined, verdict: Verdict, rules: ApprovalRules = DEFAULT_APPROVAL): Proposal | null {
  if (verdict.price === null || verdict.status === 'manual') return null
  const currentPoint = current === undefined ? undefined : pointOf(current)
  const price = completeFrom(verdict.price, currentPoint)
  if (currentPoint === undefined) {
    return {
      kind: 'new',
      price,
      pending: !verdict.verified,
      changeRatio: null,
      reason: `${verdict.reason}; a new model at ${describe(price)}${verdict.verified ? ': applied' : ': unverified, needs approval'}`,
    }
  }
  if (samePrice(price, currentPoint)) return null
  const ratio = changeRatio(currentPoint, price)
  const tooLarge = ratio > rules.maxAutoChange
  const why = !verdict.verified ? 'unverified, needs approval' : tooLarge ? `moves more than ${percent(rules.maxAutoChange)}, needs approval` : 'applied'
  return {
    kind: 'update',
    price,
    pending: !verdict.verified || tooLarge,
    changeRatio: ratio,
    reason: `${verdict.reason}; ${describe(currentPoint)} → ${describe(price)} (moves ${percent(ratio)}): ${why}`,
  }
}

/** A past period a source records, against the version that was in effect then; null when they agree. */
export function proposeBackfill(then: PriceVersion | undefined, observed: PricePoint, sourceId: string, tolerance: number): Proposal | null {
  const thenPoint = then === undefined ? undefined : pointOf(then)
  if (thenPoint !== undefined && pricesAgree(thenPoint, observed, tolerance)) return null
  const price = completeFrom(observed, thenPoint)
  return {
    kind: 'backfill',
    price,
    pending: true,
    changeRatio: thenPoint === undefined ? null : changeRatio(thenPoint, price),
    reason:
      thenPoint === undefined
        ? `${sourceId} records ${describe(price)} for a period no stored price covers: a past price, needs approval`
        : `${sourceId} records ${describe(price)} for a period priced ${describe(thenPoint)}: a past price, needs approval`,
  }
}
