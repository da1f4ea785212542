import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { PriceTierNano, PriceVersion, TokenUsage } from '../../src/domain/price.js'
import { costNano } from '../../src/pricing/cost.js'

const USD = 1_000_000_000

function aPrice(overrides: Partial<PriceVersion> = {}): PriceVersion {
  return {
    version: 'test:acme/model@1970-01-01',
    provider: 'acme',
    model: 'model',
    inputNano: 1 * USD,
    outputNano: 2 * USD,
    cacheReadNano: null,
    cacheWriteNano: null,
    cacheWrite1hNano: null,
    tiers: [],
    effectiveFromMs: 0,
    effectiveToMs: null,
    source: 'test',
    verified: true,
    ...overrides,
  }
}

function aTier(aboveInputTokens: number, overrides: Partial<PriceTierNano> = {}): PriceTierNano {
  return { aboveInputTokens, inputNano: 10 * USD, outputNano: 20 * USD, cacheReadNano: null, cacheWriteNano: null, cacheWrite1hNano: null, ...overrides }
}

function aUsage(overrides: Partial<TokenUsage> = {}): TokenUsage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, ...overrides }
}

// Claude Sonnet 4 as Anthropic publishes it, including the long-context (> 200k) prices.
const claudeSonnet4 = aPrice({
  provider: 'anthropic',
  model: 'claude-sonnet-4-0',
  inputNano: 3 * USD,
  outputNano: 15 * USD,
  cacheReadNano: 0.3 * USD,
  cacheWriteNano: 3.75 * USD,
  cacheWrite1hNano: 6 * USD,
  tiers: [{ aboveInputTokens: 200_000, inputNano: 6 * USD, outputNano: 22.5 * USD, cacheReadNano: 0.6 * USD, cacheWriteNano: 7.5 * USD, cacheWrite1hNano: 12 * USD }],
})

describe('costNano', () => {
  it('prices every kind of token at its own published price', () => {
    const usage = aUsage({ inputTokens: 10_000, outputTokens: 2_000, cacheReadTokens: 50_000, cacheWriteTokens: 4_000, cacheWrite1hTokens: 1_000 })

    const cost = costNano(claudeSonnet4, usage)

    // 10k × $3 + 2k × $15 + 50k × $0.30 + 3k (5-minute) × $3.75 + 1k (1-hour) × $6, per million
    expect(cost).toBe(30_000_000 + 30_000_000 + 15_000_000 + 11_250_000 + 6_000_000)
  })

  it('applies the long-context tier to the whole request once input plus cache tokens pass 200k', () => {
    const usage = aUsage({ inputTokens: 100_000, outputTokens: 10_000, cacheReadTokens: 80_000, cacheWriteTokens: 30_000, cacheWrite1hTokens: 10_000 })

    const cost = costNano(claudeSonnet4, usage)

    // 210k prompt tokens > 200k: 100k × $6 + 10k × $22.50 + 80k × $0.60 + 20k × $7.50 + 10k × $12
    expect(cost).toBe(600_000_000 + 225_000_000 + 48_000_000 + 150_000_000 + 120_000_000)
  })

  it('keeps the base price at exactly the threshold: a tier applies strictly above it', () => {
    const atThreshold = aUsage({ inputTokens: 150_000, cacheReadTokens: 50_000, outputTokens: 1_000 })
    const justAbove = aUsage({ inputTokens: 150_001, cacheReadTokens: 50_000, outputTokens: 1_000 })

    const base = costNano(claudeSonnet4, atThreshold)
    const tiered = costNano(claudeSonnet4, justAbove)

    expect(base).toBe(450_000_000 + 15_000_000 + 15_000_000)
    expect(tiered).toBe(900_006_000 + 30_000_000 + 22_500_000)
  })

  it('uses the highest tier whose threshold the request passes', () => {
    const price = aPrice({ tiers: [aTier(100, { inputNano: 2 * USD }), aTier(1_000, { inputNano: 3 * USD })] })

    const cost = costNano(price, aUsage({ inputTokens: 1_000_000 }))

    expect(cost).toBe(3 * USD)
  })

  it('takes a cache price the tier lacks from the base price', () => {
    const price = aPrice({ cacheReadNano: 0.5 * USD, tiers: [aTier(0, { inputNano: 4 * USD })] })

    const cost = costNano(price, aUsage({ cacheReadTokens: 1_000_000 }))

    expect(cost).toBe(0.5 * USD)
  })

  it('charges cache reads at the input price when no cache read price is known, never 0', () => {
    const price = aPrice({ inputNano: 2.5 * USD })

    const cost = costNano(price, aUsage({ cacheReadTokens: 1_000_000 }))

    expect(cost).toBe(2.5 * USD)
  })

  it('charges cache writes at the input price when no cache write price is known', () => {
    const price = aPrice({ inputNano: 2.5 * USD, cacheReadNano: 1.25 * USD })

    const cost = costNano(price, aUsage({ cacheWriteTokens: 1_000_000 }))

    expect(cost).toBe(2.5 * USD)
  })

  it('charges 1-hour cache writes at twice the input price for Claude when no 1-hour price is known', () => {
    const anthropic = aPrice({ provider: 'anthropic', model: 'claude-x', inputNano: 3 * USD, cacheWriteNano: 3.75 * USD })
    const bedrock = aPrice({ provider: 'aws', model: 'anthropic.claude-x-v1:0', inputNano: 3 * USD, cacheWriteNano: 3.75 * USD })
    const usage = aUsage({ cacheWriteTokens: 1_000_000, cacheWrite1hTokens: 1_000_000 })

    expect(costNano(anthropic, usage)).toBe(6 * USD)
    expect(costNano(bedrock, usage)).toBe(6 * USD)
  })

  it('charges 1-hour cache writes at the cache write price for other models when no 1-hour price is known', () => {
    const price = aPrice({ provider: 'openai', inputNano: 3 * USD, cacheWriteNano: 3.75 * USD })

    const cost = costNano(price, aUsage({ cacheWriteTokens: 1_000_000, cacheWrite1hTokens: 400_000 }))

    expect(cost).toBe(3.75 * USD)
  })

  it('rounds half up once over the whole request, not per kind of token', () => {
    const price = aPrice({ inputNano: 1, outputNano: 1 })

    const cost = costNano(price, aUsage({ inputTokens: 250_000, outputTokens: 250_000 }))

    // 0.25 + 0.25 nano = 0.5 nano → 1; rounding each part first would give 0
    expect(cost).toBe(1)
  })

  it('stays exact where float arithmetic would not', () => {
    const price = aPrice({ inputNano: 75 * USD + 123, outputNano: 0 })

    const cost = costNano(price, aUsage({ inputTokens: 9_007_199_254 }))

    const micro = 9_007_199_254n * 75_000_000_123n
    expect(cost).toBe(Number((micro + 500_000n) / 1_000_000n))
  })

  it('rejects 1-hour cache writes that exceed all cache writes', () => {
    expect(() => costNano(claudeSonnet4, aUsage({ cacheWriteTokens: 10, cacheWrite1hTokens: 11 }))).toThrow(RangeError)
  })

  it('rejects negative and fractional token counts', () => {
    expect(() => costNano(claudeSonnet4, aUsage({ inputTokens: -1 }))).toThrow(RangeError)
    expect(() => costNano(claudeSonnet4, aUsage({ outputTokens: 1.5 }))).toThrow(RangeError)
  })
})

describe('costNano properties', () => {
  const tokens = fc.integer({ min: 0, max: 50_000_000 })
  const nanoPerMtok = fc.integer({ min: 0, max: 500 * USD })
  const usageArb = fc
    .record({ inputTokens: tokens, outputTokens: tokens, cacheReadTokens: tokens, cacheWriteTokens: tokens, oneHourShare: fc.double({ min: 0, max: 1, noNaN: true }) })
    .map(({ oneHourShare, ...u }) => ({ ...u, cacheWrite1hTokens: Math.floor(u.cacheWriteTokens * oneHourShare) }))
  const flatPriceArb = fc
    .record({ inputNano: nanoPerMtok, outputNano: nanoPerMtok, cacheReadNano: nanoPerMtok, cacheWriteNano: nanoPerMtok, cacheWrite1hNano: nanoPerMtok })
    .map((p) => aPrice(p))

  it('equals a bigint reference computation for any token counts and prices', () => {
    fc.assert(fc.property(flatPriceArb, usageArb, (price, u) => {
      const parts: [number, number | null][] = [
        [u.inputTokens, price.inputNano],
        [u.outputTokens, price.outputNano],
        [u.cacheReadTokens, price.cacheReadNano],
        [u.cacheWriteTokens - u.cacheWrite1hTokens, price.cacheWriteNano],
        [u.cacheWrite1hTokens, price.cacheWrite1hNano],
      ]
      const micro = parts.reduce((sum, [n, p]) => sum + BigInt(n) * BigInt(p ?? 0), 0n)

      expect(costNano(price, u)).toBe(Number((micro + 500_000n) / 1_000_000n))
    }))
  })

  it('is additive: two requests cost what their sum costs, within one nano of rounding', () => {
    fc.assert(fc.property(flatPriceArb, usageArb, usageArb, (price, a, b) => {
      const sum = {
        inputTokens: a.inputTokens + b.inputTokens,
        outputTokens: a.outputTokens + b.outputTokens,
        cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
        cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
        cacheWrite1hTokens: a.cacheWrite1hTokens + b.cacheWrite1hTokens,
      }

      const difference = costNano(price, sum) - costNano(price, a) - costNano(price, b)

      expect(Math.abs(difference)).toBeLessThanOrEqual(1)
    }))
  })

  it('never falls when a request uses more tokens, tiers included', () => {
    const tieredPriceArb = fc
      .tuple(flatPriceArb, fc.integer({ min: 0, max: 100_000_000 }), fc.nat({ max: 500 * USD }))
      .map(([base, above, markup]) => ({
        ...base,
        tiers: [{ aboveInputTokens: above, inputNano: base.inputNano + markup, outputNano: base.outputNano + markup, cacheReadNano: null, cacheWriteNano: null, cacheWrite1hNano: null }],
      }))
    const field = fc.constantFrom('inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'cacheWrite1hTokens')

    fc.assert(fc.property(tieredPriceArb, usageArb, field, fc.integer({ min: 1, max: 1_000_000 }), (price, u, key, extra) => {
      const more = { ...u, [key]: u[key] + extra }
      if (key === 'cacheWrite1hTokens') more.cacheWriteTokens += extra

      expect(costNano(price, more)).toBeGreaterThanOrEqual(costNano(price, u))
    }))
  })
})
