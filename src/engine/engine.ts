/**
 * The engine as one object: every operation the API, CLI and MCP offer, each a thin call
 * into the module that owns it, bound to one context. Opening it opens the store and
 * loads the price catalog.
 */
import { Alerting } from '../alerts/alerting.js'
import type { AlertCheckRequest, AlertQuery } from '../domain/alert.js'
import type { ApiKeyInput } from '../domain/api-key.js'
import type { BudgetInput, BudgetUpdate } from '../domain/budget.js'
import type { ChannelInput, ChannelUpdate, DeliveryQuery } from '../domain/channel.js'
import type { CheckRequest } from '../domain/check.js'
import type { CostRequest, PriceQuery } from '../domain/price.js'
import type { ManualPriceInput, ModelKey, PriceChangeQuery, RefreshProgress, RefreshRequest, RepriceProgress, RepriceRequest } from '../domain/price-monitoring.js'
import type { RecommendationRequest, RouteRequest } from '../domain/recommendation.js'
import type { PolicyInput, PolicyUpdate } from '../domain/policy.js'
import type { ReservationQuery } from '../domain/reservation.js'
import type { ActivityQuery, OutlookQuery, TopReportQuery, UsageReportQuery } from '../domain/report.js'
import type { SummaryQuery } from '../domain/summary.js'
import type { UsageInput, UsageQuery, UsageSummaryQuery } from '../domain/usage.js'
import { EventBus } from '../events/bus.js'
import type { EventRelay } from '../events/pg-relay.js'
import { PriceCatalog } from '../pricing/catalog.js'
import { BUNDLED_PRICES_VERSION, loadBundledPrices } from '../pricing/bundled.js'
import { PriceMonitor, type PriceMonitorOptions } from '../pricing/monitor.js'
import { activityReport } from '../reports/activity-report.js'
import { budgetsReport, forecastReport } from '../reports/forecast-report.js'
import { usageRecords } from '../reports/record-export.js'
import { topReport } from '../reports/top-report.js'
import * as usageReports from '../reports/usage-report.js'
import { getMeta, loadPriceVersions, replaceSourceVersions, setMeta } from '../store/prices.js'
import { isPostgresUrl } from '../store/database-url.js'
import { openStore, type Store } from '../store/store.js'
import type { Durability } from '../store/sqlite.js'
import * as budgets from './budgets.js'
import type { EngineContext } from './context.js'
import * as keys from './keys.js'
import * as prices from './prices.js'
import * as recommend from './recommend.js'
import { recordBatch, recordUsage } from './record.js'
import * as reserve from './reserve.js'
import { summary } from './summary.js'
import * as usage from './usage-query.js'

export class BudgetEngine {
  constructor(
    readonly ctx: EngineContext,
    private readonly priceOptions: PriceMonitorOptions = {},
  ) {}

  createBudget = (input: BudgetInput) => budgets.createBudget(this.ctx, input)
  getBudget = (idOrName: string) => budgets.getBudget(this.ctx, idOrName)
  listBudgets = (includeArchived?: boolean) => budgets.allBudgets(this.ctx, includeArchived)
  updateBudget = (idOrName: string, update: BudgetUpdate) => budgets.updateBudget(this.ctx, idOrName, update)
  deleteBudget = (idOrName: string) => budgets.deleteBudget(this.ctx, idOrName)
  summary = (idOrName: string, query?: SummaryQuery) => summary(this.ctx, idOrName, query)

  createPolicy = (input: PolicyInput) => budgets.createPolicy(this.ctx, input)
  getPolicy = (id: string) => budgets.getPolicy(this.ctx, id)
  listPolicies = (budgetIdOrName?: string) => budgets.listPolicies(this.ctx, budgetIdOrName)
  updatePolicy = (id: string, update: PolicyUpdate) => budgets.updatePolicy(this.ctx, id, update)
  deletePolicy = (id: string) => budgets.deletePolicy(this.ctx, id)

  check = (request: CheckRequest) => reserve.check(this.ctx, request)
  release = (id: string) => reserve.release(this.ctx, id)
  getReservation = (id: string) => reserve.getReservation(this.ctx, id)
  listReservations = (query: ReservationQuery) => reserve.reservations(this.ctx, query)

  recordUsage = (input: UsageInput) => recordUsage(this.ctx, input)
  recordBatch = (inputs: readonly UsageInput[]) => recordBatch(this.ctx, inputs)
  getUsage = (id: string) => usage.getUsageRecord(this.ctx, id)
  listUsage = (query: UsageQuery) => usage.listUsage(this.ctx, query)
  usageSummary = (query: UsageSummaryQuery) => usage.usageSummary(this.ctx, query)
  /** Every record the listing matches (all pages, newest first), one page in memory at a time. */
  streamUsage = (query: UsageQuery) => usageRecords(this.ctx, query)

  usageReport = (query: UsageReportQuery) => usageReports.usageReport(this.ctx, query)
  /** Every row of the usage report from the query's cursor on, flattened for export, one page in memory at a time. */
  streamUsageReport = (query: UsageReportQuery) => usageReports.usageReportRows(this.ctx, query)
  topReport = (query: TopReportQuery) => topReport(this.ctx, query)
  budgetsReport = (query: OutlookQuery) => budgetsReport(this.ctx, query)
  forecastReport = (query: OutlookQuery) => forecastReport(this.ctx, query)
  activityReport = (query: ActivityQuery) => activityReport(this.ctx, query)

  // Async like every other operation, so the HTTP client can offer the same signature.
  calculateCost = async (request: CostRequest) => prices.calculateCost(this.ctx, request)
  currentPrices = async (query: PriceQuery) => prices.currentPrices(this.ctx, query)

  /** Price sources, refresh, verification, approval, history and repricing (src/pricing/monitor.ts). */
  get prices(): PriceMonitor {
    return (this.priceMonitor ??= new PriceMonitor(this.ctx, this.priceOptions))
  }
  private priceMonitor: PriceMonitor | undefined

  priceSources = () => this.prices.listSources()
  refreshPrices = (request?: RefreshRequest, onProgress?: (progress: RefreshProgress) => void) => this.prices.refresh(request, onProgress)
  priceChanges = (query?: Partial<PriceChangeQuery>) => this.prices.listChanges(query)
  approvePriceChange = (id: string, decidedBy: string) => this.prices.approve(id, decidedBy)
  rejectPriceChange = (id: string, decidedBy: string, reason?: string) => this.prices.reject(id, decidedBy, reason)
  priceHistory = (provider: string, model: string) => this.prices.history({ provider, model })
  setManualPrice = (input: ManualPriceInput, decidedBy: string) => this.prices.setManual(input, decidedBy)
  removeManualPrice = (key: ModelKey, decidedBy: string) => this.prices.removeManual(key, decidedBy)
  repriceUsage = (request?: RepriceRequest, onProgress?: (progress: RepriceProgress) => void) => this.prices.reprice(request, onProgress)
  recommendModels = async (request: RecommendationRequest) => recommend.recommendModels(this.ctx, request)
  routeWithBudget = (request: RouteRequest) => recommend.routeWithBudget(this.ctx, request)

  createKey = (input: ApiKeyInput) => keys.createKey(this.ctx, input)
  listKeys = () => keys.listKeys(this.ctx)
  revokeKey = (id: string) => keys.revokeKey(this.ctx, id)
  hasActiveKeys = () => keys.hasActiveKeys(this.ctx)
  authenticate = (secret: string) => keys.authenticate(this.ctx, secret)

  /** Alert rules, channels and deliveries of this engine (src/alerts); openEngine starts it. */
  get alerts(): Alerting {
    return (this.alerting ??= new Alerting(this.ctx))
  }
  private alerting: Alerting | undefined

  listAlerts = (query: AlertQuery) => this.alerts.listAlerts(query)
  getAlert = (id: string) => this.alerts.getAlert(id)
  acknowledgeAlert = (id: string, by?: string | null) => this.alerts.acknowledgeAlert(id, by)
  checkAlerts = (request: AlertCheckRequest = {}) => this.alerts.check(request)
  createChannel = (input: ChannelInput) => this.alerts.createChannel(input)
  getChannel = (id: string) => this.alerts.getChannel(id)
  listChannels = (budgetIdOrName?: string) => this.alerts.listChannels(budgetIdOrName)
  updateChannel = (id: string, update: ChannelUpdate) => this.alerts.updateChannel(id, update)
  deleteChannel = (id: string) => this.alerts.deleteChannel(id)
  testChannel = (id: string) => this.alerts.testChannel(id)
  listDeliveries = (query: DeliveryQuery) => this.alerts.listDeliveries(query)
}

export interface EngineOptions {
  databaseUrl: string
  durability?: Durability
  timeZone?: string
  reservationTtlSeconds?: number
  now?: () => number
  onListenerError?: (error: unknown) => void
  /** Days of raw usage records to keep (rollups are kept forever); unset keeps everything. */
  retentionDays?: number
  /** Background store failures: retention runs, dropped idle connections, the event relay. */
  onStoreError?: (error: unknown) => void
  /** Relay events across the instances that share a PostgreSQL database (default true). */
  relayEvents?: boolean
  /** Price sources and rules of the price monitor. */
  prices?: PriceMonitorOptions
}

export interface OpenEngine {
  engine: BudgetEngine
  store: Store
  /** The cross-instance event relay (PostgreSQL), or null. */
  relay: EventRelay | null
  close(): Promise<void>
}

export async function openEngine(options: EngineOptions): Promise<OpenEngine> {
  const now = options.now ?? Date.now
  const store = await openStore({
    databaseUrl: options.databaseUrl,
    durability: options.durability ?? 'normal',
    retentionDays: options.retentionDays,
    onError: options.onStoreError,
    now,
  })
  const catalog = await loadCatalog(store, now())
  const ctx: EngineContext = {
    store,
    catalog,
    events: new EventBus(options.onListenerError),
    timeZone: options.timeZone ?? 'UTC',
    defaultTtlSeconds: options.reservationTtlSeconds ?? 600,
    now,
  }
  // PostgreSQL: this instance's events reach the other instances on the database, and theirs arrive here.
  const relay = options.relayEvents === false ? null : await relayAcrossInstances(ctx.events, options.databaseUrl, options.onStoreError)
  const engine = new BudgetEngine(ctx, options.prices)
  engine.alerts.start()
  // Prices another instance changed reach this catalog too.
  const unlistenPrices = engine.prices.listen(options.onStoreError)
  const close = async () => {
    unlistenPrices()
    await engine.alerts.stop()
    await relay?.close()
    await store.close()
  }
  return { engine, store, relay, close }
}

/**
 * Relays the bus's events across the instances that share a PostgreSQL database; SQLite has
 * one service process per database, so there is nothing to relay. pg loads only when needed.
 */
async function relayAcrossInstances(bus: EventBus, databaseUrl: string, onError?: (error: unknown) => void): Promise<EventRelay | null> {
  if (!isPostgresUrl(databaseUrl)) return null
  const { startPgRelay } = await import('../events/pg-relay.js')
  return startPgRelay(bus, databaseUrl, onError)
}

/** Copies a new bundled catalog release into the store once, then builds the catalog from the store. */
async function loadCatalog(store: Store, nowMs: number): Promise<PriceCatalog> {
  if ((await getMeta(store.db, 'bundled_prices_version')) !== BUNDLED_PRICES_VERSION) {
    await store.writes.write(async (trx) => {
      await replaceSourceVersions(trx, 'bundled', loadBundledPrices(), nowMs)
      await setMeta(trx, 'bundled_prices_version', BUNDLED_PRICES_VERSION)
    })
  }
  return new PriceCatalog(await loadPriceVersions(store.db))
}
