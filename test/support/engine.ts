/**
 * Builders for engine tests: a fresh engine on a private database — a SQLite file, or a
 * database of its own on the run's embedded PostgreSQL — with a clock the test can move,
 * and budgets/policies with defaults so a test states only what matters.
 *
 * Store-parameterised suites loop over the engines: `describe.each(STORE_KINDS)('on %s', (store) => …)`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PolicyInput } from '../../src/domain/policy.js'
import { type OpenEngine, openEngine } from '../../src/engine/engine.js'
import type { StoreKind } from './pg-config.js'
import { aPostgresDatabase } from './pg-databases.js'

export { STORE_KINDS, type StoreKind } from './pg-config.js'

export interface TestEngine extends OpenEngine {
  clock: { now: number }
  dir: string
  databaseUrl: string
  dispose(): Promise<void>
}

export interface TestEngineOptions {
  /** sqlite (default) or postgres; ignored when databaseUrl is given. */
  store?: StoreKind
  timeZone?: string
  startMs?: number
  databaseUrl?: string
  retentionDays?: number
}

/** A new, empty database of the kind asked for (SQLite: in `dir`), and how to remove it. */
export async function aDatabase(store: StoreKind, dir: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (store === 'postgres') return aPostgresDatabase()
  return { url: `sqlite:${join(dir, 'budget.db')}`, drop: async () => {} }
}

export async function aTestEngine(options: TestEngineOptions = {}): Promise<TestEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'budget-test-'))
  const database = options.databaseUrl === undefined ? await aDatabase(options.store ?? 'sqlite', dir) : { url: options.databaseUrl, drop: async () => {} }
  const clock = { now: options.startMs ?? Date.parse('2026-03-10T12:00:00Z') }
  const opened = await openEngine({
    databaseUrl: database.url,
    timeZone: options.timeZone ?? 'UTC',
    now: () => clock.now,
    retentionDays: options.retentionDays,
  })
  return {
    ...opened,
    clock,
    dir,
    databaseUrl: database.url,
    async dispose() {
      await opened.close()
      await database.drop()
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
