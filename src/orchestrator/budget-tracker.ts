/**
 * The run's budgets (seed 004): tokens per command, tokens overall, cost overall — what is
 * used, whether a command may start another instance, and when a limit is crossed.
 *
 * Owns the thresholds: a scope is *warning* from 80 % of its limit and *exceeded* at 100 %
 * (used ≥ limit: nothing more may start). Each crossing is reported once, as an event the
 * runner acts on (warn: a note; block: stop the scope's running instances). Tokens count
 * input + output + cache read + cache write, as engine policies do.
 *
 * Exists only when the run has budgets: without one, the runner holds no tracker and its
 * line path does no budget work at all.
 */
import type { BudgetPlan, EnforcementMode } from './plan.js'

export const WARNING_RATIO = 0.8

export type ScopeKind = 'command' | 'overall' | 'cost'
export type ScopeStatus = 'ok' | 'warning' | 'exceeded'

export interface BudgetEvent {
  kind: ScopeKind
  /** The budget key for a command scope. */
  key: string | null
  label: string
  status: Exclude<ScopeStatus, 'ok'>
  used: number
  limit: number
}

interface Scope {
  kind: ScopeKind
  key: string | null
  label: string
  limit: number
  used: number
  status: ScopeStatus
  stopped: string[]
  notStarted: string[]
  warned: boolean
}

export interface ScopeReport {
  kind: ScopeKind
  command: string | null
  /** Tokens, or USD for the cost scope. */
  limit: number
  used: number
  utilization: number
  status: ScopeStatus
  /** Instances stopped while running (block). */
  stopped: string[]
  /** Instances never started because the scope was exhausted (block). */
  notStarted: string[]
  /** A warning or exceeded note was given. */
  warned: boolean
}

export class BudgetTracker {
  readonly mode: EnforcementMode
  readonly #commands = new Map<string, Scope>()
  readonly #overall: Scope | null
  readonly #cost: Scope | null

  constructor(plan: BudgetPlan) {
    this.mode = plan.mode
    for (const [key, { command, tokens }] of plan.commands) this.#commands.set(key, scope('command', key, command, tokens))
    this.#overall = plan.overallTokens === null ? null : scope('overall', null, 'overall', plan.overallTokens)
    this.#cost = plan.costNano === null ? null : scope('cost', null, 'cost', plan.costNano)
  }

  /** Adds a change of tokens (may be negative when a result corrects the stream) and of cost (nano-USD). */
  add(key: string, tokensDelta: number, costNanoDelta: number): BudgetEvent[] {
    const events: BudgetEvent[] = []
    if (tokensDelta !== 0) {
      const command = this.#commands.get(key)
      if (command) bump(command, tokensDelta, events)
      if (this.#overall) bump(this.#overall, tokensDelta, events)
    }
    if (costNanoDelta !== 0 && this.#cost) bump(this.#cost, costNanoDelta, events)
    return events
  }

  /** The exhausted scopes that stop an instance of `key` from starting (empty: it may start). */
  exhausted(key: string): BudgetEvent[] {
    return [this.#commands.get(key), this.#overall, this.#cost]
      .filter((s): s is Scope => s !== undefined && s !== null && s.status === 'exceeded')
      .map((s) => eventOf(s))
  }

  noteStopped(event: BudgetEvent, instance: string): void {
    this.#scopeOf(event)?.stopped.push(instance)
  }

  noteNotStarted(event: BudgetEvent, instance: string): void {
    this.#scopeOf(event)?.notStarted.push(instance)
  }

  /** Utilization (0..) of the tightest scope an instance of `key` counts against, for its bar. */
  utilizationOf(key: string): number | null {
    const scopes = [this.#commands.get(key), this.#overall, this.#cost].filter((s): s is Scope => s !== undefined && s !== null)
    return scopes.length === 0 ? null : Math.max(...scopes.map((s) => s.used / s.limit))
  }

  report(): ScopeReport[] {
    const all = [...this.#commands.values(), this.#overall, this.#cost].filter((s): s is Scope => s !== null)
    return all.map((s) => ({
      kind: s.kind,
      command: s.kind === 'command' ? s.label : null,
      limit: s.kind === 'cost' ? s.limit / 1e9 : s.limit,
      used: s.kind === 'cost' ? Math.max(0, s.used) / 1e9 : Math.max(0, s.used),
      utilization: Math.max(0, s.used) / s.limit,
      status: s.status,
      stopped: s.stopped,
      notStarted: s.notStarted,
      warned: s.warned,
    }))
  }

  #scopeOf(event: BudgetEvent): Scope | null | undefined {
    return event.kind === 'command' ? this.#commands.get(event.key ?? '') : event.kind === 'overall' ? this.#overall : this.#cost
  }
}

const scope = (kind: ScopeKind, key: string | null, label: string, limit: number): Scope => ({
  kind,
  key,
  label,
  limit,
  used: 0,
  status: 'ok',
  stopped: [],
  notStarted: [],
  warned: false,
})

const eventOf = (s: Scope): BudgetEvent => ({ kind: s.kind, key: s.key, label: s.label, status: s.status as BudgetEvent['status'], used: s.used, limit: s.limit })

/** Adds to a scope and reports a move to a higher status once; a status never goes back down. */
function bump(s: Scope, delta: number, events: BudgetEvent[]): void {
  s.used += delta
  const status: ScopeStatus = s.used >= s.limit ? 'exceeded' : s.used >= s.limit * WARNING_RATIO ? 'warning' : 'ok'
  if (rank(status) > rank(s.status)) {
    s.status = status
    s.warned = true
    events.push(eventOf(s))
  }
}

const rank = (s: ScopeStatus) => (s === 'ok' ? 0 : s === 'warning' ? 1 : 2)
