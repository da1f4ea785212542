/**
 * Migrating Apollo's data directory and Rhetor's database (compat/migrate): fixtures in the
 * exact legacy formats, built by test code; after the migration our reports must match
 * totals computed independently from the raw rows; a second run creates nothing; a dry run
 * writes nothing; bad rows are reported and skipped, never fatal.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RhetorBudget } from '../../src/compat/rhetor/budget-manager.js'
import { readApolloDir } from '../../src/compat/migrate/apollo-source.js'
import { readRhetorDb } from '../../src/compat/migrate/rhetor-source.js'
import { runMigration } from '../../src/compat/migrate/run.js'
import { parseLegacyTimestamp } from '../../src/compat/legacy-time.js'
import { anApolloDataDir, NANO_PER_TOKEN } from '../fixtures/tekton/apollo-data.js'
import { OUR_NANO_PER_TOKEN, aRhetorDb } from '../fixtures/tekton/rhetor-db.js'
import { pythonIsoformat } from '../fixtures/tekton/python-time.js'
import { aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'

const ZONE = 'Europe/Paris'
const toNano = (usd: number) => Math.round(usd * 1e9)

let root: string

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'budget-legacy-'))
})

afterEach(() => {
  rmSync(root, { recursive: true, force: true })
})

describe('legacy timestamps', () => {
  it.each([
    ['2026-03-10T13:14:15.123456', 'Europe/Paris', '2026-03-10T12:14:15.123Z'],
    ['2026-03-10T13:14:15', 'Europe/Paris', '2026-03-10T12:14:15.000Z'],
    ['2026-07-01T00:00:00', 'Europe/Paris', '2026-06-30T22:00:00.000Z'],
    ['2026-03-10T05:45:00', 'Asia/Kathmandu', '2026-03-10T00:00:00.000Z'],
    ['2026-03-10T13:14:15+02:00', 'Europe/Paris', '2026-03-10T11:14:15.000Z'],
    ['2026-03-10 13:14:15Z', 'Europe/Paris', '2026-03-10T13:14:15.000Z'],
    // New York springs forward at 02:00: 02:30 does not exist and lands just after the gap.
    ['2026-03-08T02:30:00', 'America/New_York', '2026-03-08T07:30:00.000Z'],
    // …and falls back at 02:00: 01:30 happens twice, the first is taken.
    ['2026-11-01T01:30:00', 'America/New_York', '2026-11-01T05:30:00.000Z'],
  ])('reads %s in %s as %s', (text, zone, iso) => {
    expect(new Date(parseLegacyTimestamp(text, zone) ?? Number.NaN).toISOString()).toBe(iso)
  })

  it.each(['yesterday', '2026-02-30T10:00:00', '2026-03-10T25:00:00', ''])('refuses %j', (text) => {
    expect(parseLegacyTimestamp(text, 'UTC')).toBeNull()
  })

  it('reads back what Python wrote, whatever the zone', () => {
    const instants = [Date.UTC(2026, 0, 15, 8, 30, 12, 345), Date.UTC(2026, 9, 25, 0, 59, 59, 999)]
    for (const zone of ['Europe/Paris', 'Asia/Kolkata', 'America/Los_Angeles', 'Australia/Lord_Howe']) {
      for (const ms of instants) expect(parseLegacyTimestamp(pythonIsoformat(ms, zone), zone)).toBe(ms)
    }
  })
})

describe.each(STORE_KINDS)('on %s', (store) => {
  let t: TestEngine

  beforeEach(async () => {
    t = await aTestEngine({ store })
  })

  afterEach(async () => {
    await t.dispose()
  })

  const migrateApollo = (dir: string, apply: boolean) =>
    runMigration(t.engine, readApolloDir(dir, { timeZone: ZONE, nowMs: t.clock.now }), { budgetName: 'apollo', apply })
  const migrateRhetor = (path: string, apply: boolean) =>
    runMigration(t.engine, readRhetorDb(path, { timeZone: ZONE, nowMs: t.clock.now }), { budgetName: 'rhetor', apply })

  describe('Apollo', () => {
    it('prices the fixture models as the expected totals assume', async () => {
      for (const [key, price] of Object.entries(NANO_PER_TOKEN)) {
        const [provider, model] = key.split('/') as [string, string]
        const cost = await t.engine.calculateCost({ provider, model, inputTokens: 1_000_000, outputTokens: 0 })
        expect(cost.costUsd === null ? null : toNano(cost.costUsd) / 1_000_000, key).toBe(price?.input ?? null)
      }
    })

    it('migrates policies and deduplicated usage; reports match the totals computed from the raw files', async () => {
      const { dir, expected } = anApolloDataDir(root, { nowMs: t.clock.now, timeZone: ZONE })

      const report = await migrateApollo(dir, true)

      expect(report).toMatchObject({
        dryRun: false,
        budget: { name: 'apollo', created: true },
        policies: { planned: expected.policies.valid, created: expected.policies.valid, skipped: expected.policies.skipped },
        records: { valid: expected.records.valid, duplicatesInSource: expected.records.duplicatesInSource, skipped: expected.records.skipped, created: expected.records.valid, existing: 0 },
        tokens: { input: expected.totals.inputTokens, output: expected.totals.outputTokens },
        unpricedRecords: expected.totals.unpriced,
        legacyCost: null,
      })
      const summary = await t.engine.usageSummary({ budgetId: 'apollo' })
      expect(summary.totals).toMatchObject({
        requests: expected.totals.requests,
        inputTokens: expected.totals.inputTokens,
        outputTokens: expected.totals.outputTokens,
        unpricedRequests: expected.totals.unpriced,
      })
      expect(toNano(summary.totals.costUsd)).toBe(expected.totals.costNano)
      expect(toNano(report.costUsd)).toBe(expected.totals.costNano)
    })

    it("counts today's records toward the migrated daily limit of their tier", async () => {
      const { dir, expected } = anApolloDataDir(root, { nowMs: t.clock.now, timeZone: ZONE })

      await migrateApollo(dir, true)

      const policies = await t.engine.listPolicies('apollo')
      const daily = policies.find((p) => p.type === 'hard_limit' && p.period === 'daily')
      const window = (await t.engine.summary('apollo')).policies.find((p) => p.policyId === daily?.id)
      expect(expected.heavyweightToday).toBeGreaterThan(0)
      expect(window?.tokensUsed).toBe(expected.heavyweightToday)
      expect(policies.filter((p) => !p.enabled)).toHaveLength(expected.policies.disabled)
      expect(policies.find((p) => p.period === 'hourly')).toMatchObject({ type: 'warn', tokenLimit: 500_000, warningThreshold: 0.7, scope: { tier: 'local_midweight', component: 'ergon' } })
    })

    it('keeps the legacy fields in metadata and resolves each record’s tier', async () => {
      const { dir } = anApolloDataDir(root, { nowMs: t.clock.now, timeZone: ZONE })

      await migrateApollo(dir, true)

      const { items } = await t.engine.listUsage({ budgetId: 'apollo', limit: 1000 })
      expect(new Set(items.map((r) => r.tier))).toEqual(new Set(['remote_heavyweight', 'local_midweight', 'local_lightweight']))
      const record = items.find((r) => r.provider === 'ollama')
      expect(record).toMatchObject({ tier: 'local_lightweight', unpriced: true, costUsd: null })
      expect(record?.metadata.migratedFrom).toMatchObject({ system: 'apollo', recordId: expect.any(String), usageType: expect.any(String), timestamp: expect.any(String) })
      expect(record?.id).toBe(`apollo:${(record?.metadata.migratedFrom as { recordId: string }).recordId}`)
    })

    it('creates nothing the second time', async () => {
      const { dir, expected } = anApolloDataDir(root, { nowMs: t.clock.now, timeZone: ZONE })
      await migrateApollo(dir, true)
      const before = await t.engine.usageSummary({ budgetId: 'apollo' })

      const again = await migrateApollo(dir, true)

      expect(again).toMatchObject({ budget: { created: false }, policies: { created: 0, existing: expected.policies.valid }, records: { created: 0, existing: expected.records.valid } })
      expect(await t.engine.usageSummary({ budgetId: 'apollo' })).toEqual(before)
      expect(await t.engine.listPolicies('apollo')).toHaveLength(expected.policies.valid)
    })

    it('writes nothing on a dry run, and says what it would create', async () => {
      const { dir, expected } = anApolloDataDir(root, { nowMs: t.clock.now, timeZone: ZONE })

      const report = await migrateApollo(dir, false)

      expect(report).toMatchObject({ dryRun: true, budget: { id: null, created: true }, policies: { created: expected.policies.valid }, records: { created: expected.records.valid, existing: 0 } })
      await expect(t.engine.getBudget('apollo')).rejects.toMatchObject({ code: 'NOT_FOUND' })
      expect((await t.engine.usageSummary({})).totals.requests).toBe(0)
    })

    it('after an applied run, a dry run finds everything already there', async () => {
      const { dir, expected } = anApolloDataDir(root, { nowMs: t.clock.now, timeZone: ZONE })
      await migrateApollo(dir, true)

      const report = await migrateApollo(dir, false)

      expect(report).toMatchObject({ budget: { created: false }, policies: { created: 0 }, records: { created: 0, existing: expected.records.valid } })
    })

    it('reports every bad row, the unreadable file and the duplicates, and skips them', async () => {
      const { dir, expected } = anApolloDataDir(root, { nowMs: t.clock.now, timeZone: ZONE })

      const report = await migrateApollo(dir, false)

      const where = report.issues.map((i) => i.where)
      expect(where).toContain('usage_records_1771300000.json')
      expect(where.filter((w) => w.startsWith('budget_policies.json#'))).toHaveLength(expected.policies.skipped)
      expect(where.filter((w) => /^usage_records_\d+\.json#\d+$/.test(w))).toHaveLength(expected.records.skipped)
      expect(report.issues.find((i) => i.where === 'budget_policies.json#4')?.reason).toContain('yearly')
      expect(report.inputs.map((i) => i.name)).toEqual(['budget_policies.json', ...expected.files, 'usage_records_1771300000.json'])
    })

    it("plans Apollo's default policies when its policy file is missing", async () => {
      const { dir } = anApolloDataDir(root, { nowMs: t.clock.now, timeZone: ZONE })
      rmSync(join(dir, 'budget_policies.json'))

      const report = await migrateApollo(dir, true)

      expect(report.policies.created).toBe(9)
      expect(report.notes.join(' ')).toContain('budget_policies.json is missing')
      expect((await t.engine.listPolicies('apollo')).every((p) => p.type === 'warn' && p.scope.tier !== undefined)).toBe(true)
    })
  })

  describe('Rhetor', () => {
    it('prices the fixture models as the expected totals assume', async () => {
      for (const [key, price] of Object.entries(OUR_NANO_PER_TOKEN)) {
        const [provider, model] = key.split('/') as [string, string]
        const cost = await t.engine.calculateCost({ provider, model, inputTokens: 0, outputTokens: 1_000_000 })
        expect(cost.costUsd === null ? null : toNano(cost.costUsd) / 1_000_000, key).toBe(price?.[1] ?? null)
      }
    })

    it('migrates usage and settings; reports match the totals computed from the raw rows', async () => {
      const { path, expected } = aRhetorDb(root, { nowMs: t.clock.now, timeZone: ZONE })

      const report = await migrateRhetor(path, true)

      expect(report).toMatchObject({
        records: { valid: expected.records.valid, skipped: expected.records.skipped, created: expected.records.valid, duplicatesInSource: 0 },
        policies: { created: expected.policies.length, skipped: expected.policiesSkipped },
        unpricedRecords: expected.totals.unpriced,
      })
      const summary = await t.engine.usageSummary({ budgetId: 'rhetor' })
      expect(summary.totals).toMatchObject({ requests: expected.totals.requests, inputTokens: expected.totals.inputTokens, outputTokens: expected.totals.outputTokens, unpricedRequests: expected.totals.unpriced })
      expect(toNano(summary.totals.costUsd)).toBe(expected.totals.costNano)
      const policies = await t.engine.listPolicies('rhetor')
      const byPeriod = (a: { period: string }, b: { period: string }) => a.period.localeCompare(b.period)
      expect(policies.map((p) => ({ period: p.period, type: p.type, costLimitUsd: p.costLimitUsd, provider: p.scope.provider })).sort(byPeriod)).toEqual(
        expected.policies.map((p) => ({ ...p, provider: p.provider })).sort(byPeriod),
      )
    })

    it('keeps the cost Rhetor recorded beside ours and reports the differences per model', async () => {
      const { path, expected } = aRhetorDb(root, { nowMs: t.clock.now, timeZone: ZONE })

      const report = await migrateRhetor(path, true)

      const byModel = Object.fromEntries((report.legacyCost?.byModel ?? []).map((m) => [`${m.provider}/${m.model}`, m]))
      for (const [key, want] of Object.entries(expected.byModel)) {
        expect(byModel[key], key).toMatchObject({ records: want.records, unpriced: want.unpriced })
        expect(toNano(byModel[key]?.legacyUsd ?? Number.NaN), key).toBe(want.legacyNano)
        expect(toNano(byModel[key]?.recomputedUsd ?? Number.NaN), key).toBe(want.oursNano)
      }
      expect(byModel['openai/gpt-4o']?.differenceUsd).toBeLessThan(0)
      expect(report.legacyCost?.byModel[0]?.model).toBe('gpt-4o')
      const { items } = await t.engine.listUsage({ budgetId: 'rhetor', provider: 'openai', limit: 1 })
      expect(items[0]?.metadata.migratedFrom).toMatchObject({ system: 'rhetor', legacyCostUsd: expect.any(Number), rowId: expect.any(Number) })
    })

    it('keeps metadata that is not JSON as text, and reports the bad rows', async () => {
      const { path } = aRhetorDb(root, { nowMs: t.clock.now, timeZone: ZONE })

      const report = await migrateRhetor(path, true)

      const reasons = report.issues.map((i) => `${i.where}: ${i.reason}`).join('\n')
      expect(reasons).toMatch(/usage#\d+: timestamp null/)
      expect(reasons).toMatch(/usage#\d+: timestamp "last tuesday"/)
      expect(reasons).toMatch(/usage#\d+: input_tokens null/)
      expect(reasons).toMatch(/usage#\d+: output_tokens -3/)
      expect(reasons).toMatch(/budget_settings#5: unknown period "yearly"/)
      expect(reasons).toMatch(/budget_settings#6: unknown enforcement "block"/)
      expect(reasons).toMatch(/budget_settings#7: limit_amount null/)
      const { items } = await t.engine.listUsage({ budgetId: 'rhetor', limit: 1000 })
      expect(items.filter((r) => r.metadata.legacyMetadata === 'not json{').length).toBeGreaterThan(0)
    })

    it('creates nothing the second time', async () => {
      const { path, expected } = aRhetorDb(root, { nowMs: t.clock.now, timeZone: ZONE })
      await migrateRhetor(path, true)
      const before = await t.engine.usageSummary({ budgetId: 'rhetor' })

      const again = await migrateRhetor(path, true)

      expect(again).toMatchObject({ policies: { created: 0, existing: expected.policies.length }, records: { created: 0, existing: expected.records.valid } })
      expect(await t.engine.usageSummary({ budgetId: 'rhetor' })).toEqual(before)
    })

    it('leaves a different limit the budget already has, and says so', async () => {
      const { path } = aRhetorDb(root, { nowMs: t.clock.now, timeZone: ZONE })
      const rhetor = new RhetorBudget(t.engine)
      await rhetor.setBudgetLimit('daily', 7, 'all', 'warn')

      const report = await migrateRhetor(path, true)

      expect(report.policies.conflicting).toBe(1)
      expect(await rhetor.getBudgetLimit('daily')).toBe(7)
      expect(await rhetor.getBudgetLimit('weekly', 'openai')).toBe(20)
    })

    it("serves the migrated settings through Rhetor's adapter", async () => {
      const { path } = aRhetorDb(root, { nowMs: t.clock.now, timeZone: ZONE })
      await migrateRhetor(path, true)
      const rhetor = new RhetorBudget(t.engine)

      expect(await rhetor.getBudgetLimit('daily')).toBe(5)
      expect(await rhetor.getEnforcementPolicy('daily')).toBe('enforce')
      expect(await rhetor.getEnforcementPolicy('weekly', 'openai')).toBe('warn')
    })

    it('refuses a file that is not a SQLite database', async () => {
      const { dir } = anApolloDataDir(root, { nowMs: t.clock.now, timeZone: ZONE })

      expect(() => readRhetorDb(join(dir, 'budget_policies.json'), { timeZone: ZONE, nowMs: t.clock.now })).toThrow()
      expect(() => readRhetorDb(join(root, 'missing.db'), { timeZone: ZONE, nowMs: t.clock.now })).toThrow(/cannot open/)
    })
  })
})
