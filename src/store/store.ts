/**
 * Opens the configured database, brings its schema up to date and hands out the one
 * Kysely instance, the dialect traits and the group-commit write queue.
 */
import { CamelCasePlugin, Kysely } from 'kysely'
import { migrateToLatest } from './migrations.js'
import { sqliteTraits, type DialectTraits } from './dialect.js'
import type { DB } from './schema.js'
import { type Durability, openSqlite } from './sqlite.js'
import { WriteQueue } from './write-queue.js'

export interface Store {
  readonly db: Kysely<DB>
  readonly traits: DialectTraits
  readonly writes: WriteQueue
  close(): Promise<void>
}

export interface StoreOptions {
  databaseUrl: string
  durability?: Durability
}

/** `sqlite:<path>` or `sqlite::memory:`; see config.ts for how the default path is made. */
export function sqlitePath(databaseUrl: string): string {
  return databaseUrl.replace(/^sqlite:(\/\/)?/, '')
}

export async function openStore(options: StoreOptions): Promise<Store> {
  if (!options.databaseUrl.startsWith('sqlite:')) {
    throw new Error(`unsupported database URL ${options.databaseUrl}: expected sqlite:<path>`)
  }
  const dialect = openSqlite(sqlitePath(options.databaseUrl), options.durability ?? 'normal')
  const db = new Kysely<DB>({ dialect, plugins: [new CamelCasePlugin({ underscoreBeforeDigits: true })] })
  await migrateToLatest(db as unknown as Kysely<unknown>)
  const traits = sqliteTraits
  const writes = new WriteQueue(db, traits)
  return {
    db,
    traits,
    writes,
    async close() {
      await writes.drain()
      await db.destroy()
    },
  }
}
