// A server for the benchmark, in its own process so that autocannon and the server don't
// share one event loop. `hello` is the reference: bare Fastify answering {ok:true}.
import Fastify from 'fastify'
import { loadConfig } from '../dist/config.js'
import { startServer } from '../dist/api/server.js'

const [kind, dataDir, databaseUrl] = process.argv.slice(2)

if (kind === 'hello') {
  const app = Fastify()
  app.get('/', async () => ({ ok: true }))
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  process.stdout.write(`${url}\n`)
} else {
  const env = {
    BUDGET_DATA_DIR: dataDir,
    BUDGET_PORT: '0',
    BUDGET_LOG_LEVEL: 'warn',
    BUDGET_RATE_LIMIT_PER_MINUTE: '0',
    BUDGET_DURABILITY: kind === 'strict' ? 'strict' : 'normal',
    ...(databaseUrl && { BUDGET_DATABASE_URL: databaseUrl }),
  }
  const server = await startServer(loadConfig({ env }))
  process.stdout.write(`${server.url}\n`)
  process.once('SIGTERM', () => server.close().then(() => process.exit(0)))
}
