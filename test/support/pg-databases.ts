/**
 * Fresh PostgreSQL databases for tests, on the one embedded server that
 * pg-global-setup.ts starts for the whole run. Each database is a copy of a template that
 * already holds the schema and the bundled prices, so one costs a CREATE DATABASE (tens
 * of milliseconds), not a migration.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'

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
  drop(): Promise<void>
}

/** A new database copied from the migrated template; `drop` removes it. */
export async function aPostgresDatabase(): Promise<TestDatabase> {
  const pool = adminPool()
  const name = `budget_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await pool.query(`create database ${name} template ${inject('pgTemplate')}`)
  const url = new URL(inject('pgAdminUrl'))
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      await pool.query(`drop database if exists ${name} with (force)`)
    },
  }
}
