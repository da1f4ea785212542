/**
 * A Claude Code log (transcript or stream-json) read chunk by chunk into a ledger of
 * messages: lines split across chunks, blank lines skipped, malformed lines counted and
 * reported (the first few, with their byte offsets) and skipped, unknown line types
 * ignored. A last line without a newline is taken when it is a whole JSON value and
 * otherwise reported as truncated, its start returned so that an import can read it again
 * once it is complete.
 *
 * Lines that cannot carry usage (no `"usage"` in their bytes) are not parsed at all — tool
 * results make up most of a transcript — but still get a shape check so junk is reported.
 */
import { readEntry } from './entry.js'
import { MessageLedger } from './ledger.js'
import { isBlank, type Line, LineSplitter, looksLikeObject } from './lines.js'

export interface ParseIssue {
  /** Byte offset of the line in the file or stream. */
  offset: number
  reason: string
}

export interface ParseStats {
  /** Non-blank lines read. */
  lines: number
  /** Assistant lines with usage (before dedupe). */
  entries: number
  malformed: number
  /** A last line cut short (no newline, not whole JSON). */
  truncated: number
}

const MAX_ISSUES = 20
const USAGE = Buffer.from('"usage"')

export class ClaudeLogParser {
  readonly ledger = new MessageLedger()
  readonly stats: ParseStats = { lines: 0, entries: 0, malformed: 0, truncated: 0 }
  readonly issues: ParseIssue[] = []
  readonly #splitter: LineSplitter

  constructor(startOffset = 0) {
    this.#splitter = new LineSplitter(startOffset)
  }

  push(chunk: Buffer): void {
    for (const line of this.#splitter.push(chunk)) this.#line(line, false)
  }

  /**
   * Ends the input. Returns the offset at which unread input starts: the start of a
   * truncated last line, or the end of everything read.
   */
  finish(): number {
    const last = this.#splitter.finish()
    if (last === null) return this.#splitter.offset
    return this.#line(last, true) ? last.end : last.start
  }

  /** Returns false for a truncated last line. */
  #line(line: Line, isLast: boolean): boolean {
    const { bytes } = line
    if (isBlank(bytes)) return true
    this.stats.lines++
    // A last line without a newline may still be arriving: only whole JSON counts as done.
    if (!isLast && bytes.indexOf(USAGE) === -1) {
      if (looksLikeObject(bytes)) return true
      return this.#malformed(line, isLast, 'not a JSON object')
    }
    let value: unknown
    try {
      value = JSON.parse(bytes.toString('utf8'))
    } catch (error) {
      return this.#malformed(line, isLast, `not JSON: ${(error as Error).message}`)
    }
    const result = readEntry(value)
    if (result.kind === 'usage') {
      this.stats.entries++
      this.ledger.add(result.entry, line.start)
    } else if (result.kind === 'invalid') {
      this.#report(line.start, result.reason)
      this.stats.malformed++
    }
    return true
  }

  #malformed(line: Line, isLast: boolean, reason: string): boolean {
    if (isLast) {
      this.stats.truncated++
      this.#report(line.start, 'last line is incomplete (no newline, not whole JSON)')
      return false
    }
    this.stats.malformed++
    this.#report(line.start, reason)
    return true
  }

  #report(offset: number, reason: string): void {
    if (this.issues.length < MAX_ISSUES) this.issues.push({ offset, reason })
  }
}

/** Parses a whole log held in memory. */
export function parseClaudeLog(content: string | Buffer): ClaudeLogParser {
  const parser = new ClaudeLogParser()
  parser.push(typeof content === 'string' ? Buffer.from(content) : content)
  parser.finish()
  return parser
}
