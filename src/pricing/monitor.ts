/**
 * The price monitor of one engine: its sources and rules, and every price operation the
 * surfaces offer — refresh, sources, changes and their approval, manual prices, history,
 * repricing. It owns keeping `ctx.catalog` in step with the stored versions: after any
 * change it builds a new catalog from the store and puts it in place, announces the change
 * on `price_updates`, and reprices the records the change affects.
 *
 * Other instances on the same database hear `prices.changed` through the event relay and
 * reload their catalog (`listen`). Refreshes on one instance run one at a time.
 *
 * Alerts go out as `price.alert` events on `price_updates`, which src/alerts turns into
 * alerts (pricing sits below alerts and cannot call it).
 */
import { randomUUID } from 'node:crypto'
import type { PriceAlertInput } from '../domain/alert.js'
import { notFound } from '../domain/errors.js'
import { toModelPrice } from '../domain/price.js'
import {
  type ManualPriceInput,
  type ModelKey,
  type PriceChange,
  type PriceChangeQuery,
  type PriceHistory,
  type PriceSource,
  type PriceSourceConfig,
  type PriceSourceOverrides,
  type RefreshProgress,
  type RefreshReport,
  type RefreshRequest,
  type RepriceProgress,
  type RepriceRequest,
  type RepriceResult,
} from '../domain/price-monitoring.js'
import type { EngineContext } from '../engine/context.js'
import { listChanges, saveSourceSettings, sourceRows } from '../store/price-sources.js'
import { loadModelVersions, loadPriceVersions } from '../store/prices.js'
import { type ApprovalRules, DEFAULT_APPROVAL } from './approval.js'
import { bundledProviderRules } from './bundled.js'
import { PriceCatalog } from './catalog.js'
import { toPriceChange } from './change-record.js'
import { approveChange, type DecisionDeps, rejectChange, removeManualPrice, resolveKey, setManualPrice } from './decisions.js'
import { FeedFetcher, type FetchOptions } from './fetch.js'
import { timeline } from './history.js'
import { ModelNormalizer } from './normalize.js'
import { refreshPrices } from './refresh.js'
import { reprice } from './reprice.js'
import { resolveSources } from './sources/registry.js'
import { DEFAULT_RULES, type VerifyRules } from './verify.js'

export interface PriceMonitorOptions {
  /** Changes to the default sources, or added sources. */
  sources?: PriceSourceOverrides
  /** Largest relative move applied without approval (default 0.2). */
  maxAutoChange?: number
  verify?: Partial<VerifyRules>
  fetch?: Partial<FetchOptions>
  /** How long a failing source's last observations still vote (default 7 days). */
  maxObservationAgeMs?: number
}

const DAY_MS = 86_400_000
const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString())

export class PriceMonitor {
  readonly sources: readonly PriceSourceConfig[]
  readonly rules: VerifyRules
  readonly approval: ApprovalRules
  readonly #fetcher: FeedFetcher
  readonly #maxObservationAgeMs: number
  readonly #instance = randomUUID()
  #settingsSaved: Promise<void> | null = null
  #refreshing: Promise<unknown> = Promise.resolve()
  #reloads = 0

  /** @throws BudgetError VALIDATION_FAILED when a source setting is invalid. */
  constructor(
    private readonly ctx: EngineContext,
    options: PriceMonitorOptions = {},
  ) {
    this.sources = resolveSources(options.sources)
    this.rules = { ...DEFAULT_RULES, ...options.verify }
    this.approval = { ...DEFAULT_APPROVAL, ...(options.maxAutoChange !== undefined && { maxAutoChange: options.maxAutoChange }) }
    this.#fetcher = new FeedFetcher(options.fetch)
    this.#maxObservationAgeMs = options.maxObservationAgeMs ?? 7 * DAY_MS
  }

  async listSources(): Promise<PriceSource[]> {
    await this.#saveSettings()
    const rows = new Map((await sourceRows(this.ctx.store.db)).map((r) => [r.id, r]))
    return this.sources.map((s) => {
      const row = rows.get(s.id)
      return {
        id: s.id,
        kind: s.kind,
        url: s.url,
        trust: s.trust,
        enabled: s.enabled,
        refreshCron: s.refreshCron,
        lastAttemptAt: iso(row?.lastAttemptAt ?? null),
        lastSuccessAt: iso(row?.lastSuccessAt ?? null),
        lastErrorAt: iso(row?.lastErrorAt ?? null),
        lastError: row?.lastError ?? null,
        observations: Number(row?.observationCount ?? 0),
        skipped: Number(row?.skippedCount ?? 0),
      }
    })
  }

  /** Refreshes from the sources; a refresh asked for while one runs starts when it ends. */
  refresh(request: RefreshRequest = {}, onProgress?: (progress: RefreshProgress) => void): Promise<RefreshReport> {
    const run = this.#refreshing.then(async () => {
      await this.#saveSettings()
      return refreshPrices(
        {
          ctx: this.ctx,
          sources: this.sources,
          fetcher: this.#fetcher,
          rules: this.rules,
          approval: this.approval,
          maxObservationAgeMs: this.#maxObservationAgeMs,
          alert: (input) => this.#alert(input),
          afterChange: (changes) => this.#afterChange(changes),
        },
        request,
        onProgress,
      )
    })
    this.#refreshing = run.catch(() => undefined)
    return run
  }

  async listChanges(query: Partial<PriceChangeQuery> = {}): Promise<PriceChange[]> {
    const rows = await listChanges(this.ctx.store.db, { ...query, limit: query.limit ?? 100 })
    return rows.map(toPriceChange)
  }

  approve = (id: string, decidedBy: string) => approveChange(this.#decisions, id, decidedBy)
  reject = (id: string, decidedBy: string, reason?: string) => rejectChange(this.#decisions, id, decidedBy, reason)
  setManual = (input: ManualPriceInput, decidedBy: string) => setManualPrice(this.#decisions, input, decidedBy)
  removeManual = (key: ModelKey, decidedBy: string) => removeManualPrice(this.#decisions, key, decidedBy)

  async history(key: ModelKey): Promise<PriceHistory> {
    const resolved = await resolveKey(this.#decisions, key)
    const versions = await loadModelVersions(this.ctx.store.db, resolved.provider, resolved.model)
    const changes = await this.listChanges({ provider: resolved.provider, model: resolved.model, limit: 1000 })
    if (versions.length === 0 && changes.length === 0) throw notFound('price history of model', `${key.provider}/${key.model}`)
    return {
      ...resolved,
      versions: versions.map(toModelPrice),
      timeline: timeline(versions).map((p) => ({ from: iso(p.fromMs)!, to: iso(p.toMs), version: p.version })),
      changes,
    }
  }

  /** Reprices records at or after `since` (default: all) whose price version is no longer the one in effect for their time. */
  reprice(request: RepriceRequest = {}, onProgress?: (progress: RepriceProgress) => void): Promise<RepriceResult> {
    return reprice(this.ctx, { sinceMs: request.since === undefined ? 0 : Date.parse(request.since) }, onProgress)
  }

  /** Builds the catalog from the store and puts it in place; of overlapping reloads the last started wins. */
  async reloadCatalog(): Promise<void> {
    const ticket = ++this.#reloads
    const catalog = new PriceCatalog(await loadPriceVersions(this.ctx.store.db))
    if (ticket === this.#reloads) this.ctx.catalog = catalog
  }

  /** Reloads the catalog when another instance changed prices; returns the unsubscribe function. */
  listen(onError: (error: unknown) => void = () => {}): () => void {
    return this.ctx.events.subscribe((event) => {
      const origin = (event.payload as { instance?: unknown } | null)?.instance
      if (event.type === 'prices.changed' && origin !== this.#instance) this.reloadCatalog().catch(onError)
    })
  }

  get #decisions(): DecisionDeps {
    return {
      ctx: this.ctx,
      normalizer: async () => new ModelNormalizer(await loadPriceVersions(this.ctx.store.db), bundledProviderRules()),
      afterChange: (changes) => this.#afterChange(changes),
    }
  }

  #saveSettings(): Promise<void> {
    this.#settingsSaved ??= this.ctx.store.writes.write((trx) => saveSourceSettings(trx, this.sources, this.ctx.now())).catch((error: unknown) => {
      this.#settingsSaved = null
      throw error
    })
    return this.#settingsSaved
  }

  async #afterChange(changes: readonly PriceChange[]): Promise<number> {
    await this.reloadCatalog()
    this.ctx.events.publish({
      type: 'prices.changed',
      topic: 'price_updates',
      budgetId: null,
      payload: {
        instance: this.#instance,
        // Small enough for one NOTIFY to other instances; `count` says how many there were.
        changes: changes.slice(0, 20).map((c) => ({ id: c.id, provider: c.provider, model: c.model, kind: c.kind, status: c.status, price: c.price, effectiveFrom: c.effectiveFrom })),
        count: changes.length,
      },
    })
    const sinceMs = Math.min(...changes.map((c) => Date.parse(c.effectiveFrom)))
    const keys = changes.map((c) => ({ provider: c.provider, model: c.model }))
    return (await reprice(this.ctx, { sinceMs, keys })).repriced
  }

  #alert(input: PriceAlertInput): void {
    this.ctx.events.publish({ type: 'price.alert', topic: 'price_updates', budgetId: null, payload: { ...input, message: input.message.slice(0, 2000) } })
  }
}
