import { describe, expect, it } from 'vitest'
import { newId, randomHex } from '../../src/domain/ids.js'
import { sortableId } from '../../src/domain/sortable-id.js'

describe('ids', () => {
  it('are `<prefix>_<12 hex ms><16 hex>`, unique across many refills of the random pool', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('usage'))
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids.slice(0, 600)) expect(id).toMatch(/^use_[0-9a-f]{28}$/)
  })

  it('sort by creation time', () => {
    const first = newId('budget')
    const later = `bud_${(Date.now() + 1).toString(16).padStart(12, '0')}`
    expect(first < later).toBe(true)
  })

  it('draw random hex of the length asked for, never repeating a pool window', () => {
    const draws = Array.from({ length: 5_000 }, () => randomHex(6))
    expect(draws.every((d) => /^[0-9a-f]{12}$/.test(d))).toBe(true)
    expect(new Set(draws).size).toBe(draws.length)
  })

  it('made in one millisecond still sort in the order they were made (sortableId)', () => {
    const ids = Array.from({ length: 1_000 }, () => sortableId('alr'))
    expect([...ids].sort()).toEqual(ids)
  })
})
