/**
 * The real Claude Code samples in ../shared/reference/claude-code/ (third-party data: read
 * in place, never copied into the project) must give the totals EXPECTED.md states.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ClaudeLogParser, parseClaudeLog } from '../../src/importers/claude-code/log-parser.js'

const SAMPLES = fileURLToPath(new URL('../../../shared/reference/claude-code/', import.meta.url))
const present = existsSync(`${SAMPLES}EXPECTED.md`)
if (!present) console.warn(`skipped: no Claude Code samples at ${SAMPLES} (the shared/ folder beside the clone)`)

const EXPECTED = [
  { file: 'stream-json-sample-2.jsonl', messages: 2, input: 11, output: 8, cacheWrite: 71777, cacheWrite1h: 0, cacheRead: 24744, firstWinsOutput: 8 },
  { file: 'transcript-sample-1.jsonl', messages: 4, input: 88, output: 278, cacheWrite: 16000, cacheWrite1h: 0, cacheRead: 44544, firstWinsOutput: 6 },
  { file: 'transcript-sample-2.jsonl', messages: 4, input: 54, output: 212, cacheWrite: 17696, cacheWrite1h: 17696, cacheRead: 88231, firstWinsOutput: 64 },
  { file: 'transcript-sample-3.jsonl', messages: 12, input: 1576, output: 1586, cacheWrite: 25842, cacheWrite1h: 25842, cacheRead: 427286, firstWinsOutput: 534 },
  { file: 'transcript-sample-4.jsonl', messages: 3, input: 2408, output: 7, cacheWrite: 18814, cacheWrite1h: 0, cacheRead: 29274, firstWinsOutput: 7 },
]

describe.skipIf(!present)('the real Claude Code samples', () => {
  it.each(EXPECTED)('counts $file as EXPECTED.md says: each message once, with its last line', (expected) => {
    const parser = parseClaudeLog(readFileSync(`${SAMPLES}${expected.file}`))

    const entries = [...parser.ledger.values()].map((e) => e.entry.tokens)
    const sum = (f: (t: (typeof entries)[number]) => number) => entries.reduce((s, t) => s + f(t), 0)
    expect({
      messages: entries.length,
      input: sum((t) => t.inputTokens),
      output: sum((t) => t.outputTokens),
      cacheWrite: sum((t) => t.cacheWriteTokens),
      cacheWrite1h: sum((t) => t.cacheWrite1hTokens),
      cacheRead: sum((t) => t.cacheReadTokens),
    }).toEqual({ messages: expected.messages, input: expected.input, output: expected.output, cacheWrite: expected.cacheWrite, cacheWrite1h: expected.cacheWrite1h, cacheRead: expected.cacheRead })
    expect(parser.stats.malformed).toBe(0)
  })

  it('reads the same totals whatever the chunk boundaries', () => {
    const bytes = readFileSync(`${SAMPLES}transcript-sample-3.jsonl`)
    const whole = parseClaudeLog(bytes)

    const parser = new ClaudeLogParser()
    for (let at = 0; at < bytes.length; at += 997) parser.push(bytes.subarray(at, at + 997))
    parser.finish()

    expect([...parser.ledger.values()].map((e) => e.entry)).toEqual([...whole.ledger.values()].map((e) => e.entry))
  })
})
