/**
 * What a command talks to: the embedded engine over the local store (the default), or a
 * server through the typed client when `--server URL` or BUDGET_SERVER is given. Both are
 * a `BudgetService`, so commands never know which one they have.
 *
 * Every setting, the server and its key included, comes from config.ts. The engine and
 * the server module are imported only when needed, so `budget --help` stays quick.
 */
import type { BudgetClient } from '../client/client.js'
import type { BudgetService } from '../client/service.js'
import { type Config, type ConfigSources, loadConfig } from '../config.js'

export interface GlobalOptions {
  json?: boolean
  server?: string
  apiKey?: string
  debug?: boolean
  dataDir?: string
  databaseUrl?: string
  timezone?: string
  wide?: boolean
}

export type Session =
  | { mode: 'embedded'; service: BudgetService; config: Config; close(): Promise<void> }
  | { mode: 'server'; service: BudgetService; client: BudgetClient; config: Config; close(): Promise<void> }

/** Settings from flags > environment > config file; throws ConfigError naming the setting at fault. */
export function configFrom(globals: GlobalOptions, flags: ConfigSources['flags'] = {}): Config {
  return loadConfig({
    flags: { dataDir: globals.dataDir, databaseUrl: globals.databaseUrl, timezone: globals.timezone, server: globals.server, apiKey: globals.apiKey, ...flags },
  })
}

export async function openSession(globals: GlobalOptions): Promise<Session> {
  const config = configFrom(globals)
  if (config.server !== undefined) {
    const { BudgetClient } = await import('../client/client.js')
    const client = new BudgetClient({ baseUrl: config.server, ...(config.apiKey !== undefined && { apiKey: config.apiKey }) })
    const service: BudgetService = client
    return { mode: 'server', service, client, config, close: async () => {} }
  }
  const { openEngine } = await import('../engine/engine.js')
  const opened = await openEngine({
    databaseUrl: config.databaseUrl,
    durability: config.durability,
    timeZone: config.timezone,
    reservationTtlSeconds: config.reservationTtlSeconds,
    prices: { sources: config.priceSources, maxAutoChange: config.priceApprovalThreshold },
  })
  const service: BudgetService = opened.engine
  return { mode: 'embedded', service, config, close: () => opened.close() }
}
