/**
 * Opens the configured database — embedded SQLite (`sqlite:<path>`) or PostgreSQL
 * (`postgres://…`) — brings its schema up to date and hands out the one Kysely instance,
 * the dialect traits and the write queue. Everything above this file is the same on both
 * engines.
 */
import { CamelCasePlugin, type Dialect, Kysely } from 'kysely'
import { isPostgresUrl, isSqliteUrl, sqlitePath } from './database-url.js'
import type { DialectTraits } from './dialect.js'
import { migrateToLatest } from './migrations.js'
import { type Retention, startRetention } from './retention.js'
import type { DB } from './schema.js'
import { type Durability, openSqlite, sqliteTraits } from './sqlite.js'
import { WriteQueue } from './write-queue.js'

export interface Store {
  readonly db: Kysely<DB>
  readonly traits: DialectTraits
  readonly writes: WriteQueue
  /** Raw-record retention; null when records are kept forever. */
  readonly retention: Retention | null
  close(): Promise<void>
}

export interface StoreOptions {
  databaseUrl: string
  durability?: Durability
  /** Days of raw usage records to keep; rollups are kept forever. Unset: keep everything. */
  retentionDays?: number
  /** PostgreSQL connections per instance. */
  poolSize?: number
  /** Where background failures (retention, idle connections) are reported. */
  onError?: (error: unknown) => void
  /** The clock retention measures age by. */
  now?: () => number
}

const MONTH_MS = 31 * 24 * 3_600_000

export async function openStore(options: StoreOptions): Promise<Store> {
  const { dialect, traits } = await connect(options)
  const db = new Kysely<DB>({ dialect, plugins: [new CamelCasePlugin({ underscoreBeforeDigits: true })] })
  try {
    await migrateToLatest(db as unknown as Kysely<unknown>, traits.name)
    // This month's and next month's partitions exist before the first write needs them.
    const now = Date.now()
    await traits.prepareUsage(db, [now, now + MONTH_MS])
  } catch (error) {
    await db.destroy()
    throw error
  }
  const writes = new WriteQueue(db, traits)
  const retention = options.retentionDays === undefined ? null : startRetention(db, traits, { days: options.retentionDays, now: options.now ?? Date.now, onError: options.onError ?? (() => {}) })
  return {
    db,
    traits,
    writes,
    retention,
    async close() {
      await retention?.stop()
      await writes.drain()
      await db.destroy()
    },
  }
}

/** The dialect of the URL's engine; pg is loaded only for PostgreSQL. */
async function connect(options: StoreOptions): Promise<{ dialect: Dialect; traits: DialectTraits }> {
  if (isSqliteUrl(options.databaseUrl)) {
    return { dialect: openSqlite(sqlitePath(options.databaseUrl), options.durability ?? 'normal'), traits: sqliteTraits }
  }
  if (isPostgresUrl(options.databaseUrl)) {
    const { createPostgresTraits, openPostgres } = await import('./postgres.js')
    const postgresOptions = options.onError === undefined ? { poolSize: options.poolSize } : { poolSize: options.poolSize, onError: options.onError }
    return { dialect: openPostgres(options.databaseUrl, postgresOptions).dialect, traits: createPostgresTraits() }
  }
  throw new Error(`unsupported database URL ${options.databaseUrl}: expected sqlite:<path> or postgres://…`)
}
