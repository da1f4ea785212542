/**
 * `budget report …` as users run it: the real binary (bin/budget.js → dist), spawned over
 * a private data directory, and once against a real server.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, runBudget, type Run } from '../support/cli.js'
import { aTestServer, type Json, type TestServer } from '../support/http.js'


let dir: string

function budget(args: string[]): Promise<Run> {
  return runBudget(args, { cwd: dir })
}

async function ok(args: string[]): Promise<string> {
  const run = await budget(args)
  expect(run.code, `budget ${args.join(' ')}\n${run.stderr}`).toBe(0)
  return run.stdout
}

const json = async (args: string[]): Promise<Json> => JSON.parse(await ok([...args, '--json']))

const RECORDS = [
  { provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputTokens: 1_000, outputTokens: 500, contextId: 'alpha', timestamp: '2026-03-09T10:00:00Z' },
  { provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputTokens: 2_000, outputTokens: 500, contextId: 'alpha', timestamp: '2026-03-10T10:00:00Z' },
  { provider: 'openai', model: 'gpt-4o', inputTokens: 1_000, outputTokens: 100, contextId: 'beta', component: 'a, "b"', timestamp: '2026-03-10T11:00:00Z' },
]

beforeAll(async () => {
  ensureBuilt()
  dir = mkdtempSync(join(tmpdir(), 'budget-report-cli-'))
  writeFileSync(join(dir, 'records.json'), JSON.stringify(RECORDS))
  await ok(['record', '--file', 'records.json'])
}, 180_000)

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('budget report on the embedded store', () => {
  it('prints a ccusage-style daily table: a row per date, the models, a totals row', async () => {
    const table = await ok(['report', 'daily', '--since', '20260309', '--until', '20260310'])

    const lines = table.split('\n')
    expect(lines[0]).toMatch(/^DATE\s+MODELS\s+INPUT\s+OUTPUT\s+CACHE CREATE\s+CACHE READ\s+TOTAL TOKENS\s+COST \(USD\)$/)
    expect(lines.find((l) => l.startsWith('2026-03-09'))).toMatch(/- sonnet-4\s+1,000\s+500/)
    expect(lines.find((l) => l.startsWith('Total'))).toMatch(/4,000\s+1,100\s+0\s+0\s+5,100/)
  })

  it('gives the same report as JSON, and as CSV a parser reads back', async () => {
    const daily = await json(['report', 'daily'])
    const csv = parse(await ok(['report', 'daily', '--csv']), { columns: true }) as Record<string, string>[]

    expect(daily.rows.map((r: Json) => r.label)).toEqual(['2026-03-09', '2026-03-10'])
    expect(csv.map((r) => [r.label, r.models, r.totalTokens])).toEqual([
      ['2026-03-09', 'claude-sonnet-4-20250514', '1500'],
      ['2026-03-10', 'claude-sonnet-4-20250514 gpt-4o', '3600'],
    ])
  })

  it('writes every row of a usage report to --out and says how many', async () => {
    const result = await json(['report', 'usage', '--granularity', 'day', '--group-by', 'model,component', '--out', 'usage.csv'])

    const rows = parse(readFileSync(join(dir, 'usage.csv'), 'utf8'), { columns: true }) as Record<string, string>[]
    expect(result).toEqual({ file: 'usage.csv', format: 'csv', rows: 3 })
    expect(rows.find((r) => r.model === 'gpt-4o')).toMatchObject({ component: 'a, "b"', bucketStart: '2026-03-10T00:00:00.000Z', requests: '1' })
  })

  it('lists sessions with their last activity, and exports raw records as NDJSON', async () => {
    const sessions = await ok(['report', 'session', '--order', 'desc'])
    await ok(['report', 'records', '--out', 'records.ndjson'])

    expect(sessions.split('\n')[1]).toMatch(/^beta\s+- gpt-4o\s.*2026-03-10$/)
    const exported = readFileSync(join(dir, 'records.ndjson'), 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line))
    expect(exported.map((r) => r.contextId)).toEqual(['beta', 'alpha', 'alpha'])
  })

  it('refuses a bad granularity as a usage error (exit 2)', async () => {
    const run = await budget(['report', 'usage', '--granularity', 'fortnight'])

    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--granularity')
  })
})

describe('budget report against a server', () => {
  let s: TestServer

  beforeAll(async () => {
    s = await aTestServer()
    expect((await s.call('POST', '/api/v1/usage', { body: { records: RECORDS } })).status).toBe(201)
  })

  afterAll(async () => {
    await s.close()
  })

  it('shows the server\'s report, and streams its export', async () => {
    const top = await json(['--server', s.url, 'report', 'top', '--by', 'contextId', '--from', '2026-03-01', '--to', '2026-03-11'])
    const csv = parse(await ok(['--server', s.url, 'report', 'usage', '--group-by', 'contextId', '--csv']), { columns: true }) as Record<string, string>[]

    expect(top.rows.map((r: Json) => r.key)).toEqual(['alpha', 'beta'])
    expect(csv.map((r) => [r.contextId, r.requests])).toEqual([
      ['alpha', '2'],
      ['beta', '1'],
    ])
  })
})
