import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LineSplitter } from '../../src/importers/claude-code/lines.js'
import { reconcileDeltas } from '../../src/orchestrator/reconcile.js'
import { StreamSession } from '../../src/orchestrator/stream-session.js'

const STREAM = readFileSync(fileURLToPath(new URL('../fixtures/claude/stream-two-models.jsonl', import.meta.url)))
const SONNET = 'claude-sonnet-4-5-20250929'
const HAIKU = 'claude-haiku-4-5-20251001'

function replay(bytes: Buffer, cuts: number[] = []) {
  const session = new StreamSession()
  const splitter = new LineSplitter()
  const settled: string[] = []
  const kinds: string[] = []
  let at = 0
  for (const cut of [...cuts, bytes.length]) {
    const next = Math.min(bytes.length, at + cut)
    for (const line of splitter.push(bytes.subarray(at, next))) {
      const outcome = session.line(line.bytes, 1_000)
      kinds.push(outcome.kind)
      if (outcome.kind === 'usage' && outcome.settled) settled.push(outcome.settled.entry.key)
    }
    at = next
  }
  for (const item of session.finish()) settled.push(item.entry.key)
  return { session, settled, kinds }
}

describe('reading a stream-json session', () => {
  it('reads the same session whatever the chunk boundaries', () => {
    const whole = replay(STREAM)
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 40 }), (cuts) => {
        const chunked = replay(STREAM, cuts)
        expect(chunked.settled).toEqual(whole.settled)
        expect(chunked.session.tokens).toEqual(whole.session.tokens)
      }),
      { numRuns: 50 },
    )
  })

  it('counts each message once while streaming, then takes the result as the truth', () => {
    const lines = STREAM.toString().split('\n').filter(Boolean)
    const session = new StreamSession()
    for (const line of lines.slice(0, -1)) session.line(Buffer.from(line), 1_000)

    const streamed = { ...session.tokens }
    session.line(Buffer.from(lines.at(-1) as string), 2_000)

    expect(session.sessionId).toBe('5b1f0c2e-7a41-4d0e-9c3b-2f6a8e9d1c40')
    expect(session.ledger.size).toBe(2)
    expect(streamed).toEqual({ inputTokens: 21, outputTokens: 8, cacheReadTokens: 45_000, cacheWriteTokens: 5_400, cacheWrite1hTokens: 5_400 })
    expect(session.tokens).toEqual({ inputTokens: 621, outputTokens: 390, cacheReadTokens: 45_000, cacheWriteTokens: 5_400, cacheWrite1hTokens: 5_400 })
    expect(session.result).toMatchObject({ costUsd: 0.052013, numTurns: 2, isError: false, subtype: 'success' })
  })

  it('settles a message when the next one of its thread begins, and the rest at the end', () => {
    const { settled, kinds } = replay(STREAM)

    expect(settled).toEqual(['msg_01TeKtonA|req_01TeKtonA', 'msg_01TeKtonB|req_01TeKtonB'])
    expect(kinds).toEqual(['none', 'none', 'usage', 'none', 'usage', 'none', 'usage', 'result'])
  })

  it('records the gap up to the result per model: the final output and the unstreamed auxiliary request', () => {
    const { session } = replay(STREAM)

    const deltas = reconcileDeltas(session.ledger.values(), session.result!, session.model)

    expect(Object.fromEntries(deltas)).toEqual({
      [SONNET]: { inputTokens: 0, outputTokens: 342, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 },
      [HAIKU]: { inputTokens: 600, outputTokens: 40, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 },
    })
  })

  it('matches a model named by an alias in modelUsage, and never records a negative gap', () => {
    const { session } = replay(STREAM)
    const result = { ...session.result!, perModel: new Map([['claude-sonnet-4-5', { inputTokens: 10, outputTokens: 100, cacheReadTokens: 45_000, cacheWriteTokens: 5_400, cacheWrite1hTokens: 0 }]]) }

    const deltas = reconcileDeltas(session.ledger.values(), result, session.model)

    expect(Object.fromEntries(deltas)).toEqual({ 'claude-sonnet-4-5': { inputTokens: 0, outputTokens: 92, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 } })
  })

  it('reports malformed lines and skips tool results without parsing them', () => {
    const session = new StreamSession()

    expect(session.line(Buffer.from('{"type":"user","message":{"content":"{{{ not even json'), 0)).toEqual({ kind: 'none' })
    expect(session.line(Buffer.from('garbage'), 0).kind).toBe('malformed')
    expect(session.line(Buffer.from('[1,2]'), 0).kind).toBe('malformed')
    expect(session.line(Buffer.from('{"type":"rate_limit_event"}'), 0).kind).toBe('none')
  })
})
