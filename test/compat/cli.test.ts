/**
 * `budget migrate apollo|rhetor` and `budget init --tekton-defaults` as users run them: the
 * built binary, spawned over a private data directory, on fixtures in the legacy formats.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ensureBuilt, runBudget, type Run } from '../support/cli.js'
import { anApolloDataDir } from '../fixtures/tekton/apollo-data.js'
import { aRhetorDb } from '../fixtures/tekton/rhetor-db.js'
import type { Json } from '../support/http.js'

const ZONE = 'Asia/Tokyo'

let dir: string

function budget(args: string[]): Promise<Run> {
  return runBudget(args, { cwd: dir })
}

async function json(args: string[], code = 0): Promise<Json> {
  const run = await budget([...args, '--json'])
  expect(run.code, `budget ${args.join(' ')}\n${run.stderr}`).toBe(code)
  return JSON.parse(run.stdout) as Json
}

beforeAll(() => {
  ensureBuilt()
}, 180_000)

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'budget-cli-compat-'))
})

afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('budget migrate apollo', () => {
  it('dry-runs by default, writes with --apply, and creates nothing the second time', async () => {
    const { dir: data, expected } = anApolloDataDir(dir, { nowMs: Date.now(), timeZone: ZONE })
    const args = ['migrate', 'apollo', '--dir', data, '--timezone', ZONE]

    const dry = await json(args)
    const applied = await json([...args, '--apply'])
    const again = await json([...args, '--apply'])

    expect(dry).toMatchObject({ dryRun: true, timeZone: ZONE, records: { created: expected.records.valid, skipped: expected.records.skipped }, policies: { created: expected.policies.valid } })
    expect(applied).toMatchObject({ dryRun: false, records: { created: expected.records.valid }, tokens: { input: expected.totals.inputTokens, output: expected.totals.outputTokens } })
    expect(again).toMatchObject({ records: { created: 0, existing: expected.records.valid }, policies: { created: 0 } })
    const summary = await json(['usage', 'summary'])
    expect(summary.totals).toMatchObject({ requests: expected.totals.requests, inputTokens: expected.totals.inputTokens })
  })

  it('prints a summary for a person', async () => {
    const { dir: data } = anApolloDataDir(dir, { nowMs: Date.now(), timeZone: ZONE })

    const run = await budget(['migrate', 'apollo', '--dir', data, '--timezone', ZONE])

    expect(run.code).toBe(0)
    expect(run.stdout).toContain('dry run')
    expect(run.stdout).toContain('usage_records_1771300000.json')
  })

  it('refuses a directory that does not exist and a zone that is not one (exit 2)', async () => {
    expect((await budget(['migrate', 'apollo', '--dir', join(dir, 'missing')])).code).toBe(2)
    const { dir: data } = anApolloDataDir(dir, { nowMs: Date.now(), timeZone: ZONE })
    expect((await budget(['migrate', 'apollo', '--dir', data, '--timezone', 'Mars/Olympus'])).code).toBe(2)
  })
})

describe('budget migrate rhetor', () => {
  it('migrates the database and reports recorded costs against ours', async () => {
    const { path, expected } = aRhetorDb(dir, { nowMs: Date.now(), timeZone: ZONE })

    const report = await json(['migrate', 'rhetor', '--db', path, '--timezone', ZONE, '--apply'])

    expect(report).toMatchObject({ records: { created: expected.records.valid, skipped: expected.records.skipped }, policies: { created: expected.policies.length } })
    expect(report.legacyCost.byModel.map((m: Json) => m.model)).toContain('gpt-4o')
  })
})

describe('budget init', () => {
  it('creates the Tekton default limits once', async () => {
    const first = await json(['init', '--tekton-defaults'])
    const second = await json(['init', '--tekton-defaults'])

    expect(first.budget).toMatchObject({ name: 'tekton', created: true })
    expect(first.policies.created).toHaveLength(19)
    expect(second).toMatchObject({ budget: { created: false }, policies: { created: [], existing: 19 } })
    const heavyDaily = (first.policies.created as Json[]).find((p) => p.scope.tier === 'remote_heavyweight' && p.period === 'daily')
    const hourlyCost = (first.policies.created as Json[]).find((p) => p.costLimitUsd !== undefined && p.period === 'hourly')
    expect(heavyDaily).toMatchObject({ type: 'warn', tokenLimit: 1_000_000 })
    expect(hourlyCost).toMatchObject({ costLimitUsd: 0.5, scope: {} })
  })

  it('refuses an unknown policy type (exit 2)', async () => {
    expect((await budget(['init', '--tekton-defaults', '--type', 'strict'])).code).toBe(2)
  })
})
