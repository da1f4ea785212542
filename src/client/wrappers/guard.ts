/**
 * What every LLM-client wrapper does around one call, whatever the SDK: reserve with an
 * estimate before it (throwing BudgetExceededError on a block, or switching to a cheaper
 * model the budgets allow when `downgrade` is on), then commit the real usage — or give
 * the reservation back when the call failed.
 *
 * The budget decisions are the service's (check, routeWithBudget); this only asks and
 * carries the answer. A call whose budget cannot be asked is not made: the service's
 * BudgetError (UNAVAILABLE when it is unreachable) reaches the caller. Recording and
 * releasing never fail the user's LLM call: a failure there goes to `onError`, and the
 * reservation expires on its own.
 */
import type { CheckDecision } from '../../domain/check.js'
import type { Priority, Tier } from '../../domain/common.js'
import type { BudgetService } from '../service.js'
import { BudgetExceededError } from './budget-exceeded.js'
import { type TokenCounter, type TokenCounting, tokenCounter } from './token-count.js'

export interface BudgetWrapperOptions {
  /** Where budgets live: a BudgetClient for a server, or the embedded engine. */
  service: Pick<BudgetService, 'check' | 'routeWithBudget' | 'recordUsage' | 'release'>
  /** Budget id or name; absent = every budget whose policies match. */
  budgetId?: string
  /** Session or conversation id (per_session policies). */
  contextId?: string
  component?: string
  taskType?: string
  tier?: Tier
  priority?: Priority
  /** Provider as the price catalog names it; default the client's (openai, anthropic, or the AI SDK model's). */
  provider?: string
  /**
   * On a downgrade or block decision, call the first cheaper model of the same provider
   * that the budgets allow instead. Off (the default): a block throws BudgetExceededError
   * and a downgrade decision still makes the call with the model asked for.
   */
  downgrade?: boolean
  /** Output tokens to reserve for when a request sets no maximum. Default 4,096. */
  defaultMaxOutputTokens?: number
  /** How input tokens are counted before the call. Default 'tiktoken' (js-tiktoken when installed). */
  tokenCounting?: TokenCounting
  /** Reservation lifetime; default the service's (10 minutes). */
  ttlSeconds?: number
  /** Added to every usage record. */
  metadata?: Record<string, unknown>
  /** Recording or releasing failed (the call itself went ahead). Default: a process warning. */
  onError?: (error: unknown) => void
}

export interface CallEstimate {
  provider: string
  model: string
  inputTokens: number
  maxOutputTokens: number | undefined
}

/** What a call used, in the wire contract's non-overlapping fields. */
export interface CallUsage {
  /** The model that answered, when the response says; default the model called. */
  model?: string | undefined
  inputTokens: number
  outputTokens: number
  cacheReadTokens?: number | undefined
  cacheWriteTokens?: number | undefined
  cacheWrite1hTokens?: number | undefined
  reasoningTokens?: number | undefined
  /** Counted here because the response gave none (a stream cut short). */
  estimated?: boolean
}

const DEFAULT_MAX_OUTPUT_TOKENS = 4_096

const warn = (error: unknown) => process.emitWarning(error instanceof Error ? error : new Error(String(error)), 'TektonBudgetWarning')

export class BudgetGuard {
  private counter: Promise<TokenCounter> | null = null

  constructor(private readonly options: BudgetWrapperOptions) {}

  get defaultProvider(): string | undefined {
    return this.options.provider
  }

  /** The token counter the options ask for, loaded once. */
  count(): Promise<TokenCounter> {
    return (this.counter ??= tokenCounter(this.options.tokenCounting))
  }

  /**
   * Reserves for a call. Resolves with the model to call — the one asked for, or a cheaper
   * one when `downgrade` is on and the budgets call for it.
   * @throws BudgetExceededError when the budgets block the call (and no cheaper model fits).
   */
  async open(estimate: CallEstimate): Promise<OpenCall> {
    const o = this.options
    const request = {
      provider: estimate.provider,
      model: estimate.model,
      inputTokens: estimate.inputTokens,
      maxOutputTokens: estimate.maxOutputTokens ?? o.defaultMaxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
      ...(o.budgetId !== undefined && { budgetId: o.budgetId }),
      ...(o.contextId !== undefined && { contextId: o.contextId }),
      ...(o.component !== undefined && { component: o.component }),
      ...(o.taskType !== undefined && { taskType: o.taskType }),
      ...(o.tier !== undefined && { tier: o.tier }),
      ...(o.priority !== undefined && { priority: o.priority }),
      ...(o.ttlSeconds !== undefined && { ttlSeconds: o.ttlSeconds }),
    }
    let provider = estimate.provider
    let model = estimate.model
    let decision: CheckDecision
    if (o.downgrade === true) {
      const routed = await o.service.routeWithBudget(request)
      ;({ provider, model, decision } = routed)
    } else {
      decision = await o.service.check(request)
    }
    if (!decision.allowed) throw new BudgetExceededError(decision, estimate.provider, estimate.model)
    return new OpenCall(o, provider, model, estimate.inputTokens, decision, o.onError ?? warn)
  }
}

/** One reserved call: settles once, by commit or release. */
export class OpenCall {
  private settled = false

  constructor(
    private readonly options: BudgetWrapperOptions,
    readonly provider: string,
    readonly model: string,
    /** The input tokens counted before the call: what an estimated commit charges. */
    readonly inputEstimate: number,
    readonly decision: CheckDecision,
    private readonly onError: (error: unknown) => void,
  ) {}

  get reservationId(): string | null {
    return this.decision.reservation?.id ?? null
  }

  async commit(usage: CallUsage): Promise<void> {
    if (this.settled) return
    this.settled = true
    const o = this.options
    const metadata = { ...o.metadata, ...(usage.estimated === true && { estimated: true }) }
    try {
      await o.service.recordUsage({
        ...(this.reservationId !== null && { reservationId: this.reservationId }),
        ...(o.budgetId !== undefined && { budgetId: o.budgetId }),
        ...(o.contextId !== undefined && { contextId: o.contextId }),
        ...(o.component !== undefined && { component: o.component }),
        ...(o.taskType !== undefined && { taskType: o.taskType }),
        ...(o.tier !== undefined && { tier: o.tier }),
        provider: this.provider,
        model: usage.model ?? this.model,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        cacheReadTokens: usage.cacheReadTokens ?? 0,
        cacheWriteTokens: usage.cacheWriteTokens ?? 0,
        ...(usage.cacheWrite1hTokens !== undefined && { cacheWrite1hTokens: usage.cacheWrite1hTokens }),
        ...(usage.reasoningTokens !== undefined && { reasoningTokens: Math.min(usage.reasoningTokens, usage.outputTokens) }),
        ...(Object.keys(metadata).length > 0 && { metadata }),
      })
    } catch (error) {
      this.onError(error)
    }
  }

  async release(): Promise<void> {
    if (this.settled) return
    this.settled = true
    if (this.reservationId === null) return
    try {
      await this.options.service.release(this.reservationId)
    } catch (error) {
      this.onError(error)
    }
  }
}
