/**
 * PostgreSQL databases for tests, on the one embedded server that pg-global-setup.ts
 * starts for the whole run. A test gets a database of its own: a copy of a template that
 * already holds the schema and the bundled prices, or — much cheaper than CREATE DATABASE
 * on a busy machine — one an earlier test of the same worker gave back and that was
 * emptied to exactly the template's state.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'
import { EMPTY_TABLE, fingerprintSql, TABLE_LIST_SQL } from './pg-config.js'

export { STORE_KINDS, type StoreKind } from './pg-config.js'

let admin: pg.Pool | undefined

function adminPool(): pg.Pool {
  const url = inject('pgAdminUrl')
  if (!url) throw new Error('no PostgreSQL server in this test run: is test/support/pg-global-setup.ts in vitest.config.ts globalSetup?')
  admin ??= new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 1_000, allowExitOnIdle: true })
  return admin
}

export interface TestDatabase {
  url: string
  /** Gives the database back: emptied of the test's rows for the next test, or dropped. */
  drop(): Promise<void>
}

/** Emptied databases of this worker, ready for the next test. */
const recycled: string[] = []

function urlOf(name: string): string {
  const url = new URL(inject('pgAdminUrl'))
  url.pathname = `/${name}`
  return url.toString()
}

/**
 * A database of its own for one test: copied from the migrated template, or, faster, one
 * an earlier test of this worker gave back exactly as the template was.
 */
export async function aPostgresDatabase(): Promise<TestDatabase> {
  let name = recycled.pop()
  if (name === undefined) {
    name = `budget_test_${process.pid}_${randomBytes(4).toString('hex')}`
    await adminPool().query(`create database ${name} template ${inject('pgTemplate')}`)
  }
  const database = name
  return {
    url: urlOf(database),
    async drop() {
      if (await resetToTemplate(database)) recycled.push(database)
      else await adminPool().query(`drop database if exists ${database} with (force)`)
    },
  }
}

/**
 * Empties the tables that are empty in the template. Says false — the database must go —
 * when the test changed anything else: a table the template fills (prices, seeded rows,
 * the migrations' records) or the set of tables.
 */
async function resetToTemplate(database: string): Promise<boolean> {
  const template = inject('pgTemplateTables')
  const client = new pg.Client({ connectionString: urlOf(database) })
  await client.connect()
  try {
    const tables = (await client.query<{ name: string }>(TABLE_LIST_SQL)).rows.map((r) => r.name)
    if (tables.join() !== Object.keys(template).sort().join()) return false
    const filled = tables.filter((t) => template[t] !== EMPTY_TABLE)
    const prints = filled.length === 0 ? [] : (await client.query<{ name: string; print: string }>(fingerprintSql(filled))).rows
    if (prints.some((p) => template[p.name] !== p.print)) return false
    await client.query(tables.filter((t) => template[t] === EMPTY_TABLE).map((t) => `delete from "${t}";`).join('\n'))
    return true
  } finally {
    await client.end()
  }
}

/** A database with nothing in it, not even the schema: for tests of migrating itself. */
export async function anEmptyPostgresDatabase(): Promise<TestDatabase> {
  const name = `budget_empty_${process.pid}_${randomBytes(4).toString('hex')}`
  await adminPool().query(`create database ${name}`)
  return {
    url: urlOf(name),
    async drop() {
      await adminPool().query(`drop database if exists ${name} with (force)`)
    },
  }
}
