/**
 * From flags and a fleet file to a validated RunPlan, before anything starts: every
 * mistake (a bad limit, an unknown mode, a budget for a command no instance runs, a missing
 * working directory or executable) is a BudgetError VALIDATION_FAILED, so `budget run`
 * exits 2 having started nothing.
 *
 * An instance's *command* — what budgets are kept per — is the first word of its slash
 * command (`/analyze src` → `/analyze`), or its name when its prompt is free text.
 * Flags win over the file; `--no-budget` drops every budget, from flags and file alike.
 */
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path'
import { BudgetError } from '../domain/errors.js'
import { type FleetFile, type InstanceSpec, loadFleetFile } from './fleet-config.js'
import { budgetKeyOf, parseCommandBudget, parseTokenLimit, parseUsdLimit } from './limits.js'

export type EnforcementMode = 'warn' | 'block'

export interface InstancePlan {
  name: string
  prompt: string
  /** As shown: `/analyze`, or the instance name for a free prompt. */
  command: string
  budgetKey: string
  cwd: string
  model?: string
  maxTurns?: number
  args: string[]
}

export interface BudgetPlan {
  mode: EnforcementMode
  /** Per budget key. */
  commands: Map<string, { command: string; tokens: number }>
  overallTokens: number | null
  costNano: number | null
}

export interface RunPlan {
  instances: InstancePlan[]
  maxParallel: number
  claudeBin: string
  budgets: BudgetPlan | null
  killGraceMs: number
  timeoutMs: number | null
  statusIntervalMs: number
  record: boolean
}

export interface RunFlags {
  config?: string
  instance?: string[]
  maxParallel?: number
  claudeBin?: string
  model?: string
  maxTurns?: number
  commandBudget?: string[]
  overallBudget?: string
  costBudget?: string
  budgetEnforcementMode?: string
  /** false with --no-budget. */
  budget?: boolean
  killGrace?: string
  timeout?: string
  statusInterval?: string
  /** false with --no-record. */
  record?: boolean
}

const invalid = (message: string, details: Record<string, unknown> = {}) => new BudgetError('VALIDATION_FAILED', message, details)

export function buildPlan(flags: RunFlags, env: { cwd: string; path: string | undefined }): RunPlan {
  const file: FleetFile | null = flags.config === undefined ? null : loadFleetFile(resolve(env.cwd, flags.config))
  const base = flags.config === undefined ? env.cwd : dirname(resolve(env.cwd, flags.config))
  const specs: { spec: InstanceSpec; base: string }[] = [
    ...(file?.instances ?? []).map((spec) => ({ spec, base })),
    ...(flags.instance ?? []).map((text) => ({ spec: instanceFlag(text), base: env.cwd })),
  ]
  if (specs.length === 0) throw invalid('nothing to run: give --config FILE or at least one --instance "name=/command args"')
  const instances = nameInstances(specs.map(({ spec, base }) => toInstance(spec, base, flags)))
  const maxParallel = flags.maxParallel ?? file?.maxParallel ?? instances.length
  if (!Number.isSafeInteger(maxParallel) || maxParallel < 1) throw invalid(`--max-parallel must be a positive whole number, got ${maxParallel}`)
  return {
    instances,
    maxParallel,
    claudeBin: findExecutable(flags.claudeBin ?? 'claude', env),
    budgets: flags.budget === false ? null : budgetPlan(flags, file, instances),
    killGraceMs: seconds(flags.killGrace, '--kill-grace', 5),
    timeoutMs: flags.timeout === undefined ? null : seconds(flags.timeout, '--timeout', 0),
    statusIntervalMs: seconds(flags.statusInterval, '--status-interval', 10),
    record: flags.record !== false,
  }
}

/** `--instance name=/cmd args` or `--instance "/cmd args"` (named after the command). */
function instanceFlag(text: string): InstanceSpec {
  const named = /^([\w.:@-]+)=(.*)$/s.exec(text)
  const name = named?.[1]
  const body = (named ? named[2] : text)?.trim() ?? ''
  if (body === '') throw invalid(`--instance ${JSON.stringify(text)} has no prompt or command`, { value: text })
  return { ...(name !== undefined && { name }), ...(body.startsWith('/') ? { command: body } : { prompt: body }), args: [] }
}

function toInstance(spec: InstanceSpec, base: string, flags: RunFlags): Omit<InstancePlan, 'name' | 'command' | 'budgetKey'> & { name?: string } {
  const cwd = spec.cwd === undefined ? base : isAbsolute(spec.cwd) ? spec.cwd : resolve(base, spec.cwd)
  if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) throw invalid(`working directory ${cwd} of instance ${spec.name ?? spec.command ?? spec.prompt} does not exist`, { cwd })
  const model = spec.model ?? flags.model
  const maxTurns = spec.maxTurns ?? flags.maxTurns
  if (maxTurns !== undefined && (!Number.isSafeInteger(maxTurns) || maxTurns < 1)) throw invalid(`--max-turns must be a positive whole number, got ${maxTurns}`)
  return {
    ...(spec.name !== undefined && { name: spec.name }),
    prompt: (spec.command ?? spec.prompt) as string,
    cwd,
    ...(model !== undefined && { model }),
    ...(maxTurns !== undefined && { maxTurns }),
    args: spec.args,
  }
}

/** Gives unnamed instances their command's name (`analyze`, `analyze-2`, …); names must be unique. */
function nameInstances(list: (Omit<InstancePlan, 'name' | 'command' | 'budgetKey'> & { name?: string })[]): InstancePlan[] {
  const taken = new Set(list.flatMap((i) => (i.name === undefined ? [] : [i.name])))
  const explicit = new Set<string>()
  return list.map((i, index) => {
    let name = i.name
    if (name !== undefined) {
      if (explicit.has(name)) throw invalid(`two instances are named ${name}`, { name })
      explicit.add(name)
    } else {
      const stem = i.prompt.startsWith('/') ? budgetKeyOf(i.prompt).replace(/[^\w.:@-]/g, '-') || 'instance' : `instance-${index + 1}`
      name = stem
      for (let n = 2; taken.has(name); n++) name = `${stem}-${n}`
      taken.add(name)
    }
    const isSlash = i.prompt.startsWith('/')
    const command = isSlash ? (i.prompt.split(/\s+/, 1)[0] as string) : name
    return { ...i, name, command, budgetKey: isSlash ? budgetKeyOf(i.prompt) : name.toLowerCase() }
  })
}

function budgetPlan(flags: RunFlags, file: FleetFile | null, instances: InstancePlan[]): BudgetPlan | null {
  const mode = flags.budgetEnforcementMode ?? file?.budgetEnforcementMode ?? 'warn'
  if (mode !== 'warn' && mode !== 'block') throw invalid(`--budget-enforcement-mode must be warn or block, got ${JSON.stringify(mode)}`, { value: mode })
  const commands = new Map<string, { command: string; tokens: number }>()
  const known = new Map(instances.map((i) => [i.budgetKey, i.command]))
  const entries = [
    ...Object.entries(file?.commandBudgets ?? {}).map(([command, limit]) => ({ command, tokens: parseTokenLimit(limit, `commandBudgets.${command}`) })),
    ...(flags.commandBudget ?? []).map(parseCommandBudget),
  ]
  for (const { command, tokens } of entries) {
    const key = budgetKeyOf(command)
    const shown = known.get(key)
    if (shown === undefined) {
      throw invalid(`--command-budget ${command}: no instance runs ${command} (commands: ${[...new Set(known.values())].join(', ')})`, { command })
    }
    commands.set(key, { command: shown, tokens })
  }
  const overall = flags.overallBudget ?? file?.overallBudget
  const cost = flags.costBudget ?? file?.costBudgetUsd
  const overallTokens = overall === undefined ? null : parseTokenLimit(overall, '--overall-budget')
  const costNano = cost === undefined ? null : parseUsdLimit(cost)
  if (commands.size === 0 && overallTokens === null && costNano === null) return null
  return { mode, commands, overallTokens, costNano }
}

function seconds(text: string | undefined, flag: string, fallback: number): number {
  const value = text === undefined ? fallback : Number(text)
  if (text !== undefined && (text.trim() === '' || !Number.isFinite(value) || value < 0)) throw invalid(`${flag} must be a number of seconds ≥ 0, got ${JSON.stringify(text)}`)
  if (flag === '--timeout' && value === 0) throw invalid('--timeout must be more than 0 seconds')
  return Math.round(value * 1000)
}

/** The executable `bin` names: a path (relative to cwd) or a name looked up on PATH. */
function findExecutable(bin: string, env: { cwd: string; path: string | undefined }): string {
  const candidates = bin.includes('/') ? [resolve(env.cwd, bin)] : (env.path ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, bin))
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK)
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // not this one
    }
  }
  throw invalid(bin.includes('/') ? `--claude-bin ${bin} is not an executable file` : `${bin} was not found on PATH (install Claude Code, or give --claude-bin PATH)`, { bin })
}
