import { describe, expect, it } from 'vitest'
import type { PricePoint } from '../../src/domain/price-monitoring.js'
import { pricesAgree, verifyModel, type Vote } from '../../src/pricing/verify.js'

const USD = 1_000_000_000

function aPrice(input: number, output: number, extra: Partial<PricePoint> = {}): PricePoint {
  return { inputNano: input * USD, outputNano: output * USD, cacheReadNano: null, cacheWriteNano: null, cacheWrite1hNano: null, tiers: [], ...extra }
}

const vote = (sourceId: string, trust: number, price: PricePoint): Vote => ({ sourceId, trust, sourceModelId: 'm', price })

describe('verification by trust', () => {
  it('verifies a price the sources agree on within ±10 %, taking the most trusted source\'s price', () => {
    const verdict = verifyModel([vote('litellm', 0.9, aPrice(3, 15)), vote('openrouter', 0.8, aPrice(3.2, 15.5)), vote('bundled', 0.85, aPrice(3, 15))])

    expect(verdict).toMatchObject({ status: 'verified', verified: true, source: 'litellm', price: aPrice(3, 15) })
    expect(verdict.agreeing.sort()).toEqual(['bundled', 'litellm', 'openrouter'])
  })

  it('verifies when the agreeing sources hold at least 80 % of the trust, outvoting one that disagrees', () => {
    const verdict = verifyModel([
      vote('litellm', 0.9, aPrice(3, 15)),
      vote('bundled', 0.85, aPrice(3, 15)),
      vote('llmprices', 0.8, aPrice(3, 15)),
      vote('openrouter', 0.8, aPrice(3, 15)),
      vote('pretrained_html', 0.7, aPrice(30, 150)),
    ])

    expect(verdict.status).toBe('verified')
    expect(verdict.agreeingTrust / verdict.totalTrust).toBeGreaterThanOrEqual(0.8)
  })

  it('keeps a single source with trust ≥ 0.8, unverified', () => {
    expect(verifyModel([vote('litellm', 0.9, aPrice(1, 2))])).toMatchObject({ status: 'single_source', verified: false, source: 'litellm', price: aPrice(1, 2) })
  })

  it('keeps nothing from a single source with trust below 0.8', () => {
    expect(verifyModel([vote('pretrained_html', 0.7, aPrice(1, 2))])).toMatchObject({ status: 'insufficient', verified: false, price: null })
  })

  it('on conflict keeps the most trusted source\'s price, unverified', () => {
    const verdict = verifyModel([vote('litellm', 0.9, aPrice(2, 6)), vote('llmprices', 0.8, aPrice(4, 12)), vote('openrouter', 0.8, aPrice(3, 9))])

    expect(verdict).toMatchObject({ status: 'conflict', verified: false, source: 'litellm', price: aPrice(2, 6) })
  })

  it('lets a manual price win over every source', () => {
    const manual = aPrice(1, 1)

    const verdict = verifyModel([vote('litellm', 0.9, aPrice(3, 15)), vote('bundled', 0.85, aPrice(3, 15))], undefined, manual)

    expect(verdict).toMatchObject({ status: 'manual', verified: true, source: 'manual', price: manual })
  })

  it('completes the winner\'s price from the agreeing sources: a missing cache price is taken, not zeroed', () => {
    const verdict = verifyModel([
      vote('litellm', 0.9, aPrice(3, 15, { cacheReadNano: 0.3 * USD })),
      vote('bundled', 0.85, aPrice(3, 15, { cacheReadNano: 0.3 * USD, cacheWriteNano: 3.75 * USD, cacheWrite1hNano: 6 * USD })),
    ])

    expect(verdict.price).toEqual(aPrice(3, 15, { cacheReadNano: 0.3 * USD, cacheWriteNano: 3.75 * USD, cacheWrite1hNano: 6 * USD }))
    expect(verdict.fields).toEqual({ cacheWriteNano: 'bundled', cacheWrite1hNano: 'bundled' })
  })

  it('outvotes one source\'s plainly wrong cache price', () => {
    const verdict = verifyModel([
      vote('litellm', 0.9, aPrice(3, 15, { cacheWrite1hNano: 3.75 * USD })),
      vote('bundled', 0.85, aPrice(3, 15, { cacheWrite1hNano: 6 * USD })),
      vote('openrouter', 0.8, aPrice(3, 15, { cacheWrite1hNano: 6 * USD })),
    ])

    expect(verdict.price?.cacheWrite1hNano).toBe(6 * USD)
  })

  it('compares long-context tiers both sources list', () => {
    const tier = (input: number) => ({ aboveInputTokens: 200_000, inputNano: input * USD, outputNano: 22.5 * USD, cacheReadNano: null, cacheWriteNano: null, cacheWrite1hNano: null })

    expect(pricesAgree(aPrice(3, 15, { tiers: [tier(6)] }), aPrice(3, 15, { tiers: [tier(6.2)] }))).toBe(true)
    expect(pricesAgree(aPrice(3, 15, { tiers: [tier(6)] }), aPrice(3, 15, { tiers: [tier(3)] }))).toBe(false)
    expect(pricesAgree(aPrice(3, 15, { tiers: [tier(6)] }), aPrice(3, 15))).toBe(true)
  })
})
