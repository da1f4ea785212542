import { findProvider } from '@pydantic/genai-prices'
import { describe, expect, it } from 'vitest'
import type { MatchLogic } from '../../src/domain/price.js'
import { matchesId } from '../../src/pricing/match.js'

describe('matchesId', () => {
  it.each<[string, MatchLogic, string, boolean]>([
    ['equals accepts the same id', { equals: 'gpt-4o' }, 'gpt-4o', true],
    ['equals rejects a longer id', { equals: 'gpt-4o' }, 'gpt-4o-mini', false],
    ['starts_with accepts a prefix', { starts_with: 'claude-3-5-haiku' }, 'claude-3-5-haiku-20241022', true],
    ['starts_with rejects a prefix elsewhere', { starts_with: 'claude' }, 'anthropic/claude', false],
    ['ends_with accepts a suffix', { ends_with: 'gemini-2.0-flash' }, 'models/gemini-2.0-flash', true],
    ['contains accepts a substring', { contains: 'gemini-1.5-pro' }, 'vertex/gemini-1.5-pro-002', true],
    ['regex tests the pattern', { regex: '^claude-opus-5-\\d{8}$' }, 'claude-opus-5-20260101', true],
    ['regex rejects a non-match', { regex: '^claude-opus-5-\\d{8}$' }, 'claude-opus-5-2026', false],
  ])('%s', (_name, logic, id, expected) => {
    expect(matchesId(logic, id)).toBe(expected)
  })

  it('compares strings case-insensitively on both sides', () => {
    expect(matchesId({ starts_with: 'MiniMax-M' }, 'minimax-m2')).toBe(true)
    expect(matchesId({ equals: 'gpt-4o' }, 'GPT-4o')).toBe(true)
  })

  it('ignores surrounding whitespace in the id', () => {
    expect(matchesId({ equals: 'gpt-4o' }, '  gpt-4o\n')).toBe(true)
  })

  it('runs a regex against the lower-cased id, so an upper-case pattern never matches (as genai-prices)', () => {
    expect(matchesId({ regex: '^GLM-' }, 'GLM-4.5')).toBe(false)
    expect(matchesId({ regex: '^glm-' }, 'GLM-4.5')).toBe(true)
  })

  it('needs every part of an and, and any part of an or', () => {
    const logic: MatchLogic = { or: [{ equals: 'a' }, { and: [{ starts_with: 'b' }, { ends_with: 'z' }] }] }

    expect(matchesId(logic, 'a')).toBe(true)
    expect(matchesId(logic, 'b-z')).toBe(true)
    expect(matchesId(logic, 'b-y')).toBe(false)
    expect(matchesId({ and: [] }, 'anything')).toBe(true)
    expect(matchesId({ or: [] }, 'anything')).toBe(false)
  })

  it('matches nothing for logic with no known operator', () => {
    expect(matchesId({ unknown: 'x' } as unknown as MatchLogic, 'x')).toBe(false)
  })

  it('evaluates real bundled logic: gemini-2.5-pro takes its dated previews but not its TTS model', () => {
    const model = findProvider({ providerId: 'google' })?.models.find((m) => m.id === 'gemini-2.5-pro')
    if (model === undefined) throw new Error('gemini-2.5-pro missing from the bundled data')

    expect(matchesId(model.match, 'gemini-2.5-pro-preview-05-06')).toBe(true)
    expect(matchesId(model.match, 'gemini-2.5-pro-preview-tts')).toBe(false)
  })
})
