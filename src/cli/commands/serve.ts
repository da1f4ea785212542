/**
 * `budget serve`: runs the HTTP service (REST, docs, metrics) on the configured port
 * until SIGTERM or SIGINT, which finish in-flight requests, flush writes and exit 0.
 */
import type { Command } from 'commander'
import type { Cli } from '../context.js'
import { configFrom } from '../service.js'

interface ServeFlags {
  port?: string
  host?: string
  insecure?: boolean
}

export function registerServe(program: Command, cli: Cli): void {
  program
    .command('serve')
    .description('Run the Tekton Budget service (REST API, OpenAPI docs at /docs, /health, /metrics)')
    .option('--port <port>', 'port to listen on, 0 for any free one (env BUDGET_PORT, default 8013)')
    .option('--host <host>', 'address to listen on (env BUDGET_HOST, default 127.0.0.1)')
    .option('--insecure', 'listen on a non-loopback address even though no API key exists (env BUDGET_INSECURE)')
    .addHelpText(
      'after',
      `
Prints the URL it listens on, then runs until SIGTERM or SIGINT (Ctrl-C).
A non-loopback --host needs an API key first ("budget keys create admin --role admin"),
or --insecure.

Examples:
  $ budget serve
  $ budget serve --port 9000 --data-dir /var/lib/budget
  $ BUDGET_DATABASE_URL=sqlite:/srv/budget.db budget serve --host 0.0.0.0`,
    )
    .action(
      cli.action(async ({ globals, out }, flags: ServeFlags) => {
        const config = configFrom(globals, { port: flags.port, host: flags.host, insecure: flags.insecure })
        const { closeOnSignals, startServer } = await import('../../api/server.js')
        const server = await startServer(config)
        closeOnSignals(server)
        cli.keepAlive = true
        out.result({ url: server.url }, ({ url }) => `Tekton Budget listening on ${url} (docs at ${url}/docs; Ctrl-C stops)`)
      }),
    )
}
