import { describe, expect, it } from 'vitest'
import type { PriceVersion } from '../../src/domain/price.js'
import type { PricePoint } from '../../src/domain/price-monitoring.js'
import { propose, proposeBackfill } from '../../src/pricing/approval.js'
import type { Verdict } from '../../src/pricing/verify.js'

const USD = 1_000_000_000

function aPrice(input: number, output: number, extra: Partial<PricePoint> = {}): PricePoint {
  return { inputNano: input * USD, outputNano: output * USD, cacheReadNano: null, cacheWriteNano: null, cacheWrite1hNano: null, tiers: [], ...extra }
}

function aVersion(price: PricePoint): PriceVersion {
  return { ...price, version: 'bundled:acme/m@1970-01-01', provider: 'acme', model: 'm', effectiveFromMs: 0, effectiveToMs: null, source: 'bundled', verified: true }
}

function aVerdict(price: PricePoint, verified = true): Verdict {
  return { status: verified ? 'verified' : 'single_source', verified, price, source: 'litellm', agreeing: ['litellm'], agreeingTrust: 1, totalTrust: 1, fields: {}, reason: 'test' }
}

describe('approval rules', () => {
  it('changes nothing when the verdict is the price in effect', () => {
    expect(propose(aVersion(aPrice(3, 15)), aVerdict(aPrice(3, 15)))).toBeNull()
  })

  it('applies a verified change within 20 %', () => {
    expect(propose(aVersion(aPrice(2, 8)), aVerdict(aPrice(2.1, 8.4)))).toMatchObject({ kind: 'update', pending: false, changeRatio: expect.closeTo(0.05, 9) })
  })

  it('holds a verified change of more than 20 % for approval', () => {
    expect(propose(aVersion(aPrice(15, 60)), aVerdict(aPrice(19.5, 78)))).toMatchObject({ kind: 'update', pending: true, changeRatio: expect.closeTo(0.3, 9) })
  })

  it('holds an unverified change for approval however small', () => {
    expect(propose(aVersion(aPrice(2, 8)), aVerdict(aPrice(2.02, 8), false))).toMatchObject({ pending: true })
  })

  it('applies a verified price of a new model and holds an unverified one', () => {
    expect(propose(undefined, aVerdict(aPrice(1, 2)))).toMatchObject({ kind: 'new', pending: false, changeRatio: null })
    expect(propose(undefined, aVerdict(aPrice(1, 2), false))).toMatchObject({ kind: 'new', pending: true })
  })

  it('does not take a cache price the sources leave out as a removal', () => {
    expect(propose(aVersion(aPrice(3, 15, { cacheReadNano: 0.3 * USD })), aVerdict(aPrice(3, 15)))).toBeNull()
  })

  it('counts a price moving from 0 as 100 %', () => {
    expect(propose(aVersion(aPrice(0, 0)), aVerdict(aPrice(0.1, 0.1)))).toMatchObject({ pending: true, changeRatio: 1 })
  })

  it('holds every past period a source records differently for approval, and ignores agreeing ones', () => {
    expect(proposeBackfill(aVersion(aPrice(2.5, 10)), aPrice(5, 15), 'llmprices', 0.1)).toMatchObject({ kind: 'backfill', pending: true })
    expect(proposeBackfill(aVersion(aPrice(2.5, 10)), aPrice(2.5, 10), 'llmprices', 0.1)).toBeNull()
  })
})
