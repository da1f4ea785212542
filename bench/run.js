// `npm run bench`: each figure next to a reference measured in the same run on the same
// machine, because absolute numbers swing ±30 % between runs here.
import { spawn } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import { startPostgres } from './postgres.js'

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10)
const CONNECTIONS = 64
const here = new URL('.', import.meta.url).pathname

async function startServer(kind, databaseUrl = '') {
  const dataDir = mkdtempSync(join(tmpdir(), 'budget-bench-'))
  const child = spawn(process.execPath, [join(here, 'server.js'), kind, dataDir, databaseUrl], { stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value])
  return {
    url: line.trim(),
    async stop() {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

const cannon = (options) => autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...options })

async function post(url, path, body) {
  const response = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`)
  return response.json()
}

const call = { provider: 'anthropic', model: 'claude-sonnet-4-20250514' }

/** Budgets with a hard daily limit and a monthly warning, as a team would set them. */
async function someBudgets(url, count) {
  const ids = []
  for (let i = 0; i < count; i++) {
    const budget = await post(url, '/api/v1/budgets', { name: `bench-${i}` })
    await post(url, '/api/v1/policies', { budgetId: budget.id, type: 'hard_limit', period: 'daily', tokenLimit: 1e15, costLimitUsd: 1_000_000 })
    await post(url, '/api/v1/policies', { budgetId: budget.id, type: 'warn', period: 'monthly', costLimitUsd: 1_000_000 })
    ids.push(budget.id)
  }
  return ids
}

/** Each connection checks, then commits what the check reserved, on a budget drawn from `budgetIds`. */
const checkCommitRequests = (budgetIds) => [
  {
    method: 'POST',
    path: '/api/v1/check',
    headers: { 'content-type': 'application/json' },
    setupRequest: (request) => ({
      ...request,
      body: JSON.stringify({ budgetId: budgetIds[Math.floor(Math.random() * budgetIds.length)], ...call, inputTokens: 1200, maxOutputTokens: 800 }),
    }),
    onResponse: (status, body, context) => {
      context.reservationId = status === 200 ? JSON.parse(body).reservation?.id : undefined
    },
  },
  {
    method: 'POST',
    path: '/api/v1/usage',
    headers: { 'content-type': 'application/json' },
    setupRequest: (request, context) => ({
      ...request,
      body: JSON.stringify({ reservationId: context.reservationId, ...call, inputTokens: 1100, outputTokens: 350, cacheReadTokens: 5000 }),
    }),
  },
]

async function checkAndCommit(kind) {
  const server = await startServer(kind)
  const budgetIds = await someBudgets(server.url, 1)
  const result = await cannon({ url: server.url, requests: checkCommitRequests(budgetIds) })
  await server.stop()
  return result
}

/**
 * check + commit on PostgreSQL from `instances` service processes sharing one database,
 * the 64 connections split between them; on one hot budget or spread over several.
 */
async function checkAndCommitOnPostgres(postgres, instances, budgets) {
  const databaseUrl = await postgres.database()
  const servers = []
  for (let i = 0; i < instances; i++) servers.push(await startServer('normal', databaseUrl))
  const budgetIds = await someBudgets(servers[0].url, budgets)
  const results = await Promise.all(servers.map((server) => cannon({ url: server.url, connections: CONNECTIONS / instances, requests: checkCommitRequests(budgetIds) })))
  for (const server of servers) await server.stop()
  return {
    requests: { average: results.reduce((sum, r) => sum + r.requests.average, 0) },
    latency: { p99: Math.max(...results.map((r) => r.latency.p99)) },
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
  }
}

async function batchIngest() {
  const server = await startServer('normal')
  const batches = 10
  const size = 10_000
  const started = performance.now()
  for (let b = 0; b < batches; b++) {
    const records = Array.from({ length: size }, (_, i) => ({
      ...call,
      component: `c${i % 7}`,
      inputTokens: 100 + i,
      outputTokens: 50,
      timestamp: new Date(Date.now() - i * 1000).toISOString(),
    }))
    await post(server.url, '/api/v1/usage', { records })
  }
  const seconds = (performance.now() - started) / 1000
  await server.stop()
  return (batches * size) / seconds
}

function rawSqliteInsert() {
  const dir = mkdtempSync(join(tmpdir(), 'budget-bench-raw-'))
  const db = new Database(join(dir, 'raw.db'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec('create table r (id text primary key, ts integer, provider text, model text, input integer, output integer, cost integer)')
  const insert = db.prepare('insert into r values (?, ?, ?, ?, ?, ?, ?)')
  const rows = 100_000
  const started = performance.now()
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`id-${i}`, Date.now(), 'anthropic', 'claude', 100 + i, 50, 1234)
  })()
  const perSecond = rows / ((performance.now() - started) / 1000)
  db.close()
  rmSync(dir, { recursive: true, force: true })
  return perSecond
}

const COPIED_RECORDS = Number(process.env.BENCH_COPY_RECORDS ?? 200_000)

/** A SQLite store with COPIED_RECORDS usage records over two months, as `budget migrate-store` finds one. */
async function aFilledSqliteStore(dir) {
  const { openEngine } = await import('../dist/engine/engine.js')
  const databaseUrl = `sqlite:${join(dir, 'source.db')}`
  const opened = await openEngine({ databaseUrl, relayEvents: false })
  const budget = await opened.engine.createBudget({ name: 'team', tags: [] })
  await opened.engine.createPolicy({ budgetId: budget.id, type: 'hard_limit', period: 'daily', tokenLimit: 1e15, warningThreshold: 0.8, actionThreshold: 1, enabled: true })
  const start = Date.now() - 60 * 86_400_000
  for (let done = 0; done < COPIED_RECORDS; done += 10_000) {
    const records = Array.from({ length: Math.min(10_000, COPIED_RECORDS - done) }, (_, i) => ({
      ...call,
      budgetId: budget.id,
      component: `c${i % 7}`,
      contextId: `s${(done + i) % 500}`,
      inputTokens: 100 + i,
      outputTokens: 50,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
      metadata: {},
      timestamp: new Date(start + (done + i) * 25_000).toISOString(),
    }))
    await opened.engine.recordBatch(records)
  }
  await opened.close()
  return databaseUrl
}

/** migrate-store's copy into PostgreSQL, against plain pg inserts of the same records into an unindexed table. */
async function copyIntoPostgres(postgres) {
  const { openStore } = await import('../dist/store/store.js')
  const { copyStore } = await import('../dist/store/copy.js')
  const dir = mkdtempSync(join(tmpdir(), 'budget-bench-copy-'))
  try {
    const source = await openStore({ databaseUrl: await aFilledSqliteStore(dir) })
    const target = await openStore({ databaseUrl: await postgres.database() })
    const started = performance.now()
    const report = await copyStore(source, target, { batchSize: 2_000 })
    const copySeconds = (performance.now() - started) / 1000
    const records = await source.db.selectFrom('usageRecords').selectAll().execute()
    await source.close()
    await target.close()
    return { rows: report.rows, rowsPerSecond: report.rows / copySeconds, seconds: copySeconds, raw: await rawPostgresInsert(await postgres.database(), records) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function rawPostgresInsert(databaseUrl, records) {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  const columns = Object.keys(records[0])
  await client.query(`create table r (${columns.map((c) => `"${c}" ${typeof records[0][c] === 'number' ? 'bigint' : 'text'}`).join(', ')})`)
  const started = performance.now()
  await client.query('begin')
  const perStatement = Math.floor(30_000 / columns.length)
  for (let i = 0; i < records.length; i += perStatement) {
    const chunk = records.slice(i, i + perStatement)
    const values = chunk.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ')
    await client.query(`insert into r values ${values}`, chunk.flatMap((record) => columns.map((c) => record[c])))
  }
  await client.query('commit')
  const perSecond = records.length / ((performance.now() - started) / 1000)
  await client.end()
  return perSecond
}

const hello = await startServer('hello')
const helloResult = await cannon({ url: hello.url })
await hello.stop()
const normal = await checkAndCommit('normal')
const strict = await checkAndCommit('strict')
const ingest = await batchIngest()
const raw = rawSqliteInsert()
const onPostgres = []
let copied = null
if (process.env.BENCH_POSTGRES !== '0') {
  const postgres = await startPostgres()
  try {
    for (const [instances, budgets] of [[1, 1], [2, 1], [1, 8], [2, 8]]) {
      onPostgres.push({ instances, budgets, result: await checkAndCommitOnPostgres(postgres, instances, budgets) })
    }
    copied = await copyIntoPostgres(postgres)
  } finally {
    await postgres.stop()
  }
}

const pairs = (r) => r.requests.average / 2
const pairRow = (label, r) => [label, `${Math.round(pairs(r))} pairs/s`, `p99 ${r.latency.p99} ms, errors ${r.errors + r.non2xx}`, (r.requests.average / helloResult.requests.average).toFixed(3)]
const rows = [
  ['bare Fastify GET / (reference)', `${Math.round(helloResult.requests.average)} req/s`, `p99 ${helloResult.latency.p99} ms`, '1.00'],
  pairRow('check + commit pairs, SQLite (synchronous=NORMAL)', normal),
  pairRow('check + commit pairs, SQLite (BUDGET_DURABILITY=strict)', strict),
  ...onPostgres.map(({ instances, budgets, result }) =>
    pairRow(`check + commit pairs, PostgreSQL, ${instances} instance${instances > 1 ? 's' : ''}, ${budgets === 1 ? 'one hot budget' : `${budgets} budgets`}`, result),
  ),
  ['raw better-sqlite3 insert, one transaction (reference)', `${Math.round(raw)} rows/s`, '', '1.00'],
  ['batch ingest, POST /usage 10k records', `${Math.round(ingest)} records/s`, '', (ingest / raw).toFixed(3)],
  ...(copied === null
    ? []
    : [
        ['plain pg multi-row insert of the same usage records, one transaction, no index (reference)', `${Math.round(copied.raw)} rows/s`, '', '1.00'],
        [
          `migrate-store copy SQLite → PostgreSQL, ${COPIED_RECORDS.toLocaleString('en-US')} records`,
          `${Math.round(copied.rowsPerSecond)} rows/s`,
          `${copied.rows.toLocaleString('en-US')} rows in all tables (records, ids, rollups, catalog) in ${copied.seconds.toFixed(1)} s, verified`,
          (copied.rowsPerSecond / copied.raw).toFixed(3),
        ],
      ]),
]
const table = [
  `| measure | figure | notes | ratio to its reference |`,
  `|---|---|---|---|`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n')
console.log(table)
const section = `\n## ${new Date().toISOString().slice(0, 16)}Z — node ${process.version}, ${CONNECTIONS} connections, ${DURATION_S} s each\n\n${table}\n\nRequests/s ratios compare HTTP requests (a pair is two) with the bare Fastify reference. PostgreSQL runs with its default durability (fsync, synchronous_commit on); with two instances the 64 connections are split between them and p99 is the worse of the two.\n`
if (process.env.BENCH_RECORD !== '0') appendFileSync(join(here, 'RESULTS.md'), section)
process.exit(0)
