import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NANO_PER_USD, nanoToUsd, perMtokToNano, sumNano, tokenCostNano, usdToNano } from '../../src/domain/money.js'

// Below 2^22 USD a double resolves every nano-dollar (its step there is under 1e-9 / 2). From
// 2^23 USD (~$8.4M) its step passes 1e-9, so two 9-decimal amounts can share one double.
const EXACT_USD_BELOW = 2 ** 22
const aNanoAmount = () => fc.integer({ min: -(EXACT_USD_BELOW * NANO_PER_USD - 1), max: EXACT_USD_BELOW * NANO_PER_USD - 1 })

/** The decimal text of a nano amount, as a JSON writer would print it, with no float involved. */
function decimalText(nano: number): string {
  const abs = BigInt(Math.abs(nano))
  const text = `${abs / 1_000_000_000n}.${(abs % 1_000_000_000n).toString().padStart(9, '0')}`
  return nano < 0 ? `-${text}` : text
}

describe('usdToNano / nanoToUsd', () => {
  it('round-trip every amount with at most 9 decimals below $4,194,304', () => {
    fc.assert(fc.property(aNanoAmount(), (nano) => {
      const usd = Number(decimalText(nano))

      expect(usdToNano(usd)).toBe(nano)
      expect(nanoToUsd(nano)).toBe(usd)
      expect(usdToNano(nanoToUsd(nano))).toBe(nano)
    }), { numRuns: 2_000 })
  })

  it('read decimal amounts as written, not as their binary approximation', () => {
    expect(usdToNano(0.1)).toBe(100_000_000)
    expect(usdToNano(0.1 + 0.2)).toBe(300_000_000)
    expect(usdToNano(1.005)).toBe(1_005_000_000)
    expect(usdToNano(0.000000001)).toBe(1)
    expect(usdToNano(8_999_999.5)).toBe(8_999_999_500_000_000)
  })

  it('round half up past the 9th decimal', () => {
    expect(usdToNano(0.0000000015)).toBe(2)
    expect(usdToNano(0.0000000014)).toBe(1)
    expect(usdToNano(-0.0000000015)).toBe(-2)
  })

  it('convert bigint totals past 2^53 nano-USD', () => {
    expect(nanoToUsd(12_345_678_901_234_567_891n)).toBe(12_345_678_901.234568)
    expect(nanoToUsd(-1_500_000_000n)).toBe(-1.5)
  })

  it('throw RangeError for a non-finite amount', () => {
    for (const usd of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => usdToNano(usd)).toThrow(RangeError)
    }
  })
})

describe('sumNano', () => {
  it('sums exactly where float summation drifts: 0.1 + 0.2 and a million $0.000001 amounts', () => {
    const micro = Array.from({ length: 1_000_000 }, () => 0.000001)
    const floatSum = micro.reduce((sum, usd) => sum + usd, 0)

    expect(0.1 + 0.2).not.toBe(0.3)
    expect(nanoToUsd(sumNano([usdToNano(0.1), usdToNano(0.2)]))).toBe(0.3)
    expect(floatSum).not.toBe(1)
    expect(sumNano(micro.map(usdToNano))).toBe(1_000_000_000n)
  })

  it('equals the exact integer sum of any amounts, beyond 2^53 included', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.maxSafeInteger(), fc.bigInt()), { maxLength: 200 }), (amounts) => {
      const reference = amounts.reduce<bigint>((sum, amount) => sum + BigInt(amount), 0n)

      expect(sumNano(amounts)).toBe(reference)
    }))
  })

  it('sums an empty list to zero and accepts any iterable', () => {
    expect(sumNano([])).toBe(0n)
    expect(sumNano(new Set([1, 2, 3]))).toBe(6n)
  })
})

describe('tokenCostNano', () => {
  /** Reference: the exact rational tokens × price / 1e6, rounded half up by remainder. */
  function referenceCostNano(parts: ReadonlyArray<readonly [number, number]>): bigint {
    const micro = parts.reduce((sum, [tokens, nanoPerMtok]) => sum + BigInt(tokens) * BigInt(nanoPerMtok), 0n)
    const whole = micro / 1_000_000n
    return 2n * (micro % 1_000_000n) >= 1_000_000n ? whole + 1n : whole
  }

  it('equals the bigint reference with half-up rounding, even when the product passes 2^53', () => {
    const aPart = fc.tuple(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 1_000 * NANO_PER_USD }))

    fc.assert(fc.property(fc.array(aPart, { maxLength: 6 }), (parts) => {
      expect(BigInt(tokenCostNano(parts))).toBe(referenceCostNano(parts))
    }), { numRuns: 2_000 })
  })

  it('rounds half a nano up and less than half down', () => {
    expect(tokenCostNano([[1, 500_000]])).toBe(1)
    expect(tokenCostNano([[1, 499_999]])).toBe(0)
    expect(tokenCostNano([[1, 250_000], [1, 250_000]])).toBe(1)
  })

  it('prices a million tokens at the per-Mtok price', () => {
    expect(tokenCostNano([[1_000_000, perMtokToNano(3)], [1_000_000, perMtokToNano(15)]])).toBe(18 * NANO_PER_USD)
    expect(tokenCostNano([])).toBe(0)
  })
})

describe('perMtokToNano', () => {
  it('converts per-million-token prices to whole nano-USD', () => {
    expect(perMtokToNano(3)).toBe(3_000_000_000)
    expect(perMtokToNano(0.075)).toBe(75_000_000)
    expect(perMtokToNano(0.0375)).toBe(37_500_000)
  })
})
