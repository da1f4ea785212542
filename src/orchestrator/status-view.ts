/**
 * The live status of a fleet run, on stderr. On a terminal: one line per instance, redrawn
 * in place a few times a second (state, budget bar, tokens, cost, command), with notes
 * scrolling above it. Elsewhere (CI logs, pipes): notes as they happen and the status lines
 * every `intervalMs` (0: never). Stdout stays free for the report.
 */
import { BAR_WIDTH, budgetBar, percentOf } from './bar.js'
import { type Colors, colorsFor, visibleLength } from './colors.js'
import type { FleetRunner } from './runner.js'

export interface StatusStream {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

const REDRAW_MS = 200

export class StatusView {
  readonly #colors: Colors
  readonly #tty: boolean
  #drawn = 0
  #dirty = false
  #timer: NodeJS.Timeout | null = null
  #runner: FleetRunner | null = null

  constructor(
    private readonly stream: StatusStream,
    private readonly intervalMs: number,
  ) {
    this.#tty = stream.isTTY === true
    this.#colors = colorsFor(stream)
  }

  start(runner: FleetRunner): void {
    this.#runner = runner
    const every = this.#tty ? REDRAW_MS : this.intervalMs
    if (every > 0) {
      this.#timer = setInterval(() => this.#tick(), every)
      this.#timer.unref()
    }
    if (this.#tty) this.#draw()
  }

  changed(): void {
    this.#dirty = true
  }

  note(text: string, level: 'info' | 'warn' = 'info'): void {
    const line = level === 'warn' ? this.#colors.yellow(text) : this.#colors.dim(text)
    if (!this.#tty) {
      this.stream.write(`${line}\n`)
      return
    }
    this.#clear()
    this.stream.write(`${line}\n`)
    this.#draw()
  }

  /** Final redraw and stop; the live block stays on screen above the report. */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    if (this.#tty) {
      this.#clear()
      this.#draw()
      this.#drawn = 0
    }
  }

  #tick(): void {
    if (this.#tty) {
      if (!this.#dirty) return
      this.#clear()
      this.#draw()
      return
    }
    const elapsed = this.#runner === null ? 0 : Math.round((Date.now() - this.#runner.startedAtMs) / 1000)
    this.stream.write(this.lines().map((line) => `[+${elapsed}s] ${line}\n`).join(''))
  }

  #clear(): void {
    if (this.#drawn === 0) return
    this.stream.write(`\x1b[${this.#drawn}A\x1b[0J`)
    this.#drawn = 0
  }

  #draw(): void {
    const lines = this.lines()
    // A pseudo-terminal may report 0 columns: assume a common width then.
    const width = Math.max(40, (this.stream.columns || 120) - 1)
    this.stream.write(lines.map((l) => `${fit(l, width)}\n`).join(''))
    this.#drawn = lines.length
    this.#dirty = false
  }

  /** One line per instance, as shown. */
  lines(): string[] {
    const runner = this.#runner
    if (runner === null) return []
    const c = this.#colors
    const nameWidth = Math.max(...runner.instances.map((i) => i.plan.name.length))
    return runner.instances.map((inst) => {
      const utilization = runner.tracker?.utilizationOf(inst.plan.budgetKey) ?? null
      // Instances without a budget keep the bar's room, so that columns line up.
      const budget = utilization === null ? (runner.tracker === null ? '' : ' '.repeat(BAR_WIDTH + 9)) : `${budgetBar(utilization, c)} ${percentOf(utilization).padStart(4)}  `
      const tokens = `${inst.session.totalTokens.toLocaleString('en-US')} tok`.padStart(14)
      const cost = (inst.costUsd === null ? '$?' : `$${inst.costUsd.toFixed(4)}`).padStart(10)
      const seconds = inst.durationMs === null ? '' : `${Math.round(inst.durationMs / 1000)}s`
      const state = `${paintState(inst.state, c)}${' '.repeat(Math.max(0, 9 - inst.state.length))}`
      return `${inst.plan.name.padEnd(nameWidth)}  ${state}  ${budget}${tokens}  ${cost}  ${seconds.padStart(5)}  ${c.dim(inst.plan.command)}`
    })
  }
}

export function paintState(state: string, c: Colors): string {
  if (state === 'completed') return c.green(state)
  if (state === 'running') return c.cyan(state)
  if (state === 'pending') return c.dim(state)
  return state === 'blocked' ? c.red(state) : c.yellow(state)
}

/** Cuts a line to the terminal width so that redrawing never wraps (colour codes don't count). */
function fit(line: string, width: number): string {
  if (visibleLength(line) <= width) return line
  let out = ''
  let shown = 0
  // eslint-disable-next-line no-control-regex
  for (const part of line.split(/(\x1b\[[0-9;]*m)/)) {
    if (part.startsWith('\x1b[')) out += part
    else {
      const room = width - shown
      out += part.slice(0, Math.max(0, room))
      shown += Math.min(part.length, Math.max(0, room))
    }
  }
  return `${out}\x1b[0m`
}
