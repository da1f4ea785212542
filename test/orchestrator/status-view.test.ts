import { stripVTControlCharacters } from 'node:util'
import pc from 'picocolors'
import { describe, expect, it } from 'vitest'
import { budgetBar } from '../../src/orchestrator/bar.js'
import type { RunPlan } from '../../src/orchestrator/plan.js'
import { FleetRunner } from '../../src/orchestrator/runner.js'
import { StatusView } from '../../src/orchestrator/status-view.js'

const colors = pc.createColors(true)
const plain = pc.createColors(false)

const aPlan = (budgets: RunPlan['budgets']): RunPlan => ({
  instances: ['api', 'web'].map((name) => ({ name, prompt: '/analyze x', command: '/analyze', budgetKey: 'analyze', cwd: '/', args: [] })),
  maxParallel: 2,
  claudeBin: '/bin/true',
  budgets,
  killGraceMs: 0,
  timeoutMs: null,
  statusIntervalMs: 0,
  record: false,
})

describe('the budget bar', () => {
  it.each([
    [0, '[....................]', ''],
    [0.69, '[##############......]', 'green'],
    [0.7, '[##############......]', 'yellow'],
    [0.89, '[##################..]', 'yellow'],
    [0.9, '[##################..]', 'red'],
    [1.7, '[####################]', 'red'],
  ])('shows %d used as %s in %s', (utilization, text, color) => {
    const bar = budgetBar(utilization, colors)

    expect(budgetBar(utilization, plain)).toBe(text)
    if (color !== '') expect(bar).toContain(colors[color as 'red' | 'green' | 'yellow']('#'.repeat(text.split('#').length - 1)))
  })
})

describe('the live status', () => {
  it('redraws one line per instance in place on a terminal', () => {
    let screen = ''
    const view = new StatusView({ write: (t: string) => (screen += t), isTTY: true, columns: 100 }, 0)
    const runner = new FleetRunner(aPlan({ mode: 'block', commands: new Map([['analyze', { command: '/analyze', tokens: 1000 }]]), overallTokens: null, costNano: null }), {
      sink: null,
      pricer: null,
      note: () => {},
    })
    runner.tracker?.add('analyze', 950, 0)

    view.start(runner)
    view.note('api: started')
    view.stop()

    const lines = view.lines()
    expect(lines).toHaveLength(2)
    // Colour depends on the environment (CI=true turns it on): compare the text.
    expect(stripVTControlCharacters(lines[0] ?? '')).toMatch(/^api\s+pending\s+\[#+\.*\]\s+95%\s+0 tok\s+\$0\.0000/)
    expect(screen).toContain('\x1b[2A\x1b[0J')
  })

  it('prints plain lines, without bars, when there is no budget and no terminal', () => {
    let out = ''
    const view = new StatusView({ write: (t: string) => (out += t) }, 0)
    view.start(new FleetRunner(aPlan(null), { sink: null, pricer: null, note: () => {} }))

    view.note('web: completed')
    view.stop()

    expect(out).toBe('web: completed\n')
    expect(view.lines()[1]).toMatch(/^web\s+pending\s+0 tok\s+\$0\.0000\s+\/analyze$/)
  })
})
