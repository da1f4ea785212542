/**
 * Everything known about one instance of a fleet run: its state, its process, the stream it
 * is reading, what it has used so far and what it costs.
 *
 * Cost: the result's `total_cost_usd` once it has arrived (the truth for the run);
 * before that, each message priced with the service's prices as it streams — kept up to
 * date one message at a time, and recomputed whole when a model's price arrives late.
 */
import { nanoToUsd, usdToNano } from '../domain/money.js'
import { LineSplitter } from '../importers/claude-code/lines.js'
import type { Pricer } from '../importers/pricer.js'
import type { InstanceProcess } from './instance-process.js'
import type { InstancePlan } from './plan.js'
import { type LineOutcome, StreamSession } from './stream-session.js'

export type InstanceState = 'pending' | 'running' | 'completed' | 'failed' | 'blocked' | 'timed_out' | 'cancelled'

const STDERR_TAIL_BYTES = 4096
const MAX_ISSUES = 5

export class InstanceRun {
  state: InstanceState = 'pending'
  readonly session = new StreamSession()
  readonly splitter = new LineSplitter()
  process: InstanceProcess | null = null
  startedAtMs: number | null = null
  endedAtMs: number | null = null
  exitCode: number | null = null
  signal: string | null = null
  /** Why it was stopped or never started, or why it failed. */
  reason: string | null = null
  error: string | null = null
  lines = 0
  malformedLines = 0
  readonly issues: string[] = []
  stderrTail = ''
  /** Streamed messages priced so far (nano-USD); stale while a model's price is being fetched. */
  #streamCostNano = 0
  #costStale = false
  readonly unpricedModels = new Set<string>()
  /** What the budget tracker has been told so far. */
  countedTokens = 0
  countedCostNano = 0

  constructor(readonly plan: InstancePlan) {}

  /** Integer nano-USD: the result's cost, else the priced stream; null while unknown. */
  get costNano(): number | null {
    const reported = this.session.result?.costUsd
    if (reported !== null && reported !== undefined) return usdToNano(reported)
    return this.#costStale ? null : this.#streamCostNano
  }

  get costUsd(): number | null {
    const nano = this.costNano
    return nano === null ? null : nanoToUsd(nano)
  }

  /** `result` if the cost came from the run's result, `estimate` if priced from the stream. */
  get costSource(): 'result' | 'estimate' | null {
    if (typeof this.session.result?.costUsd === 'number') return 'result'
    return this.costNano === null ? null : 'estimate'
  }

  noteMalformed(reason: string): void {
    this.malformedLines++
    if (this.issues.length < MAX_ISSUES) this.issues.push(`line ${this.lines}: ${reason}`)
  }

  noteStderr(chunk: Buffer): void {
    const text = this.stderrTail + chunk.toString('utf8')
    this.stderrTail = text.length > STDERR_TAIL_BYTES ? text.slice(-STDERR_TAIL_BYTES) : text
  }

  /** Keeps the streamed cost current after a usage line; returns a model whose price must be fetched. */
  price(outcome: Extract<LineOutcome, { kind: 'usage' }>, pricer: Pricer): string | null {
    if (this.#costStale) return null
    const at = this.startedAtMs ?? 0
    const added = pricer.costNanoNow(outcome.entry.model, outcome.entry.tokens, at)
    const removed = outcome.replaced === null ? 0 : pricer.costNanoNow(outcome.replaced.model, outcome.replaced.tokens, at)
    if (added === undefined || removed === undefined) {
      this.#costStale = true
      return added === undefined ? outcome.entry.model : (outcome.replaced?.model ?? null)
    }
    if (added === null) this.unpricedModels.add(outcome.entry.model)
    this.#streamCostNano += (added ?? 0) - (removed ?? 0)
    return null
  }

  /** Prices every message again; returns a model whose price is still missing, if any. */
  reprice(pricer: Pricer): string | null {
    let sum = 0
    const at = this.startedAtMs ?? 0
    for (const { entry } of this.session.ledger.values()) {
      const cost = pricer.costNanoNow(entry.model, entry.tokens, at)
      if (cost === undefined) {
        this.#costStale = true
        return entry.model
      }
      if (cost === null) this.unpricedModels.add(entry.model)
      sum += cost ?? 0
    }
    this.#streamCostNano = sum
    this.#costStale = false
    return null
  }

  get durationMs(): number | null {
    if (this.startedAtMs === null) return null
    return (this.endedAtMs ?? Date.now()) - this.startedAtMs
  }
}
