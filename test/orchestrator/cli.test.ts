/**
 * `budget run` and `budget import claude-code` as users run them: the built binary, its
 * exit codes, its JSON, and the usage it leaves in the store for `budget usage summary`.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { budgetCli, ensureBuilt } from './cli-support.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/claude/', import.meta.url))
const FAKE = join(FIXTURES, 'fake-claude.mjs')

let dir: string

beforeAll(() => ensureBuilt(), 120_000)

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'budget-run-cli-'))
})

afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

const run = (...args: string[]) => budgetCli(['run', '--claude-bin', FAKE, ...args], dir, { FAKE_CLAUDE_LOG_DIR: dir })
const startedProcesses = () => readdirSync(dir).filter((f) => f.endsWith('.json')).length

describe('budget run', () => {
  it.each([
    ['a zero limit', ['--command-budget', '/analyze=0']],
    ['a negative limit', ['--overall-budget', '-5k']],
    ['a malformed command=limit', ['--command-budget', '/analyze:50k']],
    ['an unknown enforcement mode', ['--command-budget', '/analyze=5k', '--budget-enforcement-mode', 'strict']],
  ])('exits 2 on %s, having started nothing', async (_, flags) => {
    const result = await run('--instance', 'a=/analyze src', ...flags)

    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/error/)
    expect(startedProcesses()).toBe(0)
  })

  it('prints the whole run as JSON, exits 3 when a budget blocked, and leaves the usage for "usage summary"', async () => {
    const result = await run('--instance', 'a=/analyze src', '--instance', 'b=/analyze web', '--instance', 'c=/review', '--max-parallel', '1', '--command-budget', '/analyze=5k', '--budget-enforcement-mode', 'block', '--json')

    expect(result.code).toBe(3)
    const report = JSON.parse(result.stdout)
    expect(report.instances.map((i: { name: string; state: string }) => [i.name, i.state])).toEqual([
      ['a', 'blocked'],
      ['b', 'blocked'],
      ['c', 'completed'],
    ])
    expect(report.budgets[0]).toMatchObject({ command: '/analyze', limit: 5_000, status: 'exceeded', stopped: ['a'], notStarted: ['b'] })
    const summary = await budgetCli(['usage', 'summary', '--group-by', 'component,taskType', '--json'], dir)
    const groups = JSON.parse(summary.stdout).groups as { key: Record<string, string>; totals: { totalTokens: number } }[]
    expect(groups.map((g) => g.key).sort((x, y) => (x.taskType as string).localeCompare(y.taskType as string))).toEqual([
      { component: 'claude-code', taskType: '/analyze' },
      { component: 'claude-code', taskType: '/review' },
    ])
    expect(groups.find((g) => g.key.taskType === '/review')?.totals.totalTokens).toBe(report.instances[2].tokens.total)
  })

  it('shows a budget section with bars in its human report', async () => {
    const result = await run('--instance', '/analyze', '--command-budget', '/analyze=1M')

    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^INSTANCE\s+STATE\s+COMMAND/)
    expect(result.stdout).toMatch(/Budgets \(warn\)\n\s+\/analyze\s+\[#?\.+\]\s+1%\s+7,090 \/ 1,000,000 tokens\s+ok/)
    expect(result.stderr).toMatch(/analyze: completed/)
  })
})

describe('budget import claude-code', () => {
  it('imports the fixtures once, and a second run adds nothing', async () => {
    const args = ['import', 'claude-code', '--dir', join(FIXTURES, 'projects'), '--settle', '0', '--timezone', 'Asia/Tokyo', '--json']

    const first = await budgetCli(args, dir)
    const second = await budgetCli(args, dir)

    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({ newRecords: 7, duplicates: 1, days: [{ date: '2026-03-10' }, { date: '2026-03-11' }, { date: '2026-03-13' }] })
    expect(JSON.parse(second.stdout)).toMatchObject({ newRecords: 0, recordsSent: 0, files: { unchanged: 3 } })
    const summary = JSON.parse((await budgetCli(['usage', 'summary', '--json'], dir)).stdout)
    expect(summary.totals.requests).toBe(7)
  })

  it('prints a summary table for people', async () => {
    const result = await budgetCli(['import', 'claude-code', '--dir', join(FIXTURES, 'projects'), '--settle', '0'], dir)

    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/records\s+7 new, 1 already recorded/)
    expect(result.stdout).toMatch(/DATE\s+RECORDS\s+INPUT/)
  })

  it('exits 2 on a bad --since', async () => {
    const result = await budgetCli(['import', 'claude-code', '--dir', join(FIXTURES, 'projects'), '--since', 'yesterday'], dir)

    expect(result.code).toBe(2)
  })
})
