import { rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ApolloBudget } from '../../src/compat/apollo/token-budget.js'
import { BudgetError } from '../../src/domain/errors.js'
import { UsageReportQuery } from '../../src/domain/report.js'
import { COPIED_TABLES, copyStore } from '../../src/store/copy.js'
import { sqlitePath } from '../../src/store/database-url.js'
import { openStore, type Store } from '../../src/store/store.js'
import { ensureBuilt, runBudget } from '../support/cli.js'
import { aBudgetWithPolicy, aCall, aDatabase, aRecord, aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'

/**
 * `budget migrate-store` and the copy under it (store/copy.ts): a SQLite store full of
 * budgets, records over three months, a live reservation, keys, alerts, channels, manual
 * prices and Apollo allocations, copied into a fresh database of each kind, must answer
 * every question the same way there — and a copy that cannot be proven is never written.
 */
const MONTHS = ['2026-01', '2026-02', '2026-03']
const RECORDS_PER_MONTH = 400

interface Populated {
  budgetId: string
  reservationId: string
  keySecret: string
}

async function populate(t: TestEngine): Promise<Populated> {
  const { budget } = await aBudgetWithPolicy(t, { period: 'monthly', tokenLimit: 2_000_000, warningThreshold: 0.5 })
  await t.engine.createPolicy({ budgetId: budget.id, type: 'hard_limit', period: 'daily', costLimit: 50, scope: { model: 'claude-sonnet-4-20250514' } } as never)
  const other = await t.engine.createBudget({ name: 'other', tags: ['team-b'] } as never)
  for (const month of MONTHS) {
    const records = Array.from({ length: RECORDS_PER_MONTH }, (_, i) =>
      aRecord({
        id: `${month}-${i}`,
        budgetId: i % 3 === 0 ? other.id : budget.id,
        timestamp: `${month}-${String(1 + (i % 9)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}:00Z`,
        model: i % 4 === 0 ? 'gpt-4o' : 'claude-sonnet-4-20250514',
        provider: i % 4 === 0 ? 'openai' : 'anthropic',
        component: `c${i % 5}`,
        contextId: `session-${i % 7}`,
        inputTokens: 1_000 + i,
        outputTokens: 300 + (i % 50),
        cacheReadTokens: i % 11 === 0 ? 5_000 : 0,
      }),
    )
    await t.engine.recordBatch(records as never)
  }
  await t.engine.recordUsage(aRecord({ id: 'unpriced', budgetId: budget.id, provider: 'acme', model: 'mystery-1', timestamp: '2026-03-10T11:00:00Z' }) as never)
  const decision = await t.engine.check({ budgetId: budget.id, ...aCall({ maxOutputTokens: 4_000 }) } as never)
  const key = await t.engine.createKey({ name: 'ops', role: 'write' } as never)
  await t.engine.createChannel({ name: 'log', kind: 'log' } as never)
  await t.engine.checkAlerts({ budgetId: budget.id })
  await t.engine.setManualPrice({ provider: 'openai', model: 'gpt-4.1', inputPerMtok: 4, outputPerMtok: 16 }, 'ada')
  await new ApolloBudget(t.engine).allocateBudget({ contextId: 'ctx-1', component: 'ergon', provider: 'openai', model: 'gpt-4o' })
  if (!decision.reservation) throw new Error('the check should have reserved')
  return { budgetId: budget.id, reservationId: decision.reservation.id, keySecret: key.key }
}

/** What a user can ask a store, to compare the source with its copy. */
async function answers(t: TestEngine, p: Populated) {
  const report = (granularity: 'day' | 'month', groupBy: string) => t.engine.usageReport(UsageReportQuery.parse({ granularity, groupBy, timeZone: 'Europe/Paris', limit: 10_000 }))
  return {
    budgets: await t.engine.listBudgets(),
    policies: await t.engine.listPolicies(),
    summary: await t.engine.summary(p.budgetId),
    daily: (await report('day', 'model,contextId')).rows,
    monthly: (await report('month', 'budgetId,component')).rows,
    usage: await t.engine.usageSummary({ groupBy: ['provider', 'model'] } as never),
    newest: (await t.engine.listUsage({ limit: 50 } as never)).items,
    reservation: await t.engine.getReservation(p.reservationId),
    keys: await t.engine.listKeys(),
    alerts: (await t.engine.listAlerts({ limit: 100 } as never)).items,
    channels: await t.engine.listChannels(),
    prices: await t.engine.priceHistory('openai', 'gpt-4.1'),
    cost: await t.engine.calculateCost({ provider: 'openai', model: 'gpt-4.1', inputTokens: 1_000_000, outputTokens: 1_000_000 } as never),
  }
}

const countRows = async (store: Store, table: 'budgets' | 'usageRecords') => Number((await store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)

describe('the copy covers the schema', () => {
  it('copies every table the migrations create', async () => {
    const t = await aTestEngine()
    try {
      const sqlite = new Database(sqlitePath(t.databaseUrl), { readonly: true })
      const tables = sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'").pluck().all() as string[]
      sqlite.close()
      const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
      expect(COPIED_TABLES.map((s) => s.table).sort()).toEqual(tables.map(camel).sort())
    } finally {
      await t.dispose()
    }
  })
})

describe.each(STORE_KINDS)('copying a SQLite store into %s', (kind) => {
  let source: TestEngine
  let populated: Populated
  let target: { url: string; drop(): Promise<void> }

  beforeEach(async () => {
    source = await aTestEngine()
    populated = await populate(source)
    target = await aDatabase(kind, join(source.dir, 'target'))
  })

  afterEach(async () => {
    await source.dispose()
    await target.drop()
  })

  /** Copies with pages small enough that every table takes several, composite keys included. */
  async function copy(options: Parameters<typeof copyStore>[2] = {}) {
    const into = await openStore({ databaseUrl: target.url })
    try {
      return await copyStore(source.store, into, { batchSize: 97, ...options })
    } finally {
      await into.close()
    }
  }

  it('answers every question the same way after the copy, and keeps working', async () => {
    const progress: number[] = []
    const report = await copy({ onProgress: (p) => progress.push(p.done) })
    const copyEngine = await aTestEngine({ databaseUrl: target.url, startMs: source.clock.now })
    try {
      expect(report.verified).toBe(true)
      expect(report.tables.find((t) => t.table === 'usageRecords')?.rows).toBe(MONTHS.length * RECORDS_PER_MONTH + 1)
      expect(progress.at(-1)).toBe(report.rows)
      expect(progress).toEqual([...progress].sort((a, b) => a - b))
      expect(await answers(copyEngine, populated)).toEqual(await answers(source, populated))

      // API keys, idempotent ids, live reservations and limits carry over.
      expect((await copyEngine.engine.authenticate(populated.keySecret))?.name).toBe('ops')
      expect((await copyEngine.engine.recordUsage(aRecord({ id: '2026-02-5', budgetId: populated.budgetId, timestamp: '2026-03-10T10:00:00Z' }) as never)).created).toBe(false)
      const big = { budgetId: populated.budgetId, ...aCall({ inputTokens: 1_000_000, maxOutputTokens: 0 }) }
      const [there, here] = [await copyEngine.engine.check(big as never), await source.engine.check(big as never)]
      expect({ allowed: there.allowed, action: there.action }).toEqual({ allowed: here.allowed, action: here.action })
    } finally {
      await copyEngine.dispose()
    }
  })

  it('refuses a target that already holds data, and leaves it as it was', async () => {
    await copy()
    const into = await openStore({ databaseUrl: target.url })
    try {
      const error = await copyStore(source.store, into).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(BudgetError)
      expect(error).toMatchObject({ code: 'CONFLICT', details: { tables: expect.objectContaining({ budgets: 3, alertChannels: 1, usageRecords: MONTHS.length * RECORDS_PER_MONTH + 1 }) } })
      expect(await countRows(into, 'usageRecords')).toBe(MONTHS.length * RECORDS_PER_MONTH + 1)
    } finally {
      await into.close()
    }
  })

  it('writes nothing on a dry run', async () => {
    const report = await copy({ dryRun: true })
    const into = await openStore({ databaseUrl: target.url })
    try {
      expect(report).toMatchObject({ dryRun: true, verified: false })
      expect(report.rows).toBeGreaterThan(MONTHS.length * RECORDS_PER_MONTH)
      expect(await countRows(into, 'budgets')).toBe(0)
    } finally {
      await into.close()
    }
  })

  it('rolls the whole copy back when the source changes underneath', async () => {
    // Another process writes to the source halfway through the copy.
    const writer = new Database(sqlitePath(source.databaseUrl))
    const error = await copy({
      onProgress: (p) => {
        if (p.table !== 'usageRecords' || writer.inTransaction) return
        writer.prepare("update usage_records set cost_nano = cost_nano + 1 where id = '2026-03-1'").run()
        writer.prepare('begin').run()
      },
    }).catch((e: unknown) => e)
    writer.prepare('rollback').run()
    writer.close()
    const into = await openStore({ databaseUrl: target.url })
    try {
      expect(error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('source changed') })
      expect(await countRows(into, 'budgets')).toBe(0)
      expect(await countRows(into, 'usageRecords')).toBe(0)
    } finally {
      await into.close()
    }
  })

  it("replaces the catalog a service wrote on its first start on the target", async () => {
    const started = await aTestEngine({ databaseUrl: target.url })
    await started.dispose()
    const report = await copy()
    expect(report.replacedRows).toBeGreaterThan(0)
    expect(report.verified).toBe(true)
  })
})

describe.skipIf(!STORE_KINDS.includes('postgres'))('copying back out of PostgreSQL', () => {
  it('gives a SQLite store that answers like the one the PostgreSQL copy came from', async () => {
    const source = await aTestEngine()
    const populated = await populate(source)
    const postgres = await aDatabase('postgres', source.dir)
    const back = `sqlite:${join(source.dir, 'back.db')}`
    try {
      const [inPostgres, backInSqlite] = [await openStore({ databaseUrl: postgres.url }), await openStore({ databaseUrl: back })]
      try {
        expect((await copyStore(source.store, inPostgres, { batchSize: 250 })).verified).toBe(true)
        expect((await copyStore(inPostgres, backInSqlite, { batchSize: 250 })).verified).toBe(true)
      } finally {
        await inPostgres.close()
        await backInSqlite.close()
      }
      const roundTrip = await aTestEngine({ databaseUrl: back, startMs: source.clock.now })
      try {
        expect(await answers(roundTrip, populated)).toEqual(await answers(source, populated))
      } finally {
        await roundTrip.dispose()
      }
    } finally {
      await postgres.drop()
      await source.dispose()
    }
  })
})

describe('budget migrate-store', () => {
  let source: TestEngine
  let target: { url: string; drop(): Promise<void> }
  const kind = STORE_KINDS.includes('postgres') ? 'postgres' : 'sqlite'

  beforeAll(() => {
    ensureBuilt()
  }, 120_000)

  beforeEach(async () => {
    source = await aTestEngine()
    await populate(source)
    // Closed, as migrate-store wants its source: nothing may write to it during the copy.
    await source.close()
    target = await aDatabase(kind, join(source.dir, 'target'))
  })

  afterEach(async () => {
    await target.drop()
    rmSync(source.dir, { recursive: true, force: true })
  })

  const budget = (args: string[]) => runBudget(args, { cwd: source.dir })

  it(`copies into ${kind}, reports each table verified, and refuses to copy twice`, async () => {
    const run = await budget(['migrate-store', '--from', source.databaseUrl, '--to', target.url, '--json'])
    expect(run.code, run.stderr).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report).toMatchObject({ verified: true, dryRun: false, from: source.databaseUrl })
    expect(report.to).not.toContain('secret')
    expect(report.tables.find((t: { table: string }) => t.table === 'usageRecords')).toMatchObject({ rows: MONTHS.length * RECORDS_PER_MONTH + 1 })

    const listed = await budget(['budgets', 'list', '--database-url', target.url, '--json'])
    expect(JSON.parse(listed.stdout).items.map((b: { name: string }) => b.name)).toContain('other')

    const again = await budget(['migrate-store', '--from', source.databaseUrl, '--to', target.url])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/already holds data .*\(CONFLICT\)/)
  })

  it('prints a table of what it copied', async () => {
    const run = await budget(['migrate-store', '--from', source.databaseUrl, '--to', target.url, '--dry-run'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^dry run: would copy [\d,]+ rows from sqlite:/)
    expect(run.stdout).toMatch(/usageRecords\s+1,201\s+count, 7 sums/)
    expect(run.stdout).toMatch(/^usage records: 1,201, \$\d+\.\d{2}/m)
  })

  it.each([
    [['--to', 'mysql://db/budget'], /--to mysql:\/\/db\/budget is not a database URL/],
    [['--from', 'sqlite:/nowhere/budget.db', '--to', 'sqlite::memory:'], /no database at \/nowhere\/budget.db/],
    [['--to', 'SAME'], /name the same database/],
  ])('refuses %j with a usage error', async (flags, message) => {
    const args = flags.map((f) => (f === 'SAME' ? source.databaseUrl : f))
    const run = await budget(['migrate-store', ...(args.includes('--from') ? [] : ['--from', source.databaseUrl]), ...args])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(message)
  })
})
