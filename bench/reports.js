// `node bench/reports.js` (after `npm run build`): reports and exports over a large store,
// each figure next to the same work on raw records in the same run.
//
// Run with `node --expose-gc bench/reports.js` for memory figures measured from after a GC.
//
// 1. Builds a SQLite store of BENCH_REPORT_RECORDS usage records (default 10M) with the
//    hourly and 15-minute rollups the write path would keep, by direct batched inserts
//    (the write path itself is benchmarked elsewhere); kept in BENCH_REPORT_DIR between runs.
// 2. Usage report latency (day granularity, grouped by model, whole history) from the
//    rollups, against the same GROUP BY over the raw records.
// 3. Export rows/s: BENCH_REPORT_EXPORT_ROWS records (default 1M) as CSV through the
//    engine's export stream, and over HTTP from a real server process, against iterating
//    the same rows raw with better-sqlite3; with the exporting process's peak heap and
//    RSS growth (the export must stream in bounded memory).
import { spawn } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { openEngine } from '../dist/engine/engine.js'
import { exportStream } from '../dist/reports/export-format.js'
import { USAGE_RECORD_COLUMNS } from '../dist/reports/record-export.js'

const RECORDS = Number(process.env.BENCH_REPORT_RECORDS ?? 10_000_000)
const EXPORT_ROWS = Number(process.env.BENCH_REPORT_EXPORT_ROWS ?? 1_000_000)
const DIR = process.env.BENCH_REPORT_DIR ?? join(tmpdir(), `budget-bench-reports-${RECORDS}`)
const here = new URL('.', import.meta.url).pathname
const HOUR = 3_600_000
const QUARTER = 900_000
const DAYS = 180
const START = Date.UTC(2026, 0, 1)

const MODELS = [
  ['anthropic', 'claude-sonnet-4-20250514', 3_000_000_000, 15_000_000_000],
  ['anthropic', 'claude-haiku-3-5', 800_000_000, 4_000_000_000],
  ['openai', 'gpt-4o', 2_500_000_000, 10_000_000_000],
  ['openai', 'gpt-4o-mini', 150_000_000, 600_000_000],
  ['google', 'gemini-2.5-pro', 1_250_000_000, 10_000_000_000],
  ['acme', 'mystery-1', null, null], // unpriced
]
const COMPONENTS = ['planner', 'coder', 'critic', 'search', 'summarizer']
const TASKS = ['chat', 'code']
const BUDGETS = ['bud_bench_a', 'bud_bench_b', 'bud_bench_c']

/** A deterministic PRNG, so every run builds the same store. */
function random(seed) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const log = (text) => process.stderr.write(`${text}\n`)
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function buildStore() {
  const file = join(DIR, 'budget.db')
  const marker = join(DIR, 'records.txt')
  if (existsSync(marker) && readFileSync(marker, 'utf8') === String(RECORDS)) return file
  mkdirSync(DIR, { recursive: true })
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true })
  // The schema and the bundled prices, as the service makes them.
  const opened = await openEngine({ databaseUrl: `sqlite:${file}` })
  await opened.close()

  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = OFF')
  db.pragma('cache_size = -262144')
  for (const index of ['usage_time', 'usage_budget_time', 'usage_context']) db.exec(`drop index if exists ${index}`)
  for (const [i, id] of BUDGETS.entries()) db.prepare('insert into budgets (id, name, tags, created_at, updated_at, archived) values (?, ?, ?, ?, ?, 0)').run(id, `bench-${i}`, '[]', START, START)

  const insertRecord = db.prepare(`insert into usage_records (id, timestamp, budget_id, context_id, provider, model, component, task_type,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, reasoning_tokens, cost_nano, price_version, metadata, created_at)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, '{}', ?)`)
  const insertHourly = db.prepare(`insert into usage_hourly values (?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?)`)
  const insertQuarter = db.prepare(`insert into usage_quarter_hourly values (?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?)`)

  const rand = random(42)
  const perHour = RECORDS / (DAYS * 24)
  const sessions = []
  let sessionSeq = 0
  const newSession = () => ({
    id: `session-${(sessionSeq++).toString(36)}`,
    budget: BUDGETS[Math.floor(rand() * BUDGETS.length)],
    component: COMPONENTS[Math.floor(rand() * COMPONENTS.length)],
    task: TASKS[Math.floor(rand() * TASKS.length)],
    model: MODELS[Math.floor(rand() * MODELS.length)],
    calls: 50 + Math.floor(rand() * 100),
  })
  for (let i = 0; i < 40; i++) sessions.push(newSession())

  const add = (map, key, r) => {
    let sums = map.get(key)
    if (!sums) map.set(key, (sums = [0, 0, 0, 0, 0, 0, 0, 0]))
    sums[0] += 1
    sums[1] += r.input
    sums[2] += r.output
    sums[3] += r.cacheRead
    sums[4] += r.cacheWrite
    sums[5] += r.reasoning
    sums[6] += r.cost ?? 0
    sums[7] += r.cost === null ? 1 : 0
  }

  const started = performance.now()
  let written = 0
  const hourCount = DAYS * 24
  const flushHour = db.transaction((hour, records) => {
    const hourly = new Map()
    const quarters = new Map()
    for (const r of records) {
      insertRecord.run(r.id, r.timestamp, r.budget, r.context, r.provider, r.model, r.component, r.task, r.input, r.output, r.cacheRead, r.cacheWrite, r.reasoning, r.cost, r.cost === null ? null : 'bench', r.timestamp)
      add(hourly, [r.budget, r.provider, r.model, r.component, r.task].join('\u0000'), r)
      add(quarters, [Math.floor(r.timestamp / QUARTER) * QUARTER, r.budget, r.provider, r.model, r.component, r.task, r.context].join('\u0000'), r)
    }
    for (const [key, s] of hourly) insertHourly.run(hour, ...key.split('\u0000'), ...s)
    for (const [key, s] of quarters) {
      const [quarter, ...rest] = key.split('\u0000')
      insertQuarter.run(Number(quarter), ...rest.slice(0, 5), rest[5], ...s)
    }
  })
  for (let h = 0; h < hourCount; h++) {
    const hour = START + h * HOUR
    const count = Math.round(perHour * (h + 1)) - Math.round(perHour * h)
    const records = []
    for (let i = 0; i < count; i++) {
      const slot = Math.floor(rand() * sessions.length)
      const session = sessions[slot]
      if (--session.calls <= 0) sessions[slot] = newSession()
      const [provider, model, inPrice, outPrice] = rand() < 0.9 ? session.model : MODELS[Math.floor(rand() * MODELS.length)]
      const input = 200 + Math.floor(rand() * 4_000)
      const output = 50 + Math.floor(rand() * 1_500)
      const cacheRead = rand() < 0.5 ? Math.floor(rand() * 20_000) : 0
      const timestamp = hour + Math.floor((i * HOUR) / count)
      records.push({
        id: `use_${(written + i).toString(16).padStart(12, '0')}`,
        timestamp,
        budget: session.budget,
        context: session.id,
        provider,
        model,
        component: session.component,
        task: session.task,
        input,
        output,
        cacheRead,
        cacheWrite: 0,
        reasoning: 0,
        cost: inPrice === null ? null : Math.round((input * inPrice + output * outPrice + cacheRead * (inPrice / 10)) / 1e6),
      })
    }
    flushHour(hour, records)
    written += count
    if (h % 240 === 0) log(`  generated ${written.toLocaleString('en-US')} records (${seconds(performance.now() - started)})`)
  }
  log(`  indexing…`)
  db.exec('create index usage_time on usage_records (timestamp, id)')
  db.exec('create index usage_budget_time on usage_records (budget_id, timestamp)')
  db.exec('create index usage_context on usage_records (context_id)')
  db.exec('analyze')
  db.close()
  writeFileSync(marker, String(RECORDS))
  log(`  store built in ${seconds(performance.now() - started)}`)
  return file
}

function tableSizes(file) {
  const db = new Database(file, { readonly: true })
  const count = (table) => db.prepare(`select count(*) as n from ${table}`).get().n
  const sizes = { records: count('usage_records'), hourly: count('usage_hourly'), quarterHourly: count('usage_quarter_hourly'), bytes: statSync(file).size }
  db.close()
  return sizes
}

/** A writable that counts what it is given and keeps nothing. */
function sink() {
  let bytes = 0
  return {
    // Completes each write on a later turn of the event loop, as a file or socket does.
    stream: new Writable({
      write(chunk, _encoding, done) {
        bytes += chunk.length
        setImmediate(done)
      },
    }),
    bytes: () => bytes,
  }
}

/** Peak heap and RSS of this process while `run` runs, next to where they started (after a GC when --expose-gc). */
async function peakMemory(run) {
  globalThis.gc?.()
  const before = process.memoryUsage()
  let heap = before.heapUsed
  let rss = before.rss
  const timer = setInterval(() => {
    const now = process.memoryUsage()
    heap = Math.max(heap, now.heapUsed)
    rss = Math.max(rss, now.rss)
  }, 50)
  try {
    await run()
  } finally {
    clearInterval(timer)
  }
  const mb = (n) => Math.round(n / 1048576)
  return `heap ${mb(before.heapUsed)} → peak ${mb(heap)} MB, RSS ${mb(before.rss)} → peak ${mb(rss)} MB`
}

async function startServer(dataDir) {
  const child = spawn(process.execPath, [join(here, 'server.js'), 'normal', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] })
  const { value: line } = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next()
  return {
    url: line.trim(),
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
    },
  }
}

function rssOf(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024
  } catch {
    return 0
  }
}

log(`building or reusing the store in ${DIR}`)
const file = await buildStore()
const sizes = tableSizes(file)
log(`  ${sizes.records.toLocaleString('en-US')} records, ${sizes.hourly.toLocaleString('en-US')} hourly rows, ${sizes.quarterHourly.toLocaleString('en-US')} 15-minute rows, ${(sizes.bytes / 1e9).toFixed(2)} GB`)

const { engine, store, close } = await openEngine({ databaseUrl: `sqlite:${file}`, now: () => START + DAYS * 24 * HOUR })
const query = { granularity: 'day', groupBy: ['model'], limit: 10_000 }

// Warm the page cache for both sides alike, then time each a few times.
await engine.usageReport(query)
const reportMs = []
let reportRows = 0
for (let i = 0; i < 5; i++) {
  const t0 = performance.now()
  reportRows = (await engine.usageReport(query)).rows.length
  reportMs.push(performance.now() - t0)
}
const rawQuery = sql`select ("timestamp" / 86400000) * 86400000 as day, model, count(*) as requests, sum(input_tokens), sum(output_tokens),
  sum(cache_read_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(coalesce(cost_nano, 0)), sum(case when cost_nano is null then 1 else 0 end)
  from usage_records group by 1, 2 order by 1, 2`
const rawMs = []
let rawRows = 0
for (let i = 0; i < 3; i++) {
  const t0 = performance.now()
  rawRows = (await rawQuery.execute(store.db)).rows.length
  rawMs.push(performance.now() - t0)
}
log(`  report: ${reportRows} rows in ${median(reportMs).toFixed(0)} ms (rollups) vs ${rawRows} rows in ${median(rawMs).toFixed(0)} ms (raw)`)

// Exports: the newest EXPORT_ROWS records.
const raw = new Database(file, { readonly: true })
const boundary = raw.prepare('select "timestamp" from usage_records order by "timestamp" desc, id desc limit 1 offset ?').get(EXPORT_ROWS - 1).timestamp
const fromIso = new Date(boundary).toISOString()
let t0 = performance.now()
let rawCount = 0
for (const _row of raw.prepare('select * from usage_records where "timestamp" >= ? order by "timestamp" desc, id desc').iterate(boundary)) rawCount++
const rawExportS = (performance.now() - t0) / 1000
raw.close()

const out = sink()
let engineCount = 0
async function* counted() {
  for await (const record of engine.streamUsage({ from: fromIso, limit: 100 })) {
    engineCount++
    yield record
  }
}
t0 = performance.now()
const engineMemory = await peakMemory(() => pipeline(exportStream(counted(), 'csv', USAGE_RECORD_COLUMNS), out.stream))
const engineExportS = (performance.now() - t0) / 1000
log(`  export: ${engineCount.toLocaleString('en-US')} records as CSV in ${seconds(engineExportS * 1000)} (${(out.bytes() / 1e6).toFixed(0)} MB), raw iterate ${seconds(rawExportS * 1000)}; ${engineMemory}`)
await close()

/** Downloads the newest `rows` records as CSV from the server; seconds, rows, and the server's peak RSS meanwhile. */
async function httpExport(server, rows) {
  const db = new Database(file, { readonly: true })
  const from = new Date(db.prepare('select "timestamp" from usage_records order by "timestamp" desc, id desc limit 1 offset ?').get(rows - 1).timestamp).toISOString()
  db.close()
  let peak = rssOf(server.pid)
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(server.pid))), 50)
  const started = performance.now()
  const response = await fetch(`${server.url}/api/v1/usage?format=csv&from=${encodeURIComponent(from)}`)
  let lines = 0
  for await (const chunk of response.body) for (const byte of chunk) if (byte === 10) lines++
  clearInterval(timer)
  return { seconds: (performance.now() - started) / 1000, rows: lines - 1, peakRssMb: Math.round(peak) }
}

const server = await startServer(DIR)
const idleRssMb = Math.round(rssOf(server.pid))
const small = await httpExport(server, Math.ceil(EXPORT_ROWS / 4))
const http = await httpExport(server, EXPORT_ROWS)
await server.stop()
const httpRows = http.rows
const httpExportS = http.seconds
const serverMemory = `server RSS ${idleRssMb} MB idle, peak ${small.peakRssMb} MB exporting ${small.rows.toLocaleString('en-US')} rows, ${http.peakRssMb} MB exporting ${http.rows.toLocaleString('en-US')}`
log(`  HTTP export: ${httpRows.toLocaleString('en-US')} records in ${seconds(httpExportS * 1000)}; ${serverMemory}`)

const perS = (n, s) => `${Math.round(n / s).toLocaleString('en-US')} rows/s`
const rows = [
  [`usage report, day × model, ${sizes.records.toLocaleString('en-US')} records: GROUP BY on raw records (reference)`, `${median(rawMs).toFixed(0)} ms`, `${rawRows} rows, median of 3`, '1.00'],
  [`same report from the rollups (${sizes.hourly.toLocaleString('en-US')} hourly rows)`, `${median(reportMs).toFixed(1)} ms`, `${reportRows} rows, median of 5`, (median(reportMs) / median(rawMs)).toFixed(4)],
  [`raw better-sqlite3 iterate of the newest ${rawCount.toLocaleString('en-US')} records (reference)`, perS(rawCount, rawExportS), 'no formatting', '1.00'],
  ['CSV export of the same records, engine stream', perS(engineCount, engineExportS), engineMemory, (engineCount / engineExportS / (rawCount / rawExportS)).toFixed(3)],
  ['CSV export of the same records over HTTP (GET /usage?format=csv)', perS(httpRows, httpExportS), serverMemory, (httpRows / httpExportS / (rawCount / rawExportS)).toFixed(3)],
]
const table = ['| measure | figure | notes | ratio to its reference |', '|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
console.log(table)
const section = `\n## Reports ${new Date().toISOString().slice(0, 16)}Z — node ${process.version}, ${sizes.records.toLocaleString('en-US')} records (${sizes.hourly.toLocaleString('en-US')} hourly, ${sizes.quarterHourly.toLocaleString('en-US')} 15-minute rollup rows, ${(sizes.bytes / 1e9).toFixed(2)} GB SQLite)\n\n${table}\n\nReport ratio: rollup latency ÷ raw latency (lower is better). Export ratios: rows/s ÷ raw iterate rows/s.\n`
if (process.env.BENCH_RECORD !== '0') appendFileSync(join(here, 'RESULTS.md'), section)
