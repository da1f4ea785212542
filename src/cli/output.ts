/**
 * How the CLI shows things: results on stdout — a human rendering, or with `--json`
 * exactly the object the service returned and nothing else — and notes, progress and
 * errors on stderr. Colour only when the stream is a terminal that wants it.
 *
 * Knows nothing of budgets: commands hand it rows and cells.
 */
import Table from 'cli-table3'
import pc from 'picocolors'

export type Colors = ReturnType<typeof pc.createColors>

export interface OutputOptions {
  json: boolean
  /** Full ids instead of shortened ones. */
  wide: boolean
}

export interface Stream {
  write(text: string): unknown
  isTTY?: boolean
}

export class Output {
  /** Colours for stdout; plain functions when stdout is not a colour terminal. */
  readonly color: Colors
  private readonly errColor: Colors

  constructor(
    readonly options: OutputOptions,
    private readonly stdout: Stream = process.stdout,
    private readonly stderr: Stream = process.stderr,
  ) {
    this.color = pc.createColors(pc.isColorSupported && stdout.isTTY === true)
    this.errColor = pc.createColors(pc.isColorSupported && stderr.isTTY === true)
  }

  get json(): boolean {
    return this.options.json
  }

  /** Prints a command's result: its JSON with --json, otherwise what `human` makes of it. */
  result<T>(value: T, human: (value: T) => string): void {
    if (this.options.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
    else this.stdout.write(ensureNewline(human(value)))
  }

  /** A note for a person (hints, warnings): stderr, so that stdout stays the result. */
  note(text: string): void {
    this.stderr.write(ensureNewline(this.errColor.dim(text)))
  }

  /** An error line: `error: message (CODE)` on stderr; with --json also the API error envelope on stdout. */
  error(message: string, code: string, details: Record<string, unknown> = {}, stack?: string): void {
    this.stderr.write(`${this.errColor.red('error:')} ${message}${code ? this.errColor.dim(` (${code})`) : ''}\n`)
    if (stack) this.stderr.write(ensureNewline(this.errColor.dim(stack)))
    if (this.options.json) this.stdout.write(`${JSON.stringify({ error: { code, message, details } }, null, 2)}\n`)
  }

  /** An aligned table; numbers in `right` columns are right-aligned. */
  table(head: string[], rows: (string | number)[][], right: readonly number[] = []): string {
    const table = new Table({
      head: head.map((h) => this.color.bold(h)),
      style: { head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 2 },
      chars: BORDERLESS,
      colAligns: head.map((_, i) => (right.includes(i) ? 'right' : 'left')),
    })
    table.push(...rows.map((row) => row.map(String)))
    return table.toString().split('\n').map((line) => line.trimEnd()).join('\n')
  }

  /** Key/value lines, keys aligned. */
  fields(entries: [string, string | number | null | undefined][]): string {
    const shown = entries.filter(([, v]) => v !== undefined && v !== null && v !== '')
    const width = Math.max(0, ...shown.map(([k]) => k.length))
    return shown.map(([k, v]) => `${this.color.dim(k.padEnd(width))}  ${v}`).join('\n')
  }

  /** An id as tables show it: `pol_…0f3c9a1b`, or whole with --wide. */
  id(id: string | null | undefined): string {
    if (id === null || id === undefined) return '-'
    if (this.options.wide) return id
    const match = /^([a-z]+_)[0-9a-f]{28}$/.exec(id)
    return match ? `${match[1]}…${id.slice(-8)}` : id
  }

  /** A status word in its colour: ok green, warning/action yellow, exceeded/blocked red. */
  status(status: string): string {
    const c = this.color
    const paint: Record<string, (s: string) => string> = {
      ok: c.green,
      allow: c.green,
      allowed: c.green,
      warning: c.yellow,
      warn: c.yellow,
      action: c.yellow,
      downgrade: c.yellow,
      exceeded: c.red,
      block: c.red,
      blocked: c.red,
      revoked: c.red,
    }
    return (paint[status] ?? ((s: string) => s))(status)
  }
}

const BORDERLESS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '',
}

const ensureNewline = (text: string) => (text.endsWith('\n') ? text : `${text}\n`)

/** Decimal USD as `$1.234567`; sub-micro amounts keep their nano digits; null is "unpriced". */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return 'unpriced'
  const abs = Math.abs(value)
  const text = abs !== 0 && abs < 0.000_000_5 ? abs.toFixed(9).replace(/0+$/, '') : abs.toFixed(6)
  return `${value < 0 ? '-' : ''}$${text}`
}

/** A token count with thousands separators. */
export const count = (value: number | null | undefined) => (value === null || value === undefined ? '-' : value.toLocaleString('en-US'))

/** A 0..1 ratio as a percentage with one decimal. */
export const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`

/** An ISO instant without milliseconds, still ISO. */
export const instant = (iso: string | null | undefined) => (iso ? iso.replace(/\.\d{3}Z$/, 'Z') : '-')
