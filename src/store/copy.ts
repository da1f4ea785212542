/**
 * Copies one store into another — typically the embedded SQLite file into PostgreSQL when
 * a team outgrows one process — and proves the copy: every table's row count and the sums
 * of its token and money columns must match the source's, or nothing is written.
 *
 * Rows are copied as stored (rollups, window counters and holds included), never replayed
 * through the engine, so the copy needs no pricing and keeps every cost and price version
 * exactly. The whole copy is one transaction on the target: a failure, a mismatch or a
 * source that changed underneath leaves the target as it was. Sums are compared as text
 * because a year of nano-USD can exceed what a JS number holds exactly.
 */
import { type Kysely, sql, type Transaction } from 'kysely'
import { conflict } from '../domain/errors.js'
import { BUILT_IN_CHANNEL_ID } from './alerts-migration.js'
import { monthStart, nextMonth } from './partitions.js'
import { ROLLUP_SUMS } from './rollup-upsert.js'
import type { DB } from './schema.js'
import type { Store } from './store.js'

interface TableSpec {
  table: keyof DB
  /** The primary key, which pages are read in the order of. */
  key: readonly string[]
  /** Integer columns whose sums must match after the copy. */
  sums: readonly string[]
}

/** Every table, parents before children (policies and channels reference budgets). */
export const COPIED_TABLES: readonly TableSpec[] = [
  { table: 'budgets', key: ['id'], sums: [] },
  { table: 'policies', key: ['id'], sums: ['tokenLimit', 'costLimitNano'] },
  { table: 'reservations', key: ['id'], sums: ['tokensReserved', 'costReservedNano', 'tokensUsed', 'costUsedNano'] },
  { table: 'reservationHolds', key: ['reservationId', 'policyId'], sums: ['tokens', 'costNano'] },
  { table: 'usageIds', key: ['id'], sums: [] },
  {
    table: 'usageRecords',
    key: ['id'],
    sums: ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'cacheWrite1hTokens', 'reasoningTokens', 'costNano'],
  },
  { table: 'usageHourly', key: ['hourStart', 'budgetId', 'provider', 'model', 'component', 'taskType', 'tier'], sums: ROLLUP_SUMS },
  { table: 'usageQuarterHourly', key: ['quarterStart', 'budgetId', 'provider', 'model', 'component', 'taskType', 'tier', 'contextId'], sums: ROLLUP_SUMS },
  { table: 'policyUsage', key: ['policyId', 'scopeKey', 'bucketStart'], sums: ['tokens', 'costNano'] },
  { table: 'apiKeys', key: ['id'], sums: [] },
  { table: 'modelPrices', key: ['version'], sums: ['inputNano', 'outputNano', 'cacheReadNano', 'cacheWriteNano', 'cacheWrite1hNano'] },
  { table: 'meta', key: ['key'], sums: [] },
  { table: 'alertChannels', key: ['id'], sums: [] },
  { table: 'alerts', key: ['id'], sums: ['value', 'limitValue'] },
  { table: 'alertDeliveries', key: ['id'], sums: ['attempt'] },
  { table: 'compatAllocations', key: ['id'], sums: ['tokensAllocated', 'tokensUsed'] },
  { table: 'priceSources', key: ['id'], sums: ['observationCount'] },
  { table: 'priceObservations', key: ['sourceId', 'provider', 'model'], sums: ['inputNano', 'outputNano'] },
  { table: 'priceChanges', key: ['id'], sums: [] },
]

/**
 * What a service writes by itself on its first start (the bundled catalog, the price
 * sources, their refreshes): a target that holds only these and the built-in channel is
 * still empty, and gets the source's instead.
 */
const CATALOG_TABLES = new Set<keyof DB>(['modelPrices', 'meta', 'priceSources', 'priceObservations', 'priceChanges'])

/** SQLite allows 32,766 bound parameters a statement, PostgreSQL 65,535. */
const MAX_PARAMETERS = 30_000

export interface TableTally {
  table: string
  rows: number
  /** Column → exact sum as a decimal string ('0' for no rows). */
  sums: Record<string, string>
}

export interface CopyProgress {
  table: string
  /** Rows copied so far, over all tables, and how many there are. */
  done: number
  total: number
}

export interface CopyOptions {
  /** Rows read and written at a time (fewer for tables with many columns). */
  batchSize?: number
  /** Count and check the target without writing. */
  dryRun?: boolean
  onProgress?: (progress: CopyProgress) => void
}

export interface CopyReport {
  dryRun: boolean
  tables: TableTally[]
  rows: number
  /** Price catalog rows the target had (a service started on it) that the source's replaced. */
  replacedRows: number
  verified: boolean
}

type AnyDb = Kysely<Record<string, Record<string, unknown>>>
type AnyExecutor = AnyDb | Transaction<Record<string, Record<string, unknown>>>

export async function copyStore(source: Store, target: Store, options: CopyOptions = {}): Promise<CopyReport> {
  // The copy treats every table alike: rows as plain records, columns by name.
  const from = source.db as unknown as AnyDb
  const to = target.db as unknown as AnyDb
  const expected = await tallyAll(from)
  const occupied = await dataOf(to)
  if (occupied.length > 0) {
    throw conflict(`the target already holds data (${occupied.map((t) => `${t.table}: ${t.rows}`).join(', ')}); copy into an empty database`, {
      tables: Object.fromEntries(occupied.map((t) => [t.table, t.rows])),
    })
  }
  const rows = expected.reduce((n, t) => n + t.rows, 0)
  const replacedRows = (await tallyAll(to)).filter((t) => CATALOG_TABLES.has(t.table as keyof DB)).reduce((n, t) => n + t.rows, 0)
  if (options.dryRun) return { dryRun: true, tables: expected, rows, replacedRows, verified: false }

  await prepareUsagePartitions(source, target)
  await to.transaction().execute(async (into) => {
    for (const spec of [...COPIED_TABLES].reverse()) await into.deleteFrom(spec.table).execute()
    let done = 0
    for (const spec of COPIED_TABLES) {
      done += await copyTable(from, into, spec, options.batchSize ?? 1_000, (copied) => options.onProgress?.({ table: spec.table, done: done + copied, total: rows }))
    }
    const changed = mismatches(expected, await tallyAll(from))
    if (changed.length > 0) throw conflict('the source changed while it was being copied: stop the services writing to it and run again; nothing was written', { changed })
    const copied = mismatches(expected, await tallyAll(into))
    if (copied.length > 0) throw conflict('the copy does not match the source; nothing was written', { mismatches: copied })
  })
  return { dryRun: false, tables: expected, rows, replacedRows, verified: true }
}

/** Copies one table page by page, in key order; returns how many rows it copied. */
async function copyTable(from: AnyDb, into: AnyExecutor, spec: TableSpec, batchSize: number, onRows: (copied: number) => void): Promise<number> {
  let copied = 0
  let last: Record<string, unknown> | undefined
  for (;;) {
    const page = await readPage(from, spec, last, batchSize)
    if (page.length === 0) return copied
    const columns = Object.keys(page[0]!).length
    const chunk = Math.max(1, Math.floor(MAX_PARAMETERS / columns))
    for (let i = 0; i < page.length; i += chunk) await into.insertInto(spec.table).values(page.slice(i, i + chunk)).execute()
    copied += page.length
    onRows(copied)
    last = page.at(-1)
  }
}

function readPage(from: AnyDb, spec: TableSpec, after: Record<string, unknown> | undefined, limit: number) {
  let query = from.selectFrom(spec.table).selectAll()
  if (after !== undefined) {
    const keys = sql.join(spec.key.map((k) => sql.ref(k)))
    const values = sql.join(spec.key.map((k) => after[k]))
    query = query.where(sql<boolean>`(${keys}) > (${values})`)
  }
  for (const k of spec.key) query = query.orderBy(k)
  return query.limit(limit).execute()
}

/**
 * PostgreSQL keeps usage records in monthly partitions, made outside write transactions:
 * every month between the source's first and last record gets one before the copy starts.
 */
async function prepareUsagePartitions(source: Store, target: Store): Promise<void> {
  const span = await source.db
    .selectFrom('usageRecords')
    .select((eb) => [eb.fn.min('timestamp').as('first'), eb.fn.max('timestamp').as('last')])
    .executeTakeFirstOrThrow()
  if (span.first === null || span.last === null) return
  const months: number[] = []
  for (let month = monthStart(Number(span.first)); month <= Number(span.last); month = nextMonth(month)) months.push(month)
  await target.traits.prepareUsage(target.db, months)
}

/** The tables holding rows other than those every store starts with, and how many. */
async function dataOf(db: AnyDb): Promise<{ table: string; rows: number }[]> {
  const occupied: { table: string; rows: number }[] = []
  for (const { table } of COPIED_TABLES) {
    if (CATALOG_TABLES.has(table)) continue
    let query = db.selectFrom(table).select(sql<number | string>`count(*)`.as('rows'))
    if (table === 'alertChannels') query = query.where('id', '!=', BUILT_IN_CHANNEL_ID)
    const rows = Number((await query.executeTakeFirstOrThrow()).rows)
    if (rows > 0) occupied.push({ table, rows })
  }
  return occupied
}

async function tallyAll(db: AnyExecutor): Promise<TableTally[]> {
  const tallies: TableTally[] = []
  for (const spec of COPIED_TABLES) tallies.push(await tally(db, spec))
  return tallies
}

async function tally(db: AnyExecutor, spec: TableSpec): Promise<TableTally> {
  const row = await db
    .selectFrom(spec.table)
    .select([sql<number | string>`count(*)`.as('rows'), ...spec.sums.map((c) => sql<string | null>`cast(sum(${sql.ref(c)}) as text)`.as(c))])
    .executeTakeFirstOrThrow()
  const sums = Object.fromEntries(spec.sums.map((c) => [c, (row[c] as string | null) ?? '0']))
  return { table: spec.table, rows: Number(row.rows), sums }
}

interface Mismatch {
  table: string
  expected: TableTally
  actual: TableTally | undefined
}

/** Both lists follow COPIED_TABLES. */
function mismatches(expected: readonly TableTally[], actual: readonly TableTally[]): Mismatch[] {
  const same = (a: TableTally, b: TableTally | undefined) => b !== undefined && a.rows === b.rows && Object.entries(a.sums).every(([c, v]) => b.sums[c] === v)
  return expected.map((e, i) => ({ table: e.table, expected: e, actual: actual[i] })).filter((m) => !same(m.expected, m.actual))
}
