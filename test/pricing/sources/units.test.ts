import { describe, expect, it } from 'vitest'
import { pageCellToNano, perMtokToNano, perTokenToNano, scaleDecimal } from '../../../src/pricing/sources/units.js'

describe('feed price units', () => {
  it.each<[unknown, number]>([
    [3e-6, 3_000_000_000],
    [1.5e-5, 15_000_000_000],
    [2.5e-7, 250_000_000],
    ['0.0000033333333', 3_333_333_300],
    ['0.0000001349999999', 135_000_000],
    ['25e-6', 25_000_000_000],
    [0, 0],
  ])('reads %s USD per token exactly', (value, nano) => {
    expect(perTokenToNano(value)).toBe(nano)
  })

  it('refuses what is not a non-negative decimal', () => {
    for (const value of ['-1', 'free', '', null, undefined, Number.NaN, -0.5, '1e400', {}]) expect(perTokenToNano(value)).toBeNull()
  })

  it('reads USD per million tokens', () => {
    expect(perMtokToNano(2.5)).toBe(2_500_000_000)
    expect(perMtokToNano(0.075)).toBe(75_000_000)
  })

  it('rounds half up once, at the nano', () => {
    expect(scaleDecimal('0.0000000005', 9)).toBe(1)
    expect(scaleDecimal('0.0000000004999', 9)).toBe(0)
  })

  it.each<[string, boolean, number | null]>([
    ['$2.50', false, 2_500_000_000],
    ['2.50 USD', false, 2_500_000_000],
    ['$1,250.00', false, 1_250_000_000_000],
    ['$0.0025 / 1K tokens', false, 2_500_000_000],
    ['$3 per 1M tokens', true, 3_000_000_000],
    ['$0.0025', true, 2_500_000_000],
    ['$1.25 – $2.50', false, null],
    ['Contact us', false, null],
    ['—', false, null],
  ])('reads the page cell %j (per thousand: %s)', (cell, perThousand, nano) => {
    expect(pageCellToNano(cell, perThousand)).toBe(nano)
  })
})
