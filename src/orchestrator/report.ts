/**
 * The end of a fleet run: one object (`--json` prints exactly it) with every instance, the
 * budgets and what enforcing them did, totals, what was recorded, and the runner's own CPU;
 * and its human rendering — an instance table, then a budget section per command.
 *
 * Owns the exit code: 1 when an instance failed or timed out (or the run was cancelled),
 * else 3 when a budget blocked something (an instance stopped or never started), else 0.
 */
import Table from 'cli-table3'
import { budgetBar, percentOf } from './bar.js'
import type { ScopeReport } from './budget-tracker.js'
import { type Colors } from './colors.js'
import type { InstanceState } from './instance-run.js'
import type { FleetRunner } from './runner.js'
import { paintState } from './status-view.js'
import type { SinkStats } from './usage-sink.js'

export interface InstanceReport {
  name: string
  command: string
  prompt: string
  state: InstanceState
  reason: string | null
  exitCode: number | null
  signal: string | null
  stopSignal: string | null
  pid: number | null
  sessionId: string | null
  model: string | null
  startedAt: string | null
  endedAt: string | null
  durationMs: number | null
  turns: number | null
  messages: number
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number; cacheWrite1h: number; total: number }
  /** From the result (`costSource: result`) or priced from the stream (`estimate`). */
  costUsd: number | null
  costSource: 'result' | 'estimate' | null
  reconciled: boolean
  lines: number
  malformedLines: number
  issues: string[]
  stderrTail: string | null
}

export interface RunReport {
  runId: string
  startedAt: string
  endedAt: string
  durationMs: number
  exitCode: 0 | 1 | 3
  enforcement: 'warn' | 'block' | null
  instances: InstanceReport[]
  budgets: ScopeReport[]
  totals: { instances: number; completed: number; failed: number; blocked: number; tokens: number; costUsd: number; unpricedInstances: number }
  recording: (SinkStats & { enabled: true }) | { enabled: false }
  runner: { cpuUserMs: number; cpuSystemMs: number; maxRssMb: number }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export function buildReport(runner: FleetRunner, sink: SinkStats | null, cpu: NodeJS.CpuUsage): RunReport {
  const instances = runner.instances.map((inst): InstanceReport => {
    const t = inst.session.tokens
    const result = inst.session.result
    return {
      name: inst.plan.name,
      command: inst.plan.command,
      prompt: inst.plan.prompt,
      state: inst.state,
      reason: inst.reason,
      exitCode: inst.exitCode,
      signal: inst.signal,
      stopSignal: inst.process?.stopSignal ?? null,
      pid: inst.process?.pid ?? null,
      sessionId: inst.session.sessionId,
      model: inst.session.model,
      startedAt: iso(inst.startedAtMs),
      endedAt: iso(inst.endedAtMs),
      durationMs: inst.durationMs,
      turns: result?.numTurns ?? null,
      messages: inst.session.ledger.size,
      tokens: { input: t.inputTokens, output: t.outputTokens, cacheRead: t.cacheReadTokens, cacheWrite: t.cacheWriteTokens, cacheWrite1h: t.cacheWrite1hTokens, total: inst.session.totalTokens },
      costUsd: inst.costUsd,
      costSource: inst.costSource,
      reconciled: result?.tokens != null,
      lines: inst.lines,
      malformedLines: inst.malformedLines,
      issues: inst.issues,
      stderrTail: inst.state === 'completed' || inst.stderrTail === '' ? null : inst.stderrTail,
    }
  })
  const failed = instances.filter((i) => i.state === 'failed' || i.state === 'timed_out' || i.state === 'cancelled').length
  const blocked = instances.filter((i) => i.state === 'blocked').length
  const costNano = runner.instances.reduce((sum, i) => sum + BigInt(i.costNano ?? 0), 0n)
  const usage = process.resourceUsage()
  return {
    runId: runner.runId,
    startedAt: new Date(runner.startedAtMs).toISOString(),
    endedAt: new Date(runner.endedAtMs).toISOString(),
    durationMs: runner.endedAtMs - runner.startedAtMs,
    exitCode: failed > 0 ? 1 : blocked > 0 ? 3 : 0,
    enforcement: runner.tracker?.mode ?? null,
    instances,
    budgets: runner.tracker?.report() ?? [],
    totals: {
      instances: instances.length,
      completed: instances.filter((i) => i.state === 'completed').length,
      failed,
      blocked,
      tokens: instances.reduce((s, i) => s + i.tokens.total, 0),
      costUsd: Number(costNano) / 1e9,
      unpricedInstances: instances.filter((i) => i.costUsd === null && i.state !== 'blocked').length,
    },
    recording: sink === null ? { enabled: false } : { enabled: true, ...sink },
    runner: { cpuUserMs: Math.round(cpu.user / 1000), cpuSystemMs: Math.round(cpu.system / 1000), maxRssMb: Math.round(usage.maxRSS / 1024) },
  }
}

const num = (n: number) => n.toLocaleString('en-US')
const money = (usd: number | null) => (usd === null ? '-' : `$${usd.toFixed(4)}`)

export function renderReport(report: RunReport, c: Colors): string {
  const table = new Table({
    head: ['INSTANCE', 'STATE', 'COMMAND', 'TURNS', 'INPUT', 'OUTPUT', 'CACHE R/W', 'TOTAL', 'COST', 'TIME'].map((h) => c.bold(h)),
    style: { head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 2 },
    chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '' },
    colAligns: ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  })
  for (const i of report.instances) {
    table.push([
      i.name,
      paintState(i.state, c),
      i.command,
      i.turns ?? '-',
      num(i.tokens.input),
      num(i.tokens.output),
      `${num(i.tokens.cacheRead)}/${num(i.tokens.cacheWrite)}`,
      num(i.tokens.total),
      `${money(i.costUsd)}${i.costSource === 'estimate' ? '~' : ''}`,
      i.durationMs === null ? '-' : `${(i.durationMs / 1000).toFixed(1)}s`,
    ])
  }
  const out = [table.toString().split('\n').map((l) => l.trimEnd()).join('\n')]
  const notes = report.instances.filter((i) => i.reason !== null || i.malformedLines > 0)
  for (const i of notes) {
    const parts = [i.reason, i.malformedLines > 0 ? `${i.malformedLines} malformed line(s) skipped` : null].filter(Boolean)
    out.push(`  ${c.dim(`${i.name}:`)} ${parts.join('; ')}`)
  }
  if (report.budgets.length > 0) {
    out.push('', c.bold(`Budgets (${report.enforcement})`))
    const width = Math.max(...report.budgets.map((b) => (b.command ?? b.kind).length))
    for (const b of report.budgets) {
      const used = b.kind === 'cost' ? `${money(b.used)} / ${money(b.limit)}` : `${num(b.used)} / ${num(b.limit)} tokens`
      const outcome = [
        b.stopped.length > 0 ? `stopped ${b.stopped.join(', ')}` : null,
        b.notStarted.length > 0 ? `not started ${b.notStarted.join(', ')}` : null,
      ].filter(Boolean)
      const status = b.status === 'ok' ? c.green('ok') : b.status === 'warning' ? c.yellow('warning') : c.red('exceeded')
      out.push(`  ${(b.command ?? b.kind).padEnd(width)}  ${budgetBar(b.utilization, c)} ${percentOf(b.utilization).padStart(4)}  ${used}  ${status}${outcome.length > 0 ? ` — ${outcome.join('; ')}` : ''}`)
    }
  }
  const t = report.totals
  out.push('', `${t.instances} instance(s): ${t.completed} completed, ${t.failed} failed, ${t.blocked} blocked · ${num(t.tokens)} tokens · ${money(t.costUsd)} · ${(report.durationMs / 1000).toFixed(1)}s`)
  const r = report.recording
  if (r.enabled) out.push(c.dim(`recorded ${num(r.recorded)} usage record(s)${r.duplicates > 0 ? `, ${num(r.duplicates)} already known` : ''}${r.failed > 0 ? `; ${num(r.failed)} NOT recorded: ${r.error}` : ''}`))
  if (report.instances.some((i) => i.costSource === 'estimate')) out.push(c.dim('~ cost priced from the stream (no result line): an estimate'))
  return `${out.join('\n')}\n`
}
