/**
 * `budget run`: starts the fleet's `claude -p … --output-format stream-json --verbose`
 * instances, at most `maxParallel` at a time, reads each stream as it arrives, records the
 * usage, and enforces the run's budgets.
 *
 * Owns enforcement (seed 004). warn: a note when a budget passes 80 % and 100 %, and the
 * run goes on. block: an instance of an exhausted command (or of any command, once the
 * overall or cost budget is exhausted) is not started, and running instances counting
 * against a budget that becomes exhausted are stopped (SIGTERM, SIGKILL after the grace
 * period); both end `blocked`. Without budgets there is no tracker and a line costs only
 * its parsing, its pricing and, when a message settles, a queued record.
 *
 * Records: each message once it is settled (component `claude-code`, task type = the
 * command, context = the session id), then, from the final `result`, the difference up to
 * the run's true totals (reconcile.ts).
 */
import { createHash, randomUUID } from 'node:crypto'
import type { UsageInput } from '../domain/usage.js'
import { type ClaudeTokens, totalTokens } from '../importers/claude-code/entry.js'
import type { LedgerEntry } from '../importers/claude-code/ledger.js'
import { COMPONENT, PROVIDER, toUsageInput } from '../importers/claude-code/to-usage.js'
import type { Pricer } from '../importers/pricer.js'
import { type BudgetEvent, BudgetTracker } from './budget-tracker.js'
import { InstanceProcess } from './instance-process.js'
import { InstanceRun, type InstanceState } from './instance-run.js'
import type { RunPlan } from './plan.js'
import { reconcileDeltas } from './reconcile.js'
import type { UsageSink } from './usage-sink.js'

export interface RunnerDeps {
  sink: UsageSink | null
  pricer: Pricer | null
  /** Notes for a person (starts, ends, budget warnings). */
  note(text: string, level?: 'info' | 'warn'): void
  /** Something visible changed. */
  changed?(): void
  now?: () => number
}

export class FleetRunner {
  readonly runId = randomUUID()
  readonly instances: InstanceRun[]
  readonly tracker: BudgetTracker | null
  startedAtMs = 0
  endedAtMs = 0
  #queue: InstanceRun[]
  #running = 0
  #cancelled = false
  #finished: (() => void) | null = null
  readonly #now: () => number

  constructor(
    readonly plan: RunPlan,
    private readonly deps: RunnerDeps,
  ) {
    this.instances = plan.instances.map((p) => new InstanceRun(p))
    this.#queue = [...this.instances]
    this.tracker = plan.budgets === null ? null : new BudgetTracker(plan.budgets)
    this.#now = deps.now ?? Date.now
  }

  async run(): Promise<void> {
    this.startedAtMs = this.#now()
    const done = new Promise<void>((resolve) => (this.#finished = resolve))
    this.#pump()
    await done
    this.endedAtMs = this.#now()
    await this.deps.sink?.flush()
  }

  /** Stops everything: pending instances are cancelled, running ones stopped. */
  cancel(): void {
    if (this.#cancelled) {
      for (const inst of this.instances) inst.process?.kill()
      return
    }
    this.#cancelled = true
    for (const inst of this.instances) if (inst.state === 'running') this.#stop(inst, 'cancelled', 'run cancelled')
    this.#pump()
  }

  #pump(): void {
    while (this.#running < this.plan.maxParallel && this.#queue.length > 0) {
      const inst = this.#queue.shift() as InstanceRun
      if (this.#cancelled) {
        this.#end(inst, 'cancelled', 'run cancelled before it started')
        continue
      }
      const exhausted = this.tracker?.exhausted(inst.plan.budgetKey) ?? []
      if (exhausted.length > 0) {
        const what = exhausted.map((e) => `${e.label} budget`).join(' and ')
        if (this.tracker?.mode === 'block') {
          for (const e of exhausted) this.tracker.noteNotStarted(e, inst.plan.name)
          this.#end(inst, 'blocked', `not started: the ${what} is exhausted`)
          this.deps.note(`${inst.plan.name}: not started, the ${what} is exhausted`, 'warn')
          continue
        }
        this.deps.note(`${inst.plan.name}: starting although the ${what} is exhausted (warn mode)`, 'warn')
      }
      this.#start(inst)
    }
    if (this.#running === 0 && this.#queue.length === 0) this.#finished?.()
  }

  #start(inst: InstanceRun): void {
    const { plan } = inst
    const args = ['-p', plan.prompt, '--output-format', 'stream-json', '--verbose']
    if (plan.model !== undefined) args.push('--model', plan.model)
    if (plan.maxTurns !== undefined) args.push('--max-turns', String(plan.maxTurns))
    args.push(...plan.args)
    inst.state = 'running'
    inst.startedAtMs = this.#now()
    this.#running++
    inst.process = new InstanceProcess({
      bin: this.plan.claudeBin,
      args,
      cwd: plan.cwd,
      onStdout: (chunk) => this.#read(inst, chunk),
      onStderr: (chunk) => inst.noteStderr(chunk),
    })
    const timeout = this.plan.timeoutMs === null ? null : setTimeout(() => this.#stop(inst, 'timed_out', `no result within ${this.plan.timeoutMs} ms`), this.plan.timeoutMs)
    this.deps.note(`${plan.name}: started ${plan.command === plan.name ? '' : `${plan.command} `}(pid ${inst.process.pid ?? '?'})`)
    this.deps.changed?.()
    void inst.process.done.then((end) => {
      if (timeout !== null) clearTimeout(timeout)
      this.#exited(inst, end.code, end.signal, end.error)
    })
  }

  /** The hot path: every chunk of every instance's stdout. */
  #read(inst: InstanceRun, chunk: Buffer): void {
    for (const line of inst.splitter.push(chunk)) this.#line(inst, line.bytes)
  }

  #line(inst: InstanceRun, bytes: Buffer): void {
    inst.lines++
    const outcome = inst.session.line(bytes, this.#now())
    if (outcome.kind === 'none') return
    if (outcome.kind === 'malformed') {
      inst.noteMalformed(outcome.reason)
      return
    }
    if (outcome.kind === 'usage') {
      // One line per content block, each with a copy of the usage: a repeat changes nothing.
      if (outcome.replaced !== null && sameTokens(outcome.replaced.tokens, outcome.entry.tokens)) {
        if (outcome.settled !== null) this.#record(inst, outcome.settled)
        return
      }
      if (this.deps.pricer !== null) {
        const missing = inst.price(outcome, this.deps.pricer)
        if (missing !== null) this.#fetchPrice(inst, missing)
      }
      if (outcome.settled !== null) this.#record(inst, outcome.settled)
    }
    if (this.tracker !== null) this.#count(inst)
    this.deps.changed?.()
  }

  #fetchPrice(inst: InstanceRun, model: string): void {
    const pricer = this.deps.pricer as Pricer
    pricer.load(model, inst.startedAtMs ?? this.#now()).then(
      () => {
        const still = inst.reprice(pricer)
        if (still !== null && still !== model) this.#fetchPrice(inst, still)
        else if (this.tracker !== null) this.#count(inst)
      },
      (error: unknown) => this.deps.note(`${inst.plan.name}: no price for ${model}: ${error instanceof Error ? error.message : String(error)}`, 'warn'),
    )
  }

  /** Tells the tracker what changed since last time and acts on the limits crossed. */
  #count(inst: InstanceRun): void {
    const tracker = this.tracker as BudgetTracker
    const tokens = inst.session.totalTokens
    const cost = inst.costNano ?? inst.countedCostNano
    const events = tracker.add(inst.plan.budgetKey, tokens - inst.countedTokens, cost - inst.countedCostNano)
    inst.countedTokens = tokens
    inst.countedCostNano = cost
    for (const event of events) this.#enforce(event)
  }

  #enforce(event: BudgetEvent): void {
    const tracker = this.tracker as BudgetTracker
    const shown = event.kind === 'cost' ? `$${(event.used / 1e9).toFixed(4)} of $${(event.limit / 1e9).toFixed(4)}` : `${event.used.toLocaleString('en-US')} of ${event.limit.toLocaleString('en-US')} tokens`
    const scope = `${event.label} budget`
    if (event.status === 'warning' || tracker.mode === 'warn') {
      this.deps.note(`budget ${event.status}: ${scope} at ${Math.round((event.used / event.limit) * 100)}% (${shown})`, 'warn')
      return
    }
    const targets = this.instances.filter((i) => i.state === 'running' && (event.kind !== 'command' || i.plan.budgetKey === event.key))
    this.deps.note(`budget exhausted: ${scope} (${shown})${targets.length > 0 ? `; stopping ${targets.map((t) => t.plan.name).join(', ')}` : ''}`, 'warn')
    for (const inst of targets) {
      tracker.noteStopped(event, inst.plan.name)
      this.#stop(inst, 'blocked', `stopped: the ${scope} is exhausted (${shown})`)
    }
  }

  #stop(inst: InstanceRun, state: InstanceState, reason: string): void {
    if (inst.state !== 'running') return
    inst.state = state
    inst.reason = reason
    inst.process?.stop(this.plan.killGraceMs)
    this.deps.changed?.()
  }

  #exited(inst: InstanceRun, code: number | null, signal: string | null, error: string | null): void {
    const last = inst.splitter.finish()
    if (last !== null) this.#line(inst, last.bytes)
    for (const item of inst.session.finish()) this.#record(inst, item)
    this.#reconcile(inst)
    if (this.tracker !== null) this.#count(inst)
    inst.exitCode = code
    inst.signal = signal
    inst.endedAtMs = this.#now()
    if (inst.state === 'running') {
      const result = inst.session.result
      if (error !== null) this.#end(inst, 'failed', `could not start: ${error}`)
      else if (code === 0 && result?.isError !== true) this.#end(inst, 'completed', null)
      else this.#end(inst, 'failed', result?.isError ? `result ${result.subtype ?? 'error'}` : `exited with ${signal ?? `code ${code}`}`)
    } else {
      this.#end(inst, inst.state, inst.reason)
    }
    this.#running--
    const tokens = inst.session.totalTokens.toLocaleString('en-US')
    const cost = inst.costUsd === null ? '' : `, $${inst.costUsd.toFixed(4)}`
    this.deps.note(`${inst.plan.name}: ${inst.state}${inst.reason ? ` (${inst.reason})` : ''}: ${tokens} tokens${cost}`, inst.state === 'completed' ? 'info' : 'warn')
    this.#pump()
  }

  #end(inst: InstanceRun, state: InstanceState, reason: string | null): void {
    inst.state = state
    inst.reason = reason
    inst.endedAtMs ??= this.#now()
    this.deps.changed?.()
  }

  #record(inst: InstanceRun, item: LedgerEntry): void {
    this.deps.sink?.add(
      toUsageInput(item, {
        fallbackTimestampMs: this.#now(),
        taskType: inst.plan.command,
        ...(inst.session.sessionId !== null && { contextId: inst.session.sessionId }),
        metadata: { instance: inst.plan.name, runId: this.runId },
      }),
    )
  }

  /** Records the difference between the run's result and its recorded messages. */
  #reconcile(inst: InstanceRun): void {
    const result = inst.session.result
    if (this.deps.sink === null || result === null) return
    const session = inst.session.sessionId ?? `${this.runId}/${inst.plan.name}`
    const deltas = reconcileDeltas(inst.session.ledger.values(), result, inst.session.model)
    for (const [model, delta] of deltas) this.deps.sink.add(reconcileRecord(session, model, delta, inst, this.runId, this.#now()))
  }
}

const sameTokens = (a: ClaudeTokens, b: ClaudeTokens) =>
  a.inputTokens === b.inputTokens && a.outputTokens === b.outputTokens && a.cacheReadTokens === b.cacheReadTokens && a.cacheWriteTokens === b.cacheWriteTokens && a.cacheWrite1hTokens === b.cacheWrite1hTokens

function reconcileRecord(session: string, model: string, t: ClaudeTokens, inst: InstanceRun, runId: string, nowMs: number): UsageInput {
  return {
    id: `ccr_${createHash('sha256').update(`${session}|${model}`).digest('hex').slice(0, 32)}`,
    provider: PROVIDER,
    model,
    component: COMPONENT,
    taskType: inst.plan.command,
    ...(inst.session.sessionId !== null && { contextId: inst.session.sessionId }),
    operation: 'reconcile',
    inputTokens: t.inputTokens,
    outputTokens: t.outputTokens,
    cacheReadTokens: t.cacheReadTokens,
    cacheWriteTokens: t.cacheWriteTokens,
    ...(t.cacheWrite1hTokens > 0 && { cacheWrite1hTokens: t.cacheWrite1hTokens }),
    timestamp: new Date(nowMs).toISOString(),
    metadata: { instance: inst.plan.name, runId, reconcile: true, tokens: totalTokens(t), runCostUsd: inst.session.result?.costUsd ?? null },
  }
}
