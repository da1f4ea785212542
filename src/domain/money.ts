/**
 * Money: every amount inside the system is an integer count of nano-USD (1e-9 USD).
 *
 * Decimal USD exists only at the edges (JSON, CLI): it is converted here, once, in
 * each direction. One record's cost fits a JS number exactly (below 2^53 nano-USD,
 * about $9M); totals that may pass that are summed as bigint.
 */
import { z } from 'zod'

export const NANO_PER_USD = 1_000_000_000

/**
 * A decimal USD amount as it arrives in JSON: finite, non-negative, at most 9 decimals
 * kept. Capped at $4M because above 2^22 dollars a JS number cannot hold 9 decimals.
 */
export const UsdAmount = z.number().finite().nonnegative().max(4_000_000)

/** A positive amount that is still positive once rounded to whole nano-USD. */
export const PositiveUsdAmount = UsdAmount.min(1e-9, 'must be at least 0.000000001 USD (one nano-USD)')

/**
 * Converts decimal USD to nano-USD, rounding to the nearest nano. Goes through the
 * decimal string so that 0.1 + 0.2-style binary noise in the float never leaks in.
 */
export function usdToNano(usd: number): number {
  if (!Number.isFinite(usd)) throw new RangeError(`not a finite USD amount: ${usd}`)
  const negative = usd < 0
  const [whole = '0', fraction = ''] = Math.abs(usd).toFixed(12).split('.')
  const nanoDigits = fraction.slice(0, 9)
  const roundUp = Number(fraction[9] ?? '0') >= 5
  const nano = Number(whole) * NANO_PER_USD + Number(nanoDigits) + (roundUp ? 1 : 0)
  return negative ? -nano : nano
}

/** Converts nano-USD (number or bigint total) to decimal USD, exact to 9 places. */
export function nanoToUsd(nano: number | bigint): number {
  const value = BigInt(nano)
  const negative = value < 0n
  const abs = negative ? -value : value
  const whole = abs / 1_000_000_000n
  const fraction = (abs % 1_000_000_000n).toString().padStart(9, '0')
  const usd = Number(`${whole}.${fraction}`)
  return negative ? -usd : usd
}

/** Sums nano-USD amounts exactly, whatever their count. */
export function sumNano(amounts: Iterable<number | bigint>): bigint {
  let total = 0n
  for (const amount of amounts) total += BigInt(amount)
  return total
}

/** Converts a price in USD per million tokens to nano-USD per million tokens (an integer). */
export function perMtokToNano(usdPerMtok: number): number {
  return usdToNano(usdPerMtok)
}

/**
 * tokens × (nano-USD per million tokens) / 1e6, rounded half up to a whole nano.
 * Computed in bigint: the product passes 2^53 for large requests on dear models.
 */
export function tokenCostNano(parts: ReadonlyArray<readonly [tokens: number, nanoPerMtok: number]>): number {
  let micro = 0n
  for (const [tokens, nanoPerMtok] of parts) micro += BigInt(tokens) * BigInt(nanoPerMtok)
  return Number((micro + 500_000n) / 1_000_000n)
}
