/**
 * `budget import claude-code` over the project's own transcript fixtures
 * (test/fixtures/claude/projects: two projects, a subagent file, a resumed session that
 * copies a message, a cut-short last line, days that straddle midnight in Tokyo).
 */
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { calendarWindow } from '../../src/domain/periods.js'
import { type OpenEngine, openEngine } from '../../src/engine/engine.js'
import { importClaudeCode, type ImportOptions } from '../../src/importers/claude-code/import.js'
import { parseSince } from '../../src/importers/claude-code/since.js'
import { ImportState } from '../../src/importers/claude-code/state.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/claude/', import.meta.url))
const API_SESSION = '-home-dev-api/7f6e5d4c-3b2a-4190-8e7d-6c5b4a3f2e1d.jsonl'
const SHOP_SESSION = '-home-dev-shop/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.jsonl'
const TOKYO = 'Asia/Tokyo'

let dir: string
let projects: string
let opened: OpenEngine

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'budget-import-'))
  projects = join(dir, 'projects')
  cpSync(join(FIXTURES, 'projects'), projects, { recursive: true })
  opened = await openEngine({ databaseUrl: `sqlite:${join(dir, 'b.db')}` })
})

afterEach(async () => {
  await opened.close()
  rmSync(dir, { recursive: true, force: true })
})

const run = (options: Partial<ImportOptions> = {}) =>
  importClaudeCode(opened.engine, { dirs: [projects], state: ImportState.open(join(dir, 'data'), 'claude-code', 'db:test'), settleMs: 0, timeZone: TOKYO, ...options })

const allRecords = async () => (await opened.engine.listUsage({ limit: 1000 })).items

/** The rule written out a second time, naively, straight from the files (EXPECTED.md). */
function independentDailyTotals(root: string, timeZone: string) {
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.jsonl')).sort()
  const messages = new Map<string, { firstTs: string; usage: Record<string, number> }>()
  for (const file of files) {
    for (const text of readFileSync(join(root, file), 'utf8').split('\n')) {
      let o: { type?: string; timestamp?: string; requestId?: string; message?: { id?: string; model?: string; usage?: Record<string, number> } }
      try {
        o = JSON.parse(text)
      } catch {
        continue
      }
      if (o.type !== 'assistant' || !o.message?.usage || o.message.model === '<synthetic>') continue
      const key = `${o.message.id}|${o.requestId ?? ''}`
      const known = messages.get(key)
      messages.set(key, { firstTs: known?.firstTs ?? (o.timestamp as string), usage: o.message.usage })
    }
  }
  const days = new Map<string, { records: number; input: number; output: number; cacheRead: number; cacheWrite: number }>()
  for (const { firstTs, usage } of messages.values()) {
    const date = new Date(firstTs).toLocaleDateString('en-CA', { timeZone })
    const d = days.get(date) ?? { records: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }
    d.records++
    d.input += usage.input_tokens ?? 0
    d.output += usage.output_tokens ?? 0
    d.cacheRead += usage.cache_read_input_tokens ?? 0
    d.cacheWrite += usage.cache_creation_input_tokens ?? 0
    days.set(date, d)
  }
  return Object.fromEntries([...days].sort())
}

describe('importing Claude Code transcripts', () => {
  it('records each API message once: subagent files included, progress and synthetic lines never, copies deduped', async () => {
    const summary = await run()

    expect(summary).toMatchObject({ files: { found: 4, read: 4, unchanged: 0 }, recordsSent: 7, newRecords: 7, duplicates: 1, malformedLines: 1, truncatedLines: 1 })
    const records = await allRecords()
    expect(records.map((r) => r.metadata.messageId).sort()).toEqual(['msg_01ApiP', 'msg_01ApiQ', 'msg_01ShopX', 'msg_01ShopY', 'msg_01ShopZ', 'msg_01SubA', 'msg_01SubB'])
    expect(records.every((r) => r.component === 'claude-code' && r.provider === 'anthropic' && !r.unpriced)).toBe(true)
    expect(records.find((r) => r.metadata.messageId === 'msg_01ShopX')).toMatchObject({ outputTokens: 120, timestamp: '2026-03-10T14:58:30.000Z', contextId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', cacheWrite1hTokens: 4000 })
    expect(records.find((r) => r.metadata.messageId === 'msg_01ApiP')).toMatchObject({ outputTokens: 96, cacheWriteTokens: 1000, cacheWrite1hTokens: 300 })
    expect(summary.costUsd).toBeCloseTo(records.reduce((s, r) => s + (r.costUsd ?? 0), 0), 9)
    expect(summary.newCostUsd).toBe(summary.costUsd)
  })

  it('gives daily totals in a non-UTC zone that match an independent computation, in its summary and in the store', async () => {
    const expected = independentDailyTotals(projects, TOKYO)

    const summary = await run()

    const fromSummary = Object.fromEntries(summary.days.map((d) => [d.date, { records: d.records, input: d.inputTokens, output: d.outputTokens, cacheRead: d.cacheReadTokens, cacheWrite: d.cacheWriteTokens }]))
    expect(fromSummary).toEqual(expected)
    expect(Object.keys(expected)).toEqual(['2026-03-10', '2026-03-11', '2026-03-13'])
    for (const [date, day] of Object.entries(expected)) {
      const window = calendarWindow('daily', parseSince(date, TOKYO), TOKYO)
      const { totals } = await opened.engine.usageSummary({ from: new Date(window.startMs).toISOString(), to: new Date(window.endMs).toISOString() })
      expect({ date, records: totals.requests, input: totals.inputTokens, output: totals.outputTokens, cacheRead: totals.cacheReadTokens, cacheWrite: totals.cacheWriteTokens }).toEqual({ date, ...day })
    }
  })

  it('imports nothing the second time', async () => {
    await run()

    const again = await run()

    expect(again).toMatchObject({ files: { found: 4, unchanged: 3, read: 1 }, newRecords: 0, recordsSent: 0 })
    expect(await allRecords()).toHaveLength(7)
  })

  it('reads only what was appended, and takes a cut-short line once it is complete', async () => {
    await run()
    appendFileSync(join(projects, API_SESSION), readFileSync(join(FIXTURES, 'api-session-tail.txt')))

    const again = await run()

    expect(again).toMatchObject({ files: { read: 1 }, newRecords: 1, duplicates: 0, truncatedLines: 0 })
    expect(again.bytesRead).toBeLessThan(1000)
    expect((await allRecords()).map((r) => r.metadata.messageId)).toContain('msg_01ApiR')
  })

  it('reads a file that shrank again from the start, and counts nothing twice', async () => {
    await run()
    const path = join(projects, SHOP_SESSION)
    const bytes = readFileSync(path)
    truncateSync(path, bytes.indexOf('\n', bytes.indexOf('msg_01ShopY')) + 1)

    const again = await run()

    expect(again).toMatchObject({ files: { read: 2 }, newRecords: 0, duplicates: 2 })
    expect(await allRecords()).toHaveLength(7)
  })

  it('holds back the newest message of a session still being written, and records its final usage later', async () => {
    const live = join(projects, '-home-dev-live', 'live.jsonl')
    const aLine = (output: number, ts: string) =>
      `${JSON.stringify({ type: 'assistant', sessionId: 'live', timestamp: ts, requestId: 'req_L1', message: { id: 'msg_L1', model: 'claude-opus-4-6', usage: { input_tokens: 2, output_tokens: output } } })}\n`
    cpSync(join(FIXTURES, 'projects', SHOP_SESSION), join(projects, '-home-dev-live', 'done.jsonl'))
    writeFileSync(live, aLine(1, '2026-11-20T10:00:00Z'))
    const old = new Date('2026-11-01T00:00:00Z')
    for (const f of readdirSync(projects, { recursive: true }) as string[]) if (f.endsWith('.jsonl') && !f.endsWith('live.jsonl')) utimesSync(join(projects, f), old, old)

    const first = await run({ settleMs: 60_000 })
    appendFileSync(live, aLine(480, '2026-11-20T10:00:09Z'))
    const second = await run({ settleMs: 0 })

    expect(first.heldBack).toBe(1)
    expect(second.newRecords).toBe(1)
    expect((await allRecords()).find((r) => r.metadata.messageId === 'msg_L1')).toMatchObject({ outputTokens: 480, timestamp: '2026-11-20T10:00:00.000Z' })
  })

  it('skips messages before --since (the start of that day in the zone)', async () => {
    const summary = await run({ sinceMs: parseSince('2026-03-11', TOKYO) })

    expect(summary.days.map((d) => d.date)).toEqual(['2026-03-11', '2026-03-13'])
    expect(summary.skippedBeforeSince).toBe(3)
  })

  it('reads every file again with full, and the store still counts each message once', async () => {
    await run()

    const again = await run({ full: true })

    expect(again).toMatchObject({ files: { read: 4 }, newRecords: 0, duplicates: 8, newCostUsd: 0 })
  })
})
