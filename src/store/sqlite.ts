/**
 * SQLite connection set-up: WAL, busy timeout, durability level, and write transactions
 * that take the write lock at BEGIN so that concurrent processes queue instead of failing.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { CompiledQuery, type DatabaseConnection, SqliteDialect, SqliteDriver, type Driver } from 'kysely'
import type { DialectTraits } from './dialect.js'
import { deleteUsageBefore } from './usage.js'

export type Durability = 'normal' | 'strict'

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly database: Database.Database) {
    super({ database })
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.database })
  }
}

export const sqliteTraits: DialectTraits = {
  name: 'sqlite',
  // One writer at a time holds the whole database: writes that arrive together share one
  // transaction and its fsync.
  groupCommit: true,
  locksBudgets: false,
  // Write transactions BEGIN IMMEDIATE (the write lock is taken at once) and every
  // connection sets busy_timeout, so a CLI process beside a running server waits its
  // turn instead of failing with SQLITE_BUSY. That lock already covers every budget.
  async lockBudgets() {},
  // With the write lock taken at BEGIN, a transaction never deadlocks or loses a race.
  isRetryable: () => false,
  async prepareUsage() {},
  async dropUsageBefore(db, cutoffMs) {
    await deleteUsageBefore(db, cutoffMs)
    return cutoffMs
  },
}

/** Opens (creating when needed) the SQLite file; ':memory:' gives a private in-memory database. */
export function openSqlite(file: string, durability: Durability): ImmediateSqliteDialect {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const database = new Database(file)
  database.pragma('journal_mode = WAL')
  // NORMAL in WAL mode: a committed transaction survives a crash of the process; FULL also
  // survives a power loss, at one fsync per commit.
  database.pragma(`synchronous = ${durability === 'strict' ? 'FULL' : 'NORMAL'}`)
  database.pragma('busy_timeout = 10000')
  database.pragma('foreign_keys = ON')
  database.defaultSafeIntegers(false)
  cachePreparedStatements(database)
  return new ImmediateSqliteDialect(database)
}

const STATEMENT_CACHE_LIMIT = 500

/**
 * Kysely prepares every query anew; preparing costs as much as running a small query, and
 * the hot path runs the same few statements over and over. better-sqlite3 runs a
 * statement to completion synchronously, so one prepared statement can serve every caller.
 */
function cachePreparedStatements(database: Database.Database): void {
  const prepare = database.prepare.bind(database)
  const cache = new Map<string, Database.Statement>()
  database.prepare = ((source: string) => {
    let statement = cache.get(source)
    if (statement === undefined) {
      statement = prepare(source)
      if (cache.size >= STATEMENT_CACHE_LIMIT) cache.clear()
      cache.set(source, statement)
    }
    return statement
  }) as typeof database.prepare
}
