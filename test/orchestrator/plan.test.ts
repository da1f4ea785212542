import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { exitCodeOf } from '../../src/cli/failure.js'
import { BudgetError } from '../../src/domain/errors.js'
import { budgetKeyOf, parseCommandBudget, parseTokenLimit, parseUsdLimit } from '../../src/orchestrator/limits.js'
import { buildPlan, type RunFlags } from '../../src/orchestrator/plan.js'

const FAKE = fileURLToPath(new URL('../fixtures/claude/fake-claude.mjs', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'budget-plan-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const plan = (flags: RunFlags) => buildPlan({ claudeBin: FAKE, ...flags }, { cwd: dir, path: '' })

/** The error a call throws: a usage error (exit 2) with this message. */
function usageError(call: () => unknown): string {
  try {
    call()
  } catch (error) {
    expect(error).toBeInstanceOf(BudgetError)
    expect(exitCodeOf(error)).toBe(2)
    return (error as BudgetError).message
  }
  throw new Error('expected a usage error')
}

describe('token limits', () => {
  it.each([
    ['50000', 50_000],
    ['50_000', 50_000],
    ['50,000', 50_000],
    ['50k', 50_000],
    ['50K', 50_000],
    ['1.5M', 1_500_000],
    ['0.5k', 500],
    ['2b', 2_000_000_000],
  ])('reads %s as %i tokens', (text, tokens) => {
    expect(parseTokenLimit(text)).toBe(tokens)
  })

  it.each(['0', '0k', '-5', '-1.5M', '1.5', '1.0001k', 'abc', '', '5 apples', '10x', 'k'])('refuses %j with a usage error', (text) => {
    expect(usageError(() => parseTokenLimit(text))).toMatch(/token limit/)
  })

  it('reads a command budget and keys it by the command without its slash', () => {
    expect(parseCommandBudget('/analyze=50k')).toEqual({ command: '/analyze', tokens: 50_000 })
    expect(budgetKeyOf('/Analyze src/api')).toBe('analyze')
  })

  it.each(['/analyze', '=50k', '/analyze=', '/an alyze=5k', '/analyze=0', '/analyze=-3k'])('refuses the command budget %j', (text) => {
    expect(usageError(() => parseCommandBudget(text))).toMatch(/command-budget/)
  })

  it('reads dollar amounts as nano-USD and refuses non-positive ones', () => {
    expect(parseUsdLimit('$2.50')).toBe(2_500_000_000)
    expect(usageError(() => parseUsdLimit('0'))).toMatch(/positive/)
    expect(usageError(() => parseUsdLimit('two'))).toMatch(/USD/)
  })
})

describe('building a run plan', () => {
  it('takes instances from flags, names them after their command, and keys budgets by command', () => {
    const p = plan({ instance: ['api=/analyze src/api', '/analyze web', '/review', 'notes=Summarise the docs, briefly'], commandBudget: ['/analyze=1.5M'] })

    expect(p.instances.map((i) => [i.name, i.command, i.budgetKey, i.prompt])).toEqual([
      ['api', '/analyze', 'analyze', '/analyze src/api'],
      ['analyze', '/analyze', 'analyze', '/analyze web'],
      ['review', '/review', 'review', '/review'],
      ['notes', 'notes', 'notes', 'Summarise the docs, briefly'],
    ])
    expect(p.budgets).toEqual({ mode: 'warn', commands: new Map([['analyze', { command: '/analyze', tokens: 1_500_000 }]]), overallTokens: null, costNano: null })
    expect(p.maxParallel).toBe(4)
  })

  it('reads a YAML fleet file, resolving working directories beside it; flags win', () => {
    const file = join(dir, 'fleet.yaml')
    writeFileSync(
      file,
      `maxParallel: 1
budgetEnforcementMode: block
commandBudgets: { /analyze: 50k }
overallBudget: 1M
instances:
  - { name: a, command: /analyze src, cwd: ., model: opus, maxTurns: 3, args: [--permission-mode, plan] }
  - { prompt: hello }
`,
    )

    const p = plan({ config: file, maxParallel: 2, commandBudget: ['/analyze=60k'] })

    expect(p.instances[0]).toMatchObject({ name: 'a', cwd: dir, model: 'opus', maxTurns: 3, args: ['--permission-mode', 'plan'] })
    expect(p.instances[1]).toMatchObject({ name: 'instance-2', prompt: 'hello' })
    expect(p.maxParallel).toBe(2)
    expect(p.budgets).toMatchObject({ mode: 'block', overallTokens: 1_000_000 })
    expect(p.budgets?.commands.get('analyze')?.tokens).toBe(60_000)
  })

  it('has no budgets at all with --no-budget, whatever the flags and the file say', () => {
    expect(plan({ instance: ['/a'], commandBudget: ['/a=5k'], costBudget: '1', budget: false }).budgets).toBeNull()
    expect(plan({ instance: ['/a'] }).budgets).toBeNull()
  })

  it.each<[string, RunFlags, RegExp]>([
    ['no instances', {}, /nothing to run/],
    ['an unknown mode', { instance: ['/a'], commandBudget: ['/a=5k'], budgetEnforcementMode: 'panic' }, /warn or block/],
    ['a budget for a command nobody runs', { instance: ['/a'], commandBudget: ['/b=5k'] }, /no instance runs \/b/],
    ['a zero overall budget', { instance: ['/a'], overallBudget: '0' }, /positive/],
    ['a negative cost budget', { instance: ['/a'], costBudget: '-1' }, /positive/],
    ['a missing executable', { instance: ['/a'], claudeBin: '/nonexistent/claude' }, /not an executable/],
    ['two instances with one name', { instance: ['x=/a', 'x=/b'] }, /two instances are named x/],
    ['a bad timeout', { instance: ['/a'], timeout: 'soon' }, /--timeout/],
    ['a missing fleet file', { config: 'nope.json' }, /nope\.json/],
  ])('refuses %s before anything starts (exit 2)', (_, flags, message) => {
    expect(usageError(() => plan(flags))).toMatch(message)
  })

  it('names the fields at fault in a fleet file', () => {
    const file = join(dir, 'bad.json')
    writeFileSync(file, JSON.stringify({ instances: [{ name: 'a', prompt: 'x', command: '/y' }, { name: 'b', command: 'no-slash', maxTurn: 3 }] }))

    const message = usageError(() => plan({ config: file }))

    expect(message).toMatch(/instances\.0: give exactly one of prompt or command/)
    expect(message).toMatch(/instances\.1\.command/)
    expect(message).toMatch(/maxTurn/)
  })
})
