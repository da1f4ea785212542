/**
 * Runs the service: opens the engine, refuses an unprotected public address, listens,
 * and shuts down cleanly on SIGTERM/SIGINT (stop accepting, finish in-flight requests,
 * flush queued writes, close the store, exit 0).
 */
import type { FastifyInstance } from 'fastify'
import { type Config, isLoopback } from '../config.js'
import { type OpenEngine, openEngine } from '../engine/engine.js'
import { type PriceSchedule, schedulePriceRefresh } from '../pricing/schedule.js'
import { buildApp } from './app.js'
import { type Hermes, registerWithHermes } from './hermes.js'

export interface RunningServer {
  app: FastifyInstance
  engine: OpenEngine
  url: string
  close(): Promise<void>
}

export class InsecureHostError extends Error {
  override readonly name = 'InsecureHostError'
}

export async function startServer(config: Config): Promise<RunningServer> {
  // The store's background tasks start before the app (and its logger) exist.
  const late: { app?: FastifyInstance } = {}
  const opened = await openEngine({
    databaseUrl: config.databaseUrl,
    durability: config.durability,
    timeZone: config.timezone,
    reservationTtlSeconds: config.reservationTtlSeconds,
    retentionDays: config.retentionDays,
    onStoreError: (error) => late.app?.log.error({ err: error }, 'store background task failed'),
    prices: { sources: config.priceSources, maxAutoChange: config.priceApprovalThreshold },
  })
  const loopback = isLoopback(config.host)
  if (!loopback && !config.insecure && !(await opened.engine.hasActiveKeys())) {
    await opened.close()
    throw new InsecureHostError(
      `refusing to listen on ${config.host} with no API key: create one first (budget keys create admin --role admin) or pass --insecure`,
    )
  }
  const app = await buildApp({
    engine: opened.engine,
    store: opened.store,
    openWithoutKeys: loopback || config.insecure,
    loopbackOnly: loopback,
    rateLimitPerMinute: config.rateLimitPerMinute,
    logLevel: config.logLevel,
    rhetor: {
      policy: config.rhetorBudgetPolicy,
      limits: { daily: config.rhetorBudgetDailyLimit, weekly: config.rhetorBudgetWeeklyLimit, monthly: config.rhetorBudgetMonthlyLimit },
    },
  })
  late.app = app
  let url: string
  try {
    url = await app.listen({ port: config.port, host: config.host })
  } catch (error) {
    await app.close()
    await opened.close()
    throw error
  }
  // Refreshes from the feeds on schedule; never at start-up (see pricing/schedule.ts).
  const prices: PriceSchedule = schedulePriceRefresh(opened.engine.prices, {
    cron: config.priceRefresh,
    onReport: (report) => app.log.info({ summary: report.summary }, 'prices refreshed'),
    onError: (error) => app.log.error({ err: error }, 'price refresh failed'),
  })
  // Deliveries a previous run left waiting for a retry go out again.
  opened.engine.alerts.resumeDeliveries().then(
    (resumed) => resumed > 0 && app.log.info({ resumed }, 'alert deliveries resumed'),
    (error: unknown) => app.log.error({ err: error }, 'resuming alert deliveries failed'),
  )
  const hermes: Hermes | null = config.hermesUrl ? registerWithHermes(config.hermesUrl, url, app.log, { heartbeatMs: config.hermesHeartbeatSeconds * 1000 }) : null

  let closing: Promise<void> | null = null
  const close = () => {
    closing ??= (async () => {
      prices.stop()
      await hermes?.stop()
      await app.close()
      await opened.close()
    })()
    return closing
  }
  return { app, engine: opened, url, close }
}

/** Closes the server on SIGTERM or SIGINT and exits 0 once everything is flushed. */
export function closeOnSignals(server: RunningServer): void {
  const stop = (signal: string) => {
    server.app.log.info({ signal }, 'shutting down')
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
}
