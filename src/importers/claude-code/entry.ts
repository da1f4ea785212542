/**
 * What one Claude Code line says about billable usage, for both formats: transcripts
 * (`~/.claude/projects/<project>/<session>.jsonl`) and `claude -p --output-format
 * stream-json`. The facts are in ../shared/reference/claude-code/FORMAT-NOTES.md.
 *
 * Owns the rules: usage only from top-level `type: "assistant"` lines with a
 * `message.usage` object (never `progress`, which embeds copies of subagent messages, nor
 * `user`, `summary`, `result`); model `<synthetic>` is no API call; the message key is
 * `message.id` + (`requestId` ?? `request_id` ?? ""), and a record id is derived from the
 * key alone, so the same message imported twice, or from two machines, is one record.
 *
 * Token fields follow DESIGN's convention (they never overlap): input = `input_tokens`,
 * cache read = `cache_read_input_tokens`, cache write = `cache_creation_input_tokens`
 * (or the 5m + 1h breakdown when that is larger: Claude Code once reported 0 beside a
 * breakdown), of which `cache_creation.ephemeral_1h_input_tokens` had a 1-hour TTL.
 *
 * Does not dedupe (ledger.ts) and does not read files (import.ts).
 */
import { createHash } from 'node:crypto'

export interface ClaudeTokens {
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  cacheWrite1hTokens: number
}

export interface AssistantEntry {
  /** Dedupe key: `message.id|requestId`, or `line:<uuid or hash>` for a message without an id. */
  key: string
  messageId: string | null
  requestId: string | null
  model: string
  sessionId: string | null
  /** Epoch ms of the line's `timestamp`; null when it has none (stream-json assistant lines). */
  timestampMs: number | null
  tokens: ClaudeTokens
  isSidechain: boolean
  agentId: string | null
  cwd: string | null
  /** stream-json: set on lines of a subagent (Task) run. */
  parentToolUseId: string | null
}

export const SYNTHETIC_MODEL = '<synthetic>'

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)

/** A token count as the API reports it; anything else is not a count. */
function count(v: unknown): number | null {
  if (v === undefined || v === null) return 0
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null
}

/**
 * Token counts of an Anthropic `usage` object in our convention, or null when a count is
 * negative, fractional or not a number (the line is then malformed, not zero).
 */
export function tokensOf(usage: Json): ClaudeTokens | null {
  const inputTokens = count(usage.input_tokens)
  const outputTokens = count(usage.output_tokens)
  const cacheReadTokens = count(usage.cache_read_input_tokens)
  let cacheWriteTokens = count(usage.cache_creation_input_tokens)
  if (inputTokens === null || outputTokens === null || cacheReadTokens === null || cacheWriteTokens === null) return null
  let cacheWrite1hTokens = 0
  const breakdown = usage.cache_creation
  if (isObject(breakdown)) {
    const fiveMinutes = count(breakdown.ephemeral_5m_input_tokens)
    const oneHour = count(breakdown.ephemeral_1h_input_tokens)
    if (fiveMinutes === null || oneHour === null) return null
    cacheWriteTokens = Math.max(cacheWriteTokens, fiveMinutes + oneHour)
    cacheWrite1hTokens = Math.min(oneHour, cacheWriteTokens)
  }
  return { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, cacheWrite1hTokens }
}

export type EntryResult = { kind: 'usage'; entry: AssistantEntry } | { kind: 'ignored' } | { kind: 'invalid'; reason: string }

/**
 * Reads one parsed line. `ignored` covers every line that carries no billable usage
 * (other types, `<synthetic>` messages, assistant lines without usage); `invalid` is an
 * assistant line whose usage or timestamp cannot be trusted.
 */
export function readEntry(line: unknown): EntryResult {
  if (!isObject(line) || line.type !== 'assistant') return IGNORED
  const message = line.message
  if (!isObject(message) || !isObject(message.usage)) return IGNORED
  const model = str(message.model)
  if (model === SYNTHETIC_MODEL) return IGNORED
  if (model === null || model.trim() === '' || model.length > 200) return { kind: 'invalid', reason: 'assistant message without a usable model' }
  const tokens = tokensOf(message.usage)
  if (tokens === null) return { kind: 'invalid', reason: 'usage holds a count that is not a non-negative integer' }
  let timestampMs: number | null = null
  if (line.timestamp !== undefined) {
    timestampMs = typeof line.timestamp === 'string' ? Date.parse(line.timestamp) : Number.NaN
    if (Number.isNaN(timestampMs)) return { kind: 'invalid', reason: `timestamp ${JSON.stringify(line.timestamp)} is not an instant` }
  }
  const messageId = str(message.id)
  const requestId = str(line.requestId) ?? str(line.request_id)
  const sessionId = str(line.sessionId) ?? str(line.session_id)
  const key = messageId !== null ? `${messageId}|${requestId ?? ''}` : `line:${str(line.uuid) ?? hashOf(JSON.stringify([sessionId, line.timestamp, message.usage]))}`
  return {
    kind: 'usage',
    entry: {
      key,
      messageId,
      requestId,
      model,
      sessionId,
      timestampMs,
      tokens,
      isSidechain: line.isSidechain === true,
      agentId: str(line.agentId),
      cwd: str(line.cwd),
      parentToolUseId: str(line.parent_tool_use_id),
    },
  }
}

const IGNORED: EntryResult = { kind: 'ignored' }

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex')

/** The usage record id of a message key: `cc_` + 32 hex of its SHA-256, the same on every machine. */
export function recordIdOf(key: string): string {
  return `cc_${hashOf(key).slice(0, 32)}`
}

/** Every token a budget counts: input, output, cache read and cache write (as engine policies do). */
export const totalTokens = (t: ClaudeTokens) => t.inputTokens + t.outputTokens + t.cacheReadTokens + t.cacheWriteTokens

export const ZERO_TOKENS: Readonly<ClaudeTokens> = Object.freeze({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite1hTokens: 0 })

export function addTokens(into: ClaudeTokens, t: ClaudeTokens, sign = 1): void {
  into.inputTokens += sign * t.inputTokens
  into.outputTokens += sign * t.outputTokens
  into.cacheReadTokens += sign * t.cacheReadTokens
  into.cacheWriteTokens += sign * t.cacheWriteTokens
  into.cacheWrite1hTokens += sign * t.cacheWrite1hTokens
}
