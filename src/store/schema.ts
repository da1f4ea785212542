/**
 * The database's tables as Kysely sees them (camelCase here, snake_case in SQL through
 * CamelCasePlugin). Instants are integer milliseconds since the epoch and money is
 * integer nano-USD in every table, on both engines, so that comparisons and sums are
 * exact and dialect-neutral. Rollup key columns hold '' instead of NULL so that they can
 * be part of a primary key and of an upsert's conflict target.
 */
import type { Generated, Kysely, Transaction } from 'kysely'

export interface BudgetsTable {
  id: string
  name: string
  description: string | null
  owner: string | null
  tags: string
  createdAt: number
  updatedAt: number
  archived: number
}

export interface PoliciesTable {
  id: string
  budgetId: string
  type: string
  period: string
  windowSeconds: number | null
  tokenLimit: number | null
  costLimitNano: number | null
  warningThreshold: number
  actionThreshold: number
  scopeTier: string | null
  scopeProvider: string | null
  scopeModel: string | null
  scopeComponent: string | null
  scopeTaskType: string | null
  enabled: number
  createdAt: number
  updatedAt: number
}

export interface ReservationsTable {
  id: string
  budgetId: string | null
  contextId: string | null
  provider: string
  model: string
  component: string | null
  taskType: string | null
  tier: string | null
  priority: number
  tokensReserved: number
  costReservedNano: number | null
  tokensUsed: number
  costUsedNano: number
  status: string
  createdAt: number
  expiresAt: number
}

/** What one active reservation holds against one policy's window, until it expires. */
export interface ReservationHoldsTable {
  reservationId: string
  policyId: string
  scopeKey: string
  tokens: number
  costNano: number
  expiresAt: number
}

export interface UsageRecordsTable {
  id: string
  timestamp: number
  budgetId: string | null
  reservationId: string | null
  contextId: string | null
  provider: string
  model: string
  component: string | null
  taskType: string | null
  tier: string | null
  operation: string | null
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  cacheWrite1hTokens: number
  reasoningTokens: number
  costNano: number | null
  priceVersion: string | null
  metadata: string
  createdAt: number
}

/**
 * Every stored record's id, with its timestamp: the unique key that makes recording
 * idempotent. It is a table of its own because on PostgreSQL usage_records is partitioned
 * by month, and a partitioned table's unique keys must contain the partition key — there,
 * (id, timestamp) would let one id be stored twice with two timestamps (a retry without
 * an explicit timestamp gets a new one).
 */
export interface UsageIdsTable {
  id: string
  timestamp: number
}

export interface UsageHourlyTable {
  hourStart: number
  budgetId: string
  provider: string
  model: string
  component: string
  taskType: string
  tier: string
  requests: number
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  reasoningTokens: number
  costNano: number
  unpricedRequests: number
}

/**
 * Usage per 15 minutes and per session (migration 030-reports): what reports read to group
 * or filter by contextId and to cut calendar buckets in zones whose offset is not a whole
 * hour. Same metrics as usage_hourly; '' stands for a missing key value.
 */
export interface UsageQuarterHourlyTable {
  quarterStart: number
  budgetId: string
  provider: string
  model: string
  component: string
  taskType: string
  tier: string
  contextId: string
  requests: number
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  reasoningTokens: number
  costNano: number
  unpricedRequests: number
}

/**
 * Per-policy usage counters: one row per calendar window, rolling bucket, session or
 * task. Maintained on every write so that a check reads one row (or a few buckets)
 * instead of the records.
 */
export interface PolicyUsageTable {
  policyId: string
  scopeKey: string
  bucketStart: number
  tokens: number
  costNano: number
}

export interface ApiKeysTable {
  id: string
  name: string
  role: string
  hash: string
  prefix: string
  createdAt: number
  lastUsedAt: number | null
  revokedAt: number | null
}

export interface ModelPricesTable {
  version: string
  provider: string
  model: string
  inputNano: number
  outputNano: number
  cacheReadNano: number | null
  cacheWriteNano: number | null
  cacheWrite1hNano: number | null
  tiers: string
  match: string | null
  effectiveFrom: number
  effectiveTo: number | null
  source: string
  verified: number
  deprecated: number
  createdAt: number
}

export interface MetaTable {
  key: string
  value: string
}

export interface MigrationsTable {
  id: Generated<number>
  name: string
  appliedAt: number
}

/**
 * Alerts (migration 010-alerts). `dedupKey` is unique: one alert per policy, window and
 * type (price alerts: per the key their raiser gives), whichever instance raises it.
 * value/limitValue are integers in the metric's unit: tokens, nano-USD, nano-USD per Mtok.
 */
export interface AlertsTable {
  id: string
  dedupKey: string
  budgetId: string | null
  policyId: string | null
  type: string
  severity: string
  windowStart: number | null
  windowEnd: number | null
  metric: string | null
  value: number | null
  limitValue: number | null
  message: string
  details: string
  createdAt: number
  acknowledgedAt: number | null
  acknowledgedBy: string | null
}

export interface AlertChannelsTable {
  id: string
  name: string
  kind: string
  budgetId: string | null
  url: string | null
  secret: string | null
  minSeverity: string
  types: string
  enabled: number
  createdAt: number
  updatedAt: number
}

/** One row per delivery attempt of one alert to one channel. */
export interface AlertDeliveriesTable {
  id: string
  alertId: string | null
  channelId: string
  attempt: number
  status: string
  httpStatus: number | null
  error: string | null
  durationMs: number
  createdAt: number
}

/** Apollo allocations of the compatibility layer (migration 040-compat): one per context. */
export interface CompatAllocationsTable {
  id: string
  contextId: string
  budgetId: string
  reservationId: string | null
  tier: string
  component: string
  taskType: string
  provider: string | null
  model: string | null
  priority: number
  tokensAllocated: number
  tokensUsed: number
  isActive: number
  metadata: string
  createdAt: number
  updatedAt: number
  expiresAt: number
}

/** A price source's settings (from config) and the outcome of its last refresh (migration 020-price-monitoring). */
export interface PriceSourcesTable {
  id: string
  kind: string
  url: string | null
  trust: number
  enabled: number
  refreshCron: string | null
  lastAttemptAt: number | null
  lastSuccessAt: number | null
  lastErrorAt: number | null
  lastError: string | null
  observationCount: number
  skippedCount: number
  etag: string | null
  lastModified: string | null
  updatedAt: number
}

/** What one source last said about one model; prices in nano-USD per million tokens. */
export interface PriceObservationsTable {
  sourceId: string
  provider: string
  model: string
  sourceModelId: string
  inputNano: number
  outputNano: number
  cacheReadNano: number | null
  cacheWriteNano: number | null
  cacheWrite1hNano: number | null
  tiers: string
  observedAt: number
}

/** A proposed price and what became of it; `price` / `previous` are JSON PricePoints (nano). */
export interface PriceChangesTable {
  id: string
  provider: string
  model: string
  kind: string
  status: string
  verified: number
  source: string
  price: string
  previous: string | null
  previousVersion: string | null
  changeRatio: number | null
  effectiveFrom: number
  effectiveTo: number | null
  reason: string
  evidence: string
  createdAt: number
  decidedAt: number | null
  decidedBy: string | null
  appliedVersion: string | null
}

export interface DB {
  alerts: AlertsTable
  alertChannels: AlertChannelsTable
  alertDeliveries: AlertDeliveriesTable
  budgets: BudgetsTable
  compatAllocations: CompatAllocationsTable
  policies: PoliciesTable
  reservations: ReservationsTable
  reservationHolds: ReservationHoldsTable
  usageRecords: UsageRecordsTable
  usageIds: UsageIdsTable
  usageHourly: UsageHourlyTable
  usageQuarterHourly: UsageQuarterHourlyTable
  policyUsage: PolicyUsageTable
  apiKeys: ApiKeysTable
  modelPrices: ModelPricesTable
  priceSources: PriceSourcesTable
  priceObservations: PriceObservationsTable
  priceChanges: PriceChangesTable
  meta: MetaTable
}

/** Anything queries can run on: the database or an open transaction. */
export type Executor = Kysely<DB> | Transaction<DB>
