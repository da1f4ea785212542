/**
 * `budget watch`: streams live events from a running service (`/ws`) — usage as it is
 * recorded, checks and reservations, alerts, price updates — until Ctrl-C, or until
 * `--count` events have arrived. Reconnects by itself when the service restarts.
 *
 * Needs a service: --server / BUDGET_SERVER, else the local one at the configured host
 * and port. With --json, stdout is one JSON message per line.
 */
import type { Command } from 'commander'
import { z } from 'zod'
import type { LiveEvent } from '../../client/ws.js'
import { LiveTopic } from '../../domain/ws-message.js'
import { type Cli, EXIT } from '../context.js'
import { collect, integer, validate } from '../flags.js'
import { count, type Output, usd } from '../output.js'
import { configFrom } from '../service.js'

interface WatchFlags {
  topics?: string[]
  budget?: string
  count?: number
}

export function registerWatch(program: Command, cli: Cli): void {
  program
    .command('watch')
    .description('Stream live events (usage, checks, alerts, prices) from a running service')
    .option('--topics <topics>', `comma list of ${LiveTopic.options.join(', ')} (default: all)`, collect)
    .option('--budget <budget>', 'only events of this budget (id or name)')
    .option('--count <n>', 'stop after this many events', integer)
    .addHelpText(
      'after',
      `
Talks to --server (env BUDGET_SERVER), or to the local service at BUDGET_HOST:BUDGET_PORT.
Runs until Ctrl-C; reconnects and resubscribes when the service restarts.
With --json, every event is one line of JSON: {type, topic, payload, timestamp}.

Examples:
  $ budget watch
  $ budget watch --topics usage,budget_alerts --budget research
  $ budget --server http://budget.internal:8013 --api-key $KEY watch --json | jq .payload`,
    )
    .action(
      cli.action(async ({ globals, out }, flags: WatchFlags) => {
        const topics = validate(z.array(LiveTopic).min(1), flags.topics ?? [...LiveTopic.options], { '': '--topics' }, 'topics')
        const config = configFrom(globals)
        const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
        const baseUrl = config.server ?? `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`
        cli.exitCode = await watch(out, { baseUrl, apiKey: config.apiKey, topics, budget: flags.budget, count: flags.count })
      }),
    )
}

interface WatchOptions {
  baseUrl: string
  apiKey: string | undefined
  topics: LiveTopic[]
  budget: string | undefined
  count: number | undefined
}

/** Resolves with the exit code: 0 after Ctrl-C or --count events, 1 when the server refuses. */
async function watch(out: Output, options: WatchOptions): Promise<number> {
  const { LiveEvents } = await import('../../client/ws.js')
  const live = new LiveEvents({ baseUrl: options.baseUrl, ...(options.apiKey !== undefined && { apiKey: options.apiKey }) })
  let seen = 0
  const code = await new Promise<number>((resolve) => {
    const stop = (code: number) => () => resolve(code)
    process.once('SIGINT', stop(EXIT.ok))
    process.once('SIGTERM', stop(EXIT.ok))
    live.on('open', ({ reconnected }) => out.note(`${reconnected ? 'reconnected to' : 'watching'} ${options.baseUrl} (${options.topics.join(', ')}${options.budget ? `; budget ${options.budget}` : ''}); Ctrl-C stops`))
    live.on('reconnecting', ({ delayMs, error }) => out.note(`connection lost${error ? ` (${error})` : ''}; retrying in ${(delayMs / 1000).toFixed(1)} s`))
    live.on('reply', (reply) => {
      if (reply.type !== 'error') return
      const { code, message, details } = reply.payload as { code: string; message: string; details?: Record<string, unknown> }
      out.error(message, code, details ?? {})
      resolve(EXIT.error)
    })
    live.on('event', (event) => {
      if (out.json) process.stdout.write(`${JSON.stringify(event)}\n`)
      else process.stdout.write(`${eventLine(out, event)}\n`)
      seen += 1
      if (options.count !== undefined && seen >= options.count) resolve(EXIT.ok)
    })
    live.subscribe(options.topics, options.budget)
    void live.connect()
  })
  await live.close()
  return code
}

/** One line per event, for people: time, type, budget, and what happened. */
export function eventLine(out: Output, event: LiveEvent): string {
  const time = out.color.dim(event.timestamp.slice(11, 19))
  const p = (event.payload ?? {}) as Record<string, unknown>
  const type = event.type.padEnd(20)
  switch (event.type) {
    case 'usage.recorded': {
      const tokens = ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens'].reduce((sum, key) => sum + Number(p[key] ?? 0), 0)
      return `${time} ${type} ${out.id(p.budgetId as string | null)}  ${String(p.provider)}/${String(p.model)}  ${count(tokens)} tokens  ${p.unpriced ? 'unpriced' : usd(p.costUsd as number)}`
    }
    case 'usage.batch':
      return `${time} ${type} ${count(p.accepted as number)} records${Array.isArray(p.budgetIds) && p.budgetIds.length > 0 ? ` for ${p.budgetIds.map((id) => out.id(id as string)).join(', ')}` : ''}`
    case 'budget.check': {
      const reservation = p.reservation as { id: string; tokensReserved: number } | null
      return `${time} ${type} ${out.status(String(p.action))}${reservation ? `  reserved ${count(reservation.tokensReserved)} tokens (${out.id(reservation.id)})` : ''}${Array.isArray(p.reasons) && p.reasons.length > 0 ? `  ${String(p.reasons[0])}` : ''}`
    }
    case 'reservation.released':
      return `${time} ${type} ${out.id(p.id as string)}  ${out.id(p.budgetId as string | null)}`
    case 'alert.raised':
    case 'alert.test': {
      const severity = String(p.severity)
      const paint = severity === 'critical' ? out.color.red : severity === 'warning' ? out.color.yellow : (s: string) => s
      return `${time} ${type} ${paint(`${String(p.type)} (${severity})`)}  ${String(p.message)}`
    }
    default:
      return `${time} ${type} ${JSON.stringify(event.payload)}`
  }
}
