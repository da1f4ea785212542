/**
 * Prices usage on the caller's side with the prices of the service it records to: one
 * `calculateCost` per model and price version (a local call for the embedded engine, one
 * request for a server), then exact integer arithmetic (pricing/cost.ts) for every record.
 *
 * For figures a surface shows before or beside recording (import summaries, the live cost
 * of a fleet run). The engine prices stored records itself; this never replaces that.
 */
import type { BudgetService } from '../client/service.js'
import { fromModelPrice, type PriceVersion, type TokenUsage } from '../domain/price.js'
import { costNano } from '../pricing/cost.js'

type Versions = { known: PriceVersion[]; unknownAt: number[] } | null

export class Pricer {
  /** Per model: the versions fetched so far, or null when the service knows no price for it. */
  readonly #models = new Map<string, Versions>()
  readonly #loading = new Map<string, Promise<void>>()

  constructor(
    private readonly service: Pick<BudgetService, 'calculateCost'>,
    private readonly provider: string,
  ) {}

  /**
   * Integer nano-USD, null when the model has no price at that instant, undefined when its
   * price has not been fetched yet (call `load` and ask again).
   */
  costNanoNow(model: string, usage: TokenUsage, atMs: number): number | null | undefined {
    const versions = this.#models.get(model)
    if (versions === undefined) return undefined
    if (versions === null) return null
    const version = versions.known.find((v) => v.effectiveFromMs <= atMs && (v.effectiveToMs === null || atMs < v.effectiveToMs))
    if (version !== undefined) return costNano(version, usage)
    return versions.unknownAt.includes(atMs) ? null : undefined
  }

  async costNano(model: string, usage: TokenUsage, atMs: number): Promise<number | null> {
    const now = this.costNanoNow(model, usage, atMs)
    if (now !== undefined) return now
    await this.load(model, atMs)
    return this.costNanoNow(model, usage, atMs) ?? null
  }

  /** Fetches the price of `model` in effect at `atMs` unless it is known already. */
  load(model: string, atMs: number): Promise<void> {
    const key = `${model}\u0000${atMs}`
    let pending = this.#loading.get(key)
    if (pending === undefined) {
      pending = this.#fetch(model, atMs).finally(() => this.#loading.delete(key))
      this.#loading.set(key, pending)
    }
    return pending
  }

  async #fetch(model: string, atMs: number): Promise<void> {
    const result = await this.service.calculateCost({
      provider: this.provider,
      model,
      inputTokens: 0,
      outputTokens: 0,
      timestamp: new Date(atMs).toISOString(),
    })
    const known = this.#models.get(model)
    if (result.price === null) {
      // No model at all, or a model without a price at that instant.
      if (result.resolvedModel === null) this.#models.set(model, null)
      else if (known) known.unknownAt.push(atMs)
      else this.#models.set(model, { known: [], unknownAt: [atMs] })
      return
    }
    const version = fromModelPrice(result.price)
    if (known) known.known.push(version)
    else this.#models.set(model, { known: [version], unknownAt: [] })
  }
}
