/**
 * The engine as one object: every operation the API, CLI and MCP offer, each a thin call
 * into the module that owns it, bound to one context. Opening it opens the store and
 * loads the price catalog.
 */
import type { ApiKeyInput } from '../domain/api-key.js'
import type { BudgetInput, BudgetUpdate } from '../domain/budget.js'
import type { CheckRequest } from '../domain/check.js'
import type { CostRequest, PriceQuery } from '../domain/price.js'
import type { PolicyInput, PolicyUpdate } from '../domain/policy.js'
import type { ReservationQuery } from '../domain/reservation.js'
import type { SummaryQuery } from '../domain/summary.js'
import type { UsageInput, UsageQuery, UsageSummaryQuery } from '../domain/usage.js'
import { EventBus } from '../events/bus.js'
import { PriceCatalog } from '../pricing/catalog.js'
import { BUNDLED_PRICES_VERSION, loadBundledPrices } from '../pricing/bundled.js'
import { getMeta, loadPriceVersions, replaceSourceVersions, setMeta } from '../store/prices.js'
import { openStore, type Store } from '../store/store.js'
import type { Durability } from '../store/sqlite.js'
import * as budgets from './budgets.js'
import type { EngineContext } from './context.js'
import * as keys from './keys.js'
import * as prices from './prices.js'
import { recordBatch, recordUsage } from './record.js'
import * as reserve from './reserve.js'
import { summary } from './summary.js'
import * as usage from './usage-query.js'

export class BudgetEngine {
  constructor(readonly ctx: EngineContext) {}

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

  // Async like every other operation, so the HTTP client can offer the same signature.
  calculateCost = async (request: CostRequest) => prices.calculateCost(this.ctx, request)
  currentPrices = async (query: PriceQuery) => prices.currentPrices(this.ctx, query)

  createKey = (input: ApiKeyInput) => keys.createKey(this.ctx, input)
  listKeys = () => keys.listKeys(this.ctx)
  revokeKey = (id: string) => keys.revokeKey(this.ctx, id)
  hasActiveKeys = () => keys.hasActiveKeys(this.ctx)
  authenticate = (secret: string) => keys.authenticate(this.ctx, secret)
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
  /** Background store failures: retention runs, dropped idle connections. */
  onStoreError?: (error: unknown) => void
}

export interface OpenEngine {
  engine: BudgetEngine
  store: Store
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
  return { engine: new BudgetEngine(ctx), store, close: () => store.close() }
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
