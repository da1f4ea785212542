/**
 * Every setting, from one schema: flags > environment > config file > defaults, parsed
 * once at start-up and frozen. Nothing else reads process.env. A bad value fails here,
 * naming where it came from (the variable, the file key or the flag) and the value.
 */
import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { isValidTimeZone } from './domain/periods.js'
import { PriceSourceOverrides } from './domain/price-monitoring.js'
import { DEFAULT_REFRESH_CRON, isCronPattern } from './pricing/schedule.js'
import { DATABASE_URL_PATTERN } from './store/database-url.js'

const LogLevel = z.enum(['debug', 'info', 'warn', 'error', 'silent'])

/** A JSON text from the environment as its value; anything else as it is (the schema then says what is wrong). */
function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    return value
  }
}

export const Config = z.object({
  port: z.coerce.number().int().min(0).max(65_535).default(8013),
  host: z.string().min(1).default('127.0.0.1'),
  dataDir: z.string().min(1).default('./data'),
  databaseUrl: z.string().regex(DATABASE_URL_PATTERN, 'expected sqlite:<path> or postgres://…').optional(),
  timezone: z.string().refine(isValidTimeZone, 'not an IANA time zone').default('UTC'),
  logLevel: LogLevel.default('info'),
  durability: z.enum(['normal', 'strict']).default('normal'),
  reservationTtlSeconds: z.coerce.number().int().min(1).max(86_400).default(600),
  /** Days of raw usage records to keep; rollups are kept forever. Unset: keep every record. */
  retentionDays: z.coerce.number().int().min(1).max(36_500).optional(),
  rateLimitPerMinute: z.coerce.number().int().min(0).default(120_000),
  insecure: z.coerce.boolean().default(false),
  hermesUrl: z.url().optional(),
  hermesHeartbeatSeconds: z.coerce.number().positive().max(3600).default(30),
  /** Rhetor compatibility: enforcement of settings that name none, and limits across providers (USD). */
  rhetorBudgetPolicy: z.enum(['ignore', 'warn', 'enforce']).default('warn'),
  rhetorBudgetDailyLimit: z.coerce.number().nonnegative().optional(),
  rhetorBudgetWeeklyLimit: z.coerce.number().nonnegative().optional(),
  rhetorBudgetMonthlyLimit: z.coerce.number().nonnegative().optional(),
  /** When the service refreshes prices from the feeds: a cron pattern, or off. */
  priceRefresh: z.string().trim().refine((v) => v === 'off' || isCronPattern(v), 'expected "off" or a cron pattern').default(DEFAULT_REFRESH_CRON),
  /** Changes to the default price sources (url, trust, enabled, refreshCron) or added ones; JSON in the environment. */
  priceSources: z.preprocess(parseJsonText, PriceSourceOverrides).optional(),
  /** Largest price move applied without approval: 0.2 = 20 %. */
  priceApprovalThreshold: z.coerce.number().min(0).max(100).default(0.2),
  server: z.url().optional().describe('CLI: a running service to use instead of the local store'),
  apiKey: z.string().min(1).optional().describe('CLI: the key sent to that service'),
})
export type Config = Readonly<z.infer<typeof Config> & { databaseUrl: string }>

type Key = keyof z.infer<typeof Config>

const ENV: Record<Key, string> = {
  port: 'BUDGET_PORT',
  host: 'BUDGET_HOST',
  dataDir: 'BUDGET_DATA_DIR',
  databaseUrl: 'BUDGET_DATABASE_URL',
  timezone: 'BUDGET_TIMEZONE',
  logLevel: 'BUDGET_LOG_LEVEL',
  durability: 'BUDGET_DURABILITY',
  reservationTtlSeconds: 'BUDGET_RESERVATION_TTL_SECONDS',
  retentionDays: 'BUDGET_RETENTION_DAYS',
  rateLimitPerMinute: 'BUDGET_RATE_LIMIT_PER_MINUTE',
  insecure: 'BUDGET_INSECURE',
  hermesUrl: 'HERMES_URL',
  hermesHeartbeatSeconds: 'BUDGET_HERMES_HEARTBEAT_SECONDS',
  rhetorBudgetPolicy: 'RHETOR_BUDGET_POLICY',
  rhetorBudgetDailyLimit: 'RHETOR_BUDGET_DAILY_LIMIT',
  rhetorBudgetWeeklyLimit: 'RHETOR_BUDGET_WEEKLY_LIMIT',
  rhetorBudgetMonthlyLimit: 'RHETOR_BUDGET_MONTHLY_LIMIT',
  priceRefresh: 'BUDGET_PRICE_REFRESH',
  priceSources: 'BUDGET_PRICE_SOURCES',
  priceApprovalThreshold: 'BUDGET_PRICE_APPROVAL_THRESHOLD',
  server: 'BUDGET_SERVER',
  apiKey: 'BUDGET_API_KEY',
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

export interface ConfigSources {
  env?: NodeJS.ProcessEnv
  flags?: Partial<Record<Key, unknown>>
  /** Where to look for budget.config.json|yaml; the current directory by default. */
  cwd?: string
}

export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env
  const cwd = sources.cwd ?? process.cwd()
  const file = readConfigFile(env.BUDGET_CONFIG, cwd)
  const origin: Partial<Record<Key, string>> = {}
  const raw: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(file.values)) {
    raw[key] = value
    origin[key as Key] = `${file.path}: ${key}`
  }
  for (const [key, name] of Object.entries(ENV) as [Key, string][]) {
    const value = env[name]
    if (value === undefined || value === '') continue
    raw[key] = key === 'insecure' ? value === '1' || value.toLowerCase() === 'true' : value
    origin[key] = name
  }
  for (const [key, value] of Object.entries(sources.flags ?? {}) as [Key, unknown][]) {
    if (value === undefined) continue
    raw[key] = value
    origin[key] = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
  }
  const parsed = Config.safeParse(raw)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '') as Key
      const where = origin[key] ?? key
      return `${where}=${JSON.stringify(raw[key])}: ${issue.message}`
    })
    throw new ConfigError(`invalid setting: ${lines.join('; ')}`)
  }
  const config = parsed.data
  const dataDir = isAbsolute(config.dataDir) ? config.dataDir : resolve(cwd, config.dataDir)
  return Object.freeze({ ...config, dataDir, databaseUrl: config.databaseUrl ?? `sqlite:${join(dataDir, 'budget.db')}` })
}

function readConfigFile(explicit: string | undefined, cwd: string): { path: string; values: Record<string, unknown> } {
  const candidates = explicit ? [resolve(cwd, explicit)] : ['budget.config.json', 'budget.config.yaml', 'budget.config.yml'].map((f) => join(cwd, f))
  const path = candidates.find((p) => existsSync(p))
  if (path === undefined) {
    if (explicit) throw new ConfigError(`BUDGET_CONFIG=${explicit}: no such file`)
    return { path: '', values: {} }
  }
  try {
    const text = readFileSync(path, 'utf8')
    const values = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
    if (values === null || typeof values !== 'object' || Array.isArray(values)) throw new Error('expected an object of settings')
    return { path, values: values as Record<string, unknown> }
  } catch (error) {
    throw new ConfigError(`${path}: ${(error as Error).message}`, { cause: error })
  }
}

/** Whether the host only accepts connections from this machine. */
export const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.')
