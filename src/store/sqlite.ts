/**
 * SQLite connection set-up: WAL, busy timeout, durability level, and write transactions
 * that take the write lock at BEGIN so that concurrent processes queue instead of failing.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { CompiledQuery, type DatabaseConnection, SqliteDialect, SqliteDriver, type Driver } from 'kysely'

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
  return new ImmediateSqliteDialect(database)
}
