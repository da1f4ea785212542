import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readEntry, recordIdOf } from '../../src/importers/claude-code/entry.js'
import { LineSplitter } from '../../src/importers/claude-code/lines.js'
import { ClaudeLogParser, parseClaudeLog } from '../../src/importers/claude-code/log-parser.js'
import { toUsageInput } from '../../src/importers/claude-code/to-usage.js'

const line = (o: unknown) => `${JSON.stringify(o)}\n`

const anAssistant = (over: { id?: string | null; requestId?: string | null; model?: string; output?: number; ts?: string; type?: string; usage?: Record<string, unknown> } = {}) => ({
  type: over.type ?? 'assistant',
  sessionId: 'sess-1',
  timestamp: over.ts ?? '2026-03-01T10:00:00.000Z',
  ...(over.requestId !== null && { requestId: over.requestId ?? 'req_1' }),
  message: {
    ...(over.id !== null && { id: over.id ?? 'msg_1' }),
    model: over.model ?? 'claude-opus-4-6',
    usage: over.usage ?? { input_tokens: 3, output_tokens: over.output ?? 1, cache_read_input_tokens: 100, cache_creation_input_tokens: 50 },
  },
})

describe('splitting a stream into lines', () => {
  it('yields the same lines with the same byte offsets however the bytes are chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => s.replace(/\n/g, ' ')), { maxLength: 12 }), fc.array(fc.nat(40), { maxLength: 10 }), (texts, cuts) => {
        const bytes = Buffer.from(texts.map((t) => `${t}\n`).join(''))
        const splitter = new LineSplitter()
        const got: { text: string; start: number; end: number }[] = []
        let at = 0
        for (const cut of [...cuts, bytes.length]) {
          const next = Math.min(bytes.length, at + cut)
          for (const l of splitter.push(bytes.subarray(at, next))) got.push({ text: l.bytes.toString('utf8'), start: l.start, end: l.end })
          at = next
        }
        expect(splitter.finish()).toBeNull()
        expect(got.map((g) => g.text)).toEqual(texts)
        expect(got.every((g, i) => g.start === (got[i - 1]?.end ?? 0) && bytes.subarray(g.start, g.end - 1).toString('utf8') === g.text)).toBe(true)
      }),
    )
  })

  it('hands back a last line without a newline on finish', () => {
    const splitter = new LineSplitter(100)

    const lines = splitter.push(Buffer.from('{"a":1}\r\n{"b":'))

    expect(lines.map((l) => [l.bytes.toString(), l.start, l.end])).toEqual([['{"a":1}', 100, 109]])
    expect(splitter.finish()).toMatchObject({ start: 109, end: 114 })
  })
})

describe('reading a Claude Code log', () => {
  it('counts a message once, with the usage of its last line even when other lines come between', () => {
    const log = [anAssistant({ output: 1 }), { type: 'user', message: { content: 'tool result' } }, anAssistant({ output: 1 }), { type: 'progress' }, anAssistant({ output: 240 })]

    const parser = parseClaudeLog(log.map(line).join(''))

    const [only] = [...parser.ledger.values()]
    expect(parser.ledger.size).toBe(1)
    expect(only?.entry.tokens.outputTokens).toBe(240)
    expect(only?.lines).toBe(3)
  })

  it('never counts progress, user, summary or result lines, nor <synthetic> messages', () => {
    const usage = { input_tokens: 9, output_tokens: 9 }
    const log = [
      { type: 'progress', data: { type: 'agent_progress', message: { type: 'assistant', message: { id: 'msg_sub', model: 'claude-haiku-4-5', usage } } } },
      { type: 'user', message: { id: 'x', usage } },
      { type: 'summary', summary: 's', usage },
      { type: 'result', usage, total_cost_usd: 1 },
      anAssistant({ id: 'c8f2', model: '<synthetic>', usage: { input_tokens: 0, output_tokens: 0 } }),
      { type: 'file-history-snapshot', snapshot: {} },
    ]

    const parser = parseClaudeLog(log.map(line).join(''))

    expect(parser.ledger.size).toBe(0)
    expect(parser.stats.malformed).toBe(0)
  })

  it('reports malformed lines with their offsets and goes on', () => {
    const junk = 'not json\n'
    const cut = '{"type":"assistant","message":{"usage":{"input_tokens":1}\n'
    const negative = line(anAssistant({ id: 'msg_b', usage: { input_tokens: -1, output_tokens: 2 } }))
    const first = line(anAssistant({ id: 'msg_a' }))
    const text = `${first}${junk}${cut}${negative}${line(anAssistant({ id: 'msg_c' }))}`

    const parser = parseClaudeLog(text)

    expect([...parser.ledger.values()].map((e) => e.entry.messageId)).toEqual(['msg_a', 'msg_c'])
    expect(parser.stats.malformed).toBe(3)
    expect(parser.issues.map((i) => i.offset)).toEqual([first.length, first.length + junk.length, first.length + junk.length + cut.length])
  })

  it('keeps a cut-short last line for later and says where it starts', () => {
    const whole = line(anAssistant({ id: 'msg_a' }))
    const parser = new ClaudeLogParser()

    parser.push(Buffer.from(`${whole}${whole.slice(0, 40)}`))
    const resumeAt = parser.finish()

    expect(resumeAt).toBe(Buffer.byteLength(whole))
    expect(parser.stats.truncated).toBe(1)
    expect(parser.ledger.size).toBe(1)
  })

  it('takes a last line without a newline when it is whole JSON', () => {
    const parser = parseClaudeLog(JSON.stringify(anAssistant()))

    expect(parser.ledger.size).toBe(1)
    expect(parser.stats.truncated).toBe(0)
  })

  it('keys a message without requestId by its id alone, and one without an id by its line', () => {
    const a = readEntry(anAssistant({ requestId: null }))
    const b = readEntry({ ...anAssistant({ id: null }), uuid: 'u-9' })

    expect(a.kind === 'usage' && a.entry.key).toBe('msg_1|')
    expect(b.kind === 'usage' && b.entry.key).toBe('line:u-9')
  })

  it('reads stream-json request_id and session_id', () => {
    const read = readEntry({ type: 'assistant', session_id: 's-2', request_id: 'req_9', message: { id: 'msg_9', model: 'claude-opus-4-6', usage: { input_tokens: 1, output_tokens: 2 } } })

    expect(read.kind === 'usage' && [read.entry.key, read.entry.sessionId, read.entry.timestampMs]).toEqual(['msg_9|req_9', 's-2', null])
  })
})

describe('mapping a message to a usage record', () => {
  it('follows the token conventions: cache writes include the 1-hour part, which is also given alone', () => {
    const parser = parseClaudeLog(
      line(anAssistant({ usage: { input_tokens: 7, output_tokens: 30, cache_read_input_tokens: 900, cache_creation_input_tokens: 500, cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 300 } } })),
    )

    const record = toUsageInput([...parser.ledger.values()][0]!, { fallbackTimestampMs: 0 })

    expect(record).toMatchObject({
      provider: 'anthropic',
      model: 'claude-opus-4-6',
      component: 'claude-code',
      contextId: 'sess-1',
      inputTokens: 7,
      outputTokens: 30,
      cacheReadTokens: 900,
      cacheWriteTokens: 500,
      cacheWrite1hTokens: 300,
      timestamp: '2026-03-01T10:00:00.000Z',
    })
    expect(record.id).toBe(recordIdOf('msg_1|req_1'))
    expect(record.id).toMatch(/^cc_[0-9a-f]{32}$/)
  })

  it('counts the cache breakdown when the total says 0 (a Claude Code bug fixed in 2.1.152)', () => {
    const read = readEntry(anAssistant({ usage: { input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 20 } } }))

    expect(read.kind === 'usage' && read.entry.tokens).toMatchObject({ cacheWriteTokens: 30, cacheWrite1hTokens: 20 })
  })
})
