import { describe, expect, it } from 'vitest'
import type { PriceVersion } from '../../src/domain/price.js'
import { planApply, timeline } from '../../src/pricing/history.js'

const T = (day: number) => Date.UTC(2026, 0, day)

function aVersion(version: string, fromMs: number, toMs: number | null): PriceVersion {
  return { version, provider: 'acme', model: 'm', inputNano: 1, outputNano: 1, cacheReadNano: null, cacheWriteNano: null, cacheWrite1hNano: null, tiers: [], effectiveFromMs: fromMs, effectiveToMs: toMs, source: 's', verified: true }
}

describe('price history', () => {
  it('ends the version in effect where an open-ended new one begins', () => {
    const plan = planApply([aVersion('a', 0, null)], aVersion('b', T(10), null))

    expect(plan.bounds).toEqual([{ version: 'a', fromMs: 0, toMs: T(10) }])
    expect(plan.inserts.map((v) => v.version)).toEqual(['b'])
  })

  it('splits a version around a past period, continuing it after the period', () => {
    const plan = planApply([aVersion('a', 0, null)], aVersion('old', T(5), T(10)))

    expect(plan.bounds).toEqual([{ version: 'a', fromMs: 0, toMs: T(5) }])
    expect(plan.inserts.map((v) => [v.version.startsWith('a~'), v.effectiveFromMs, v.effectiveToMs])).toEqual([
      [true, T(10), null],
      [false, T(5), T(10)],
    ])
  })

  it('keeps a version lying wholly inside the new period in the history, never in effect', () => {
    const plan = planApply([aVersion('a', 0, T(3)), aVersion('b', T(3), T(6)), aVersion('c', T(6), null)], aVersion('n', T(2), T(8)))

    expect(plan.bounds).toEqual([
      { version: 'a', fromMs: 0, toMs: T(2) },
      { version: 'b', fromMs: T(3), toMs: T(3) },
      { version: 'c', fromMs: T(8), toMs: null },
    ])
  })

  it('says which version was in effect when: the latest-starting one covering each instant', () => {
    const versions = [aVersion('bundled', 0, null), aVersion('manual', T(5), T(10))]

    expect(timeline(versions)).toEqual([
      { fromMs: 0, toMs: T(5), version: 'bundled' },
      { fromMs: T(5), toMs: T(10), version: 'manual' },
      { fromMs: T(10), toMs: null, version: 'bundled' },
    ])
  })
})
