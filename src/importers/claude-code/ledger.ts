/**
 * One entry per message: Claude Code writes a line per content block, each with a copy of
 * the usage, and only the last line of a message holds its final output count — earlier
 * ones carry the streaming placeholder. Keeping the first line undercounts (ccusage's
 * known bug); summing every line overcounts.
 *
 * Owns "the last line of each key wins", whether or not the lines are adjacent, while the
 * FIRST timestamp stays the message's time (when the request was made; stable when an
 * import re-reads a message). Keys keep the order in which they first appeared.
 */
import type { AssistantEntry } from './entry.js'

export interface LedgerEntry {
  entry: AssistantEntry
  /** Timestamp of the key's first line (ms), or null when no line had one. */
  firstTimestampMs: number | null
  /** Byte offset where the key's first line starts (0 when not read from a file). */
  firstOffset: number
  /** How many lines carried this key. */
  lines: number
}

export class MessageLedger {
  readonly #entries = new Map<string, LedgerEntry>()
  #lastKey: string | null = null

  /**
   * Takes one line's entry; returns the entry it replaced for the same key (null for a new
   * key), so that running totals can subtract it.
   */
  add(entry: AssistantEntry, offset = 0): AssistantEntry | null {
    this.#lastKey = entry.key
    const known = this.#entries.get(entry.key)
    if (known === undefined) {
      this.#entries.set(entry.key, { entry, firstTimestampMs: entry.timestampMs, firstOffset: offset, lines: 1 })
      return null
    }
    const replaced = known.entry
    known.entry = entry
    known.firstTimestampMs ??= entry.timestampMs
    known.lines++
    return replaced
  }

  get(key: string): LedgerEntry | undefined {
    return this.#entries.get(key)
  }

  /** Removes a key (it has been recorded); a later line with the same key starts afresh. */
  take(key: string): LedgerEntry | undefined {
    const found = this.#entries.get(key)
    this.#entries.delete(key)
    return found
  }

  /** The key of the most recent line added. */
  get lastKey(): string | null {
    return this.#lastKey
  }

  get size(): number {
    return this.#entries.size
  }

  values(): IterableIterator<LedgerEntry> {
    return this.#entries.values()
  }
}
