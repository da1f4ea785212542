/**
 * One instance's stream-json (`claude -p --output-format stream-json --verbose`), read line
 * by line as it arrives: the session id and model from `system/init`, each API message's
 * usage from `assistant` lines (one line per content block, the same `message.id` on each:
 * counted once, the last line winning), and the final `result`.
 *
 * Owns the instance's token figures: while it runs, the sum over messages (provisional —
 * assistant lines carry the streaming placeholder for output); once `result` arrives, its
 * totals are the truth for the run (`modelUsage`, which also counts auxiliary requests
 * never streamed, else `usage`; cost `total_cost_usd`). A message is *settled* — ready to
 * record — when the next message of the same thread (main loop, or one subagent run)
 * begins, or when the stream ends.
 *
 * Does not spawn, record or enforce budgets: the runner does, from what this returns.
 */
import { addTokens, type AssistantEntry, type ClaudeTokens, readEntry, tokensOf, totalTokens, ZERO_TOKENS } from '../importers/claude-code/entry.js'
import { type LedgerEntry, MessageLedger } from '../importers/claude-code/ledger.js'
import { isBlank } from '../importers/claude-code/lines.js'

export interface RunResult {
  subtype: string | null
  isError: boolean
  numTurns: number | null
  durationMs: number | null
  /** `total_cost_usd` (or the pre-1.0.22 `total_cost` / `cost_usd`). */
  costUsd: number | null
  /** The run's tokens; null when the result carries none (Claude Code 1.0.3). */
  tokens: ClaudeTokens | null
  /** `modelUsage` per model, when present. */
  perModel: Map<string, ClaudeTokens> | null
  text: string | null
}

export type LineOutcome =
  | { kind: 'none' }
  | { kind: 'malformed'; reason: string }
  | { kind: 'usage'; entry: AssistantEntry; replaced: AssistantEntry | null; settled: LedgerEntry | null }
  | { kind: 'result' }

const USER_LINE = Buffer.from('{"type":"user"')
const NONE: LineOutcome = { kind: 'none' }

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null)

export class StreamSession {
  readonly ledger = new MessageLedger()
  sessionId: string | null = null
  model: string | null = null
  result: RunResult | null = null
  /** Sum of every message's latest usage. */
  readonly streamed: ClaudeTokens = { ...ZERO_TOKENS }
  readonly #settled = new Set<string>()
  readonly #threadKey = new Map<string, string>()

  /** The instance's tokens: the result's once it has arrived, else the streamed sum. */
  get tokens(): ClaudeTokens {
    return this.result?.tokens ?? this.streamed
  }

  get totalTokens(): number {
    return totalTokens(this.tokens)
  }

  /** Reads one line; `nowMs` dates messages whose lines carry no timestamp (stream-json). */
  line(bytes: Buffer, nowMs: number): LineOutcome {
    if (isBlank(bytes)) return NONE
    // Tool results are most of the bytes and never carry usage.
    if (bytes.subarray(0, USER_LINE.length).equals(USER_LINE)) return NONE
    let value: unknown
    try {
      value = JSON.parse(bytes.toString('utf8'))
    } catch (error) {
      return { kind: 'malformed', reason: `not JSON: ${(error as Error).message}` }
    }
    if (!isObject(value)) return { kind: 'malformed', reason: 'not a JSON object' }
    switch (value.type) {
      case 'system':
        if (value.subtype === 'init') {
          if (typeof value.session_id === 'string') this.sessionId = value.session_id
          if (typeof value.model === 'string') this.model = value.model
        }
        return NONE
      case 'assistant':
        return this.#assistant(value, nowMs)
      case 'result':
        this.result = readResult(value)
        if (typeof value.session_id === 'string') this.sessionId ??= value.session_id
        return { kind: 'result' }
      default:
        return NONE
    }
  }

  /** Ends the stream: every message not yet settled, in order. */
  finish(): LedgerEntry[] {
    const rest: LedgerEntry[] = []
    for (const item of this.ledger.values()) {
      if (!this.#settled.has(item.entry.key)) {
        this.#settled.add(item.entry.key)
        rest.push(item)
      }
    }
    return rest
  }

  #assistant(value: Json, nowMs: number): LineOutcome {
    const read = readEntry(value)
    if (read.kind === 'invalid') return { kind: 'malformed', reason: read.reason }
    if (read.kind === 'ignored') return NONE
    const { entry } = read
    entry.timestampMs ??= nowMs
    if (entry.sessionId !== null) this.sessionId ??= entry.sessionId
    const replaced = this.ledger.add(entry)
    if (replaced !== null) addTokens(this.streamed, replaced.tokens, -1)
    addTokens(this.streamed, entry.tokens)
    const thread = entry.parentToolUseId ?? ''
    const previous = this.#threadKey.get(thread)
    this.#threadKey.set(thread, entry.key)
    let settled: LedgerEntry | null = null
    if (previous !== undefined && previous !== entry.key && !this.#settled.has(previous)) {
      this.#settled.add(previous)
      settled = this.ledger.get(previous) ?? null
    }
    return { kind: 'usage', entry, replaced, settled }
  }
}

function readResult(value: Json): RunResult {
  let perModel: Map<string, ClaudeTokens> | null = null
  if (isObject(value.modelUsage)) {
    perModel = new Map()
    for (const [model, u] of Object.entries(value.modelUsage)) {
      if (!isObject(u)) continue
      const t = tokensOf({
        input_tokens: u.inputTokens,
        output_tokens: u.outputTokens,
        cache_read_input_tokens: u.cacheReadInputTokens,
        cache_creation_input_tokens: u.cacheCreationInputTokens,
      })
      if (t !== null) perModel.set(model, t)
    }
  }
  const usage = isObject(value.usage) ? tokensOf(value.usage) : null
  let tokens: ClaudeTokens | null = usage
  if (perModel !== null && perModel.size > 0) {
    tokens = { ...ZERO_TOKENS }
    for (const t of perModel.values()) addTokens(tokens, t)
    // modelUsage has no TTL split; the main loop's usage does.
    tokens.cacheWrite1hTokens = Math.min(usage?.cacheWrite1hTokens ?? 0, tokens.cacheWriteTokens)
  }
  return {
    subtype: typeof value.subtype === 'string' ? value.subtype : null,
    isError: value.is_error === true,
    numTurns: num(value.num_turns),
    durationMs: num(value.duration_ms),
    costUsd: num(value.total_cost_usd) ?? num(value.total_cost) ?? num(value.cost_usd),
    tokens,
    perModel,
    text: typeof value.result === 'string' ? value.result : null,
  }
}
