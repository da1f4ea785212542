/**
 * When and where alert rules are evaluated. Listens on the event bus — a recorded record
 * (`usage.recorded`), a batch (`usage.batch`, with the budgets it touched), a check that
 * reserved (`budget.check`) — and evaluates the affected budgets' windows after the
 * publisher has moved on, never inside the request that published.
 *
 * Work is coalesced: events for one budget within one second become one evaluation at
 * the latest instant among them (per_session windows: one for each session they named).
 * Every window boundary falls on a whole second, so nothing that belongs to an earlier
 * window is evaluated against a later one.
 * A record is evaluated at its own timestamp, so a record that closes a window is judged
 * in that window even when the evaluation runs after the window has ended.
 */
import { BudgetError } from '../domain/errors.js'
import { requireBudget } from '../engine/budgets.js'
import type { EngineContext } from '../engine/context.js'
import { currentSpan } from '../engine/policy-window.js'
import type { BudgetEvent } from '../events/bus.js'
import { budgetsOfPolicies, budgetsWithPolicies } from '../store/alerts.js'
import { enabledPolicies } from '../store/budgets.js'
import { policyCounters } from '../store/usage.js'
import { alertWindow } from './dedup.js'
import { type AlertCandidate, alertsFor } from './rules.js'

/** What to evaluate: some budgets at an instant, and the sessions whose per_session windows to look at. */
type Work =
  | { kind: 'budget'; budgetId: string; contextIds: Set<string>; atMs: number }
  | { kind: 'policies'; policyIds: string[]; contextIds: Set<string>; atMs: number }
  | { kind: 'all'; contextIds: Set<string>; atMs: number }

/** Evaluations waiting; past this, new work is dropped (and counted) rather than held without bound. */
const MAX_PENDING = 100_000

export class Evaluator {
  private readonly pending = new Map<string, Work>()
  /** Evaluations dropped because too many were waiting; logged every thousandth. */
  private dropped = 0
  private running: Promise<void> | null = null
  private scheduled = false

  constructor(
    private readonly ctx: EngineContext,
    private readonly raise: (candidates: AlertCandidate[]) => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** The bus listener: notes what to evaluate and returns at once. */
  readonly onEvent = (event: BudgetEvent): void => {
    const second = (ms: number) => Math.floor(ms / 1000)
    const contexts = (contextId: string | null | undefined) => new Set(contextId ? [contextId] : [])
    if (event.type === 'usage.recorded') {
      const record = event.payload as { budgetId: string | null; contextId: string | null; timestamp: string }
      const atMs = Date.parse(record.timestamp)
      if (record.budgetId === null) this.add(`all|${second(atMs)}`, { kind: 'all', contextIds: contexts(record.contextId), atMs })
      else this.add(`b|${record.budgetId}|${second(atMs)}`, { kind: 'budget', budgetId: record.budgetId, contextIds: contexts(record.contextId), atMs })
    } else if (event.type === 'usage.batch') {
      const atMs = this.ctx.now()
      const budgetIds = (event.payload as { budgetIds?: unknown }).budgetIds
      if (!Array.isArray(budgetIds)) this.add(`all|${second(atMs)}`, { kind: 'all', contextIds: new Set(), atMs })
      else for (const budgetId of budgetIds as string[]) this.add(`b|${budgetId}|${second(atMs)}`, { kind: 'budget', budgetId, contextIds: new Set(), atMs })
    } else if (event.type === 'budget.check') {
      const decision = event.payload as { reservation?: unknown; policies?: { policyId: string }[] }
      const policyIds = (decision.policies ?? []).map((p) => p.policyId).sort()
      if (decision.reservation === null || policyIds.length === 0) return
      const atMs = this.ctx.now()
      this.add(`p|${policyIds.join(',')}|${second(atMs)}`, { kind: 'policies', policyIds, contextIds: new Set(), atMs })
    }
  }

  /**
   * What one budget's windows at `atMs` call for: each policy's window once, and a
   * per_session policy's window for each of `contextIds`.
   */
  async evaluateBudget(budgetIdOrName: string, contextIds: Iterable<string>, atMs: number): Promise<AlertCandidate[]> {
    const db = this.ctx.store.db
    const budget = await requireBudget(db, budgetIdOrName)
    if (budget.archived) return []
    const candidates: AlertCandidate[] = []
    for (const policy of await enabledPolicies(db, budget.id)) {
      if (policy.type === 'ignore') continue
      for (const contextId of policy.period === 'per_session' ? contextIds : [null]) {
        const span = currentSpan(policy, atMs, this.ctx.timeZone, contextId)
        const window = span === null ? null : alertWindow(policy, span, atMs, contextId)
        if (span === null || window === null) continue
        const { used, held } = await policyCounters(db, policy.id, span, this.ctx.now())
        candidates.push(...alertsFor({ policy, budgetName: budget.name, window, used, held, contextId, atMs, nowMs: this.ctx.now() }))
      }
    }
    return candidates
  }

  /** Budgets that have enabled policies, for an evaluation of everything. */
  allBudgets(): Promise<string[]> {
    return budgetsWithPolicies(this.ctx.store.db)
  }

  /** Waits until every evaluation noted so far has run. */
  async drain(): Promise<void> {
    while (this.pending.size > 0 || this.running !== null || this.scheduled) {
      if (this.running === null && !this.scheduled) this.run()
      await (this.running ?? new Promise((resolve) => setImmediate(resolve)))
    }
  }

  private add(key: string, work: Work): void {
    const known = this.pending.get(key)
    if (known !== undefined) {
      known.atMs = Math.max(known.atMs, work.atMs)
      for (const contextId of work.contextIds) known.contextIds.add(contextId)
    } else if (this.pending.size >= MAX_PENDING) {
      if (this.dropped++ % 1000 === 0) this.onError(new Error(`alert evaluations dropped (${this.dropped} so far): more than ${MAX_PENDING} were waiting`))
      return
    } else {
      this.pending.set(key, work)
    }
    if (this.scheduled || this.running !== null) return
    this.scheduled = true
    // After the publisher's turn: events published together are evaluated together.
    setImmediate(() => {
      this.scheduled = false
      this.run()
    })
  }

  private run(): void {
    if (this.running !== null) return
    this.running = (async () => {
      while (this.pending.size > 0) {
        const [key, work] = this.pending.entries().next().value as [string, Work]
        this.pending.delete(key)
        try {
          await this.perform(work)
        } catch (error) {
          this.onError(error)
        }
      }
    })().finally(() => {
      this.running = null
    })
  }

  private async perform(work: Work): Promise<void> {
    const budgetIds =
      work.kind === 'budget' ? [work.budgetId] : work.kind === 'policies' ? await budgetsOfPolicies(this.ctx.store.db, work.policyIds) : await this.allBudgets()
    for (const budgetId of budgetIds) {
      let candidates: AlertCandidate[]
      try {
        candidates = await this.evaluateBudget(budgetId, work.contextIds, work.atMs)
      } catch (error) {
        // A budget deleted since the event has nothing left to alert on.
        if (error instanceof BudgetError && error.code === 'NOT_FOUND') continue
        throw error
      }
      if (candidates.length > 0) await this.raise(candidates)
    }
  }
}
