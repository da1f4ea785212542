/**
 * Builders for engine tests: a fresh engine on a private SQLite file, with a clock the
 * test can move, and budgets/policies with defaults so a test states only what matters.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PolicyInput } from '../../src/domain/policy.js'
import { type OpenEngine, openEngine } from '../../src/engine/engine.js'

export interface TestEngine extends OpenEngine {
  clock: { now: number }
  dir: string
  dispose(): Promise<void>
}

export async function aTestEngine(options: { timeZone?: string; startMs?: number; databaseUrl?: string } = {}): Promise<TestEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'budget-test-'))
  const clock = { now: options.startMs ?? Date.parse('2026-03-10T12:00:00Z') }
  const opened = await openEngine({
    databaseUrl: options.databaseUrl ?? `sqlite:${join(dir, 'budget.db')}`,
    timeZone: options.timeZone ?? 'UTC',
    now: () => clock.now,
  })
  return {
    ...opened,
    clock,
    dir,
    async dispose() {
      await opened.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

let counter = 0

export async function aBudgetWithPolicy(t: TestEngine, policy: Partial<Omit<PolicyInput, 'budgetId'>> = {}) {
  const budget = await t.engine.createBudget({ name: `budget-${++counter}-${Date.now()}` })
  const created = await t.engine.createPolicy({
    budgetId: budget.id,
    type: 'hard_limit',
    period: 'daily',
    tokenLimit: 10_000,
    ...policy,
  } as PolicyInput)
  return { budget, policy: created }
}

export const aCall = (overrides: Record<string, unknown> = {}) => ({
  provider: 'anthropic',
  model: 'claude-sonnet-4-20250514',
  inputTokens: 1_000,
  maxOutputTokens: 500,
  ...overrides,
})

export const aRecord = (overrides: Record<string, unknown> = {}) => ({
  provider: 'anthropic',
  model: 'claude-sonnet-4-20250514',
  inputTokens: 1_000,
  outputTokens: 500,
  ...overrides,
})
