/**
 * `budget run` end to end, minus the CLI: real child processes (test/fixtures/claude/
 * fake-claude.mjs, a stand-in for `claude` that streams Claude Code's stream-json and can
 * misbehave), the real runner, and an embedded engine on a temporary SQLite file.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { BudgetService } from '../../src/client/service.js'
import { type OpenEngine, openEngine } from '../../src/engine/engine.js'
import type { InstanceSpec } from '../../src/orchestrator/fleet-config.js'
import { buildPlan, type RunFlags } from '../../src/orchestrator/plan.js'
import type { RunReport } from '../../src/orchestrator/report.js'
import { runFleet } from '../../src/orchestrator/run-fleet.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/claude/', import.meta.url))
const FAKE = join(FIXTURES, 'fake-claude.mjs')

let dir: string
let opened: OpenEngine
let logDir: string

beforeAll(() => {
  logDir = mkdtempSync(join(tmpdir(), 'budget-fake-log-'))
  process.env.FAKE_CLAUDE_LOG_DIR = logDir
})
afterAll(() => {
  delete process.env.FAKE_CLAUDE_LOG_DIR
  rmSync(logDir, { recursive: true, force: true })
})

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'budget-run-'))
  opened = await openEngine({ databaseUrl: `sqlite:${join(dir, 'b.db')}` })
})

afterEach(async () => {
  await opened.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Fleet {
  instances: (Partial<InstanceSpec> & { name: string })[]
  flags?: RunFlags
  service?: Pick<BudgetService, 'recordBatch' | 'calculateCost'>
}

/** Runs a fleet of fake instances; `fake` options become each instance's extra args. */
async function runAFleet({ instances, flags = {}, service = opened.engine }: Fleet): Promise<{ report: RunReport; notes: string }> {
  const config = join(dir, `fleet-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(config, JSON.stringify({ instances: instances.map((i) => ({ command: `/${i.name}`, ...i })) }))
  const plan = buildPlan({ config, claudeBin: FAKE, statusInterval: '0', killGrace: '1', ...flags }, { cwd: dir, path: '' })
  let notes = ''
  const report = await runFleet(plan, { service, status: { write: (t: string) => (notes += t) } })
  return { report, notes }
}

const fake = (options: Record<string, string | number>) => Object.entries(options).flatMap(([k, v]) => [`--fake-${k}`, String(v)])

/** What fake-claude reports for a run of `turns` messages with its default sizes. */
const expectedTokens = (turns: number) => ({
  input: 100 * turns + 40,
  output: 50 * turns,
  cacheRead: (1000 * turns * (turns + 1)) / 2,
  cacheWrite: 200 * turns,
})

const byName = (report: RunReport, name: string) => report.instances.find((i) => i.name === name)!

describe('running a fleet without budgets', () => {
  it('runs every instance and records each message plus the remainder its result reports, so the store agrees with the results', async () => {
    const { report } = await runAFleet({ instances: [{ name: 'analyze', command: '/analyze src', args: fake({ turns: 3 }) }, { name: 'review', args: fake({ turns: 2 }) }] })

    expect(report.exitCode).toBe(0)
    expect(report.enforcement).toBeNull()
    expect(report.budgets).toEqual([])
    const analyze = byName(report, 'analyze')
    expect(analyze).toMatchObject({ state: 'completed', exitCode: 0, turns: 3, messages: 3, costSource: 'result', reconciled: true })
    expect(analyze.tokens).toMatchObject(expectedTokens(3))
    const summary = await opened.engine.usageSummary({ groupBy: ['taskType', 'component'] })
    const group = (taskType: string) => summary.groups.find((g) => g.key.taskType === taskType)!.totals
    for (const [taskType, turns] of [['/analyze', 3], ['/review', 2]] as const) {
      const want = expectedTokens(turns)
      expect(group(taskType)).toMatchObject({ inputTokens: want.input, outputTokens: want.output, cacheReadTokens: want.cacheRead, cacheWriteTokens: want.cacheWrite })
    }
    expect(summary.groups.every((g) => g.key.component === 'claude-code')).toBe(true)
    expect(report.recording).toMatchObject({ enabled: true, recorded: 3 + 1 + 2 + 1, failed: 0 })
    const records = (await opened.engine.listUsage({ limit: 100, contextId: analyze.sessionId! })).items
    expect(records).toHaveLength(4)
    expect(records.filter((r) => r.operation === 'reconcile')).toHaveLength(1)
  })

  it('replays a recorded stream with an auxiliary model and books the result per model', async () => {
    const { report } = await runAFleet({ instances: [{ name: 'fix', args: fake({ script: join(FIXTURES, 'stream-two-models.jsonl') }) }] })

    expect(byName(report, 'fix')).toMatchObject({ state: 'completed', costUsd: 0.052013, tokens: { input: 621, output: 390, cacheRead: 45_000, cacheWrite: 5_400, total: 51_411 } })
    const { groups } = await opened.engine.usageSummary({ groupBy: ['model'] })
    expect(Object.fromEntries(groups.map((g) => [g.key.model, [g.totals.inputTokens, g.totals.outputTokens]]))).toEqual({
      'claude-sonnet-4-5-20250929': [21, 350],
      'claude-haiku-4-5-20251001': [600, 40],
    })
  })

  it('passes prompt, model, max turns, extra args and working directory to claude', async () => {
    await runAFleet({ instances: [{ name: 'a', command: '/analyze src/api', model: 'opus', maxTurns: 4, args: ['--permission-mode', 'plan', '--fake-session', 'argv-check'] }] })

    const seen = JSON.parse(readFileSync(join(logDir, 'argv-check.json'), 'utf8'))
    expect(seen.argv).toEqual(['-p', '/analyze src/api', '--output-format', 'stream-json', '--verbose', '--model', 'opus', '--max-turns', '4', '--permission-mode', 'plan', '--fake-session', 'argv-check'])
    expect(seen.cwd).toBe(dir)
  })

  it('copes with malformed lines, lines split across writes and huge output', async () => {
    const { report } = await runAFleet({ instances: [{ name: 'messy', args: fake({ turns: 2, mode: 'malformed,split,huge' }) }] })

    const messy = byName(report, 'messy')
    expect(messy).toMatchObject({ state: 'completed', malformedLines: 3 })
    expect(messy.tokens).toMatchObject(expectedTokens(2))
    expect(messy.issues[0]).toMatch(/not JSON/)
  })

  it('reports a failed instance and exits 1', async () => {
    const { report } = await runAFleet({ instances: [{ name: 'ok' }, { name: 'bad', args: fake({ mode: 'fail' }) }] })

    expect(report.exitCode).toBe(1)
    expect(byName(report, 'bad')).toMatchObject({ state: 'failed', exitCode: 1, reason: 'result error_during_execution' })
    expect(byName(report, 'ok').state).toBe('completed')
  })

  it('prices a run without a result line from its stream, as an estimate', async () => {
    const { report } = await runAFleet({ instances: [{ name: 'quiet', args: fake({ turns: 2, mode: 'no-result' }) }] })

    const quiet = byName(report, 'quiet')
    expect(quiet).toMatchObject({ state: 'completed', costSource: 'estimate', reconciled: false })
    expect(quiet.costUsd).toBeGreaterThan(0)
  })

  it('stops an instance that outlives --timeout and exits 1', async () => {
    const { report } = await runAFleet({ instances: [{ name: 'stuck', args: fake({ turns: 1, mode: 'hang' }) }], flags: { timeout: '0.3' } })

    expect(report.exitCode).toBe(1)
    expect(byName(report, 'stuck')).toMatchObject({ state: 'timed_out', stopSignal: 'SIGTERM', signal: 'SIGTERM' })
  })

  it('prints plain status lines now and then when stderr is not a terminal', async () => {
    const { notes } = await runAFleet({ instances: [{ name: 'slow', args: fake({ turns: 4, delay: 40 }) }], flags: { statusInterval: '0.1' } })

    expect(notes).toMatch(/^\[\+\d+s\] slow\s+running\s+[\d,]+ tok\s+\$\d+\.\d{4}/m)
  })

  it('goes on when usage cannot be recorded, and says so', async () => {
    const broken = { recordBatch: () => Promise.reject(new Error('store is down')), calculateCost: opened.engine.calculateCost }

    const { report, notes } = await runAFleet({ instances: [{ name: 'a' }], service: broken })

    expect(report.exitCode).toBe(0)
    expect(report.recording).toMatchObject({ enabled: true, recorded: 0, failed: 4, error: 'store is down' })
    expect(notes).toMatch(/not being recorded: store is down/)
  })
})

describe('enforcing budgets', () => {
  it('warn: notes a command passing 80 % and 100 % of its budget and runs everything', async () => {
    const { report, notes } = await runAFleet({
      instances: [{ name: 'a', command: '/analyze a' }, { name: 'b', command: '/analyze b' }],
      flags: { commandBudget: ['/analyze=10k'], maxParallel: 1 },
    })

    expect(report.exitCode).toBe(0)
    expect(report.instances.map((i) => i.state)).toEqual(['completed', 'completed'])
    expect(report.budgets).toEqual([
      { kind: 'command', command: '/analyze', limit: 10_000, used: 2 * 7_090, utilization: 1.418, status: 'exceeded', stopped: [], notStarted: [], warned: true },
    ])
    expect(notes).toMatch(/budget warning: \/analyze budget at 8\d%/)
    expect(notes).toMatch(/budget exceeded: \/analyze budget/)
  })

  it('block: stops the instance that crosses its command budget with SIGTERM, starts no more of that command, lets others run — exit 3', async () => {
    const { report } = await runAFleet({
      instances: [
        { name: 'a', command: '/analyze a', args: fake({ turns: 200, delay: 5 }) },
        { name: 'b', command: '/analyze b' },
        { name: 'c', command: '/review', args: fake({ turns: 2 }) },
      ],
      flags: { commandBudget: ['/analyze=20k'], budgetEnforcementMode: 'block', maxParallel: 1 },
    })

    expect(report.exitCode).toBe(3)
    expect(byName(report, 'a')).toMatchObject({ state: 'blocked', stopSignal: 'SIGTERM', signal: 'SIGTERM' })
    expect(byName(report, 'a').reason).toMatch(/stopped: the \/analyze budget is exhausted/)
    expect(byName(report, 'b')).toMatchObject({ state: 'blocked', pid: null, reason: 'not started: the /analyze budget is exhausted' })
    expect(byName(report, 'c').state).toBe('completed')
    expect(report.budgets[0]).toMatchObject({ command: '/analyze', status: 'exceeded', stopped: ['a'], notStarted: ['b'] })
    const a = byName(report, 'a')
    expect(a.tokens.total).toBeGreaterThanOrEqual(20_000)
    expect(a.messages).toBeLessThan(20)
    const recorded = await opened.engine.usageSummary({ groupBy: ['taskType'] })
    expect(recorded.groups.find((g) => g.key.taskType === '/analyze')!.totals.requests).toBe(a.messages)
  })

  it('block: kills an instance that ignores SIGTERM once the grace period is over', async () => {
    const { report } = await runAFleet({
      instances: [{ name: 'stubborn', args: fake({ turns: 400, delay: 5, mode: 'ignore-sigterm' }) }],
      flags: { commandBudget: ['/stubborn=10k'], budgetEnforcementMode: 'block', killGrace: '0.2' },
    })

    expect(byName(report, 'stubborn')).toMatchObject({ state: 'blocked', stopSignal: 'SIGKILL', signal: 'SIGKILL' })
    expect(byName(report, 'stubborn').messages).toBeLessThan(400)
  })

  it('block: an exhausted overall budget stops every running instance', async () => {
    const { report } = await runAFleet({
      instances: [{ name: 'x', args: fake({ turns: 300, delay: 5 }) }, { name: 'y', args: fake({ turns: 300, delay: 5 }) }],
      flags: { overallBudget: '30k', budgetEnforcementMode: 'block' },
    })

    expect(report.instances.map((i) => i.state)).toEqual(['blocked', 'blocked'])
    expect(report.budgets).toMatchObject([{ kind: 'overall', status: 'exceeded', stopped: ['x', 'y'] }])
  })

  it('block: a cost budget stops the run once the priced stream passes it', async () => {
    const { report } = await runAFleet({
      instances: [{ name: 'spender', args: fake({ turns: 300, delay: 5 }) }],
      flags: { costBudget: '0.01', budgetEnforcementMode: 'block' },
    })

    expect(byName(report, 'spender').state).toBe('blocked')
    expect(report.budgets[0]).toMatchObject({ kind: 'cost', limit: 0.01, status: 'exceeded' })
    expect(report.budgets[0]!.used).toBeGreaterThanOrEqual(0.01)
    expect(report.exitCode).toBe(3)
  })

  it('produces a JSON report of the whole run', async () => {
    const { report } = await runAFleet({ instances: [{ name: 'a' }], flags: { commandBudget: ['/a=1M'], budgetEnforcementMode: 'block' } })

    const json = JSON.parse(JSON.stringify(report)) as RunReport
    expect(json).toMatchObject({ exitCode: 0, enforcement: 'block', totals: { instances: 1, completed: 1, failed: 0, blocked: 0 }, budgets: [{ command: '/a', limit: 1_000_000, status: 'ok' }] })
    expect(json.runner.cpuUserMs).toBeGreaterThanOrEqual(0)
    expect(Date.parse(json.endedAt)).toBeGreaterThanOrEqual(Date.parse(json.startedAt))
    expect(readdirSync(logDir).length).toBeGreaterThan(0)
  })
})
