/**
 * Bytes to lines for JSON Lines that arrive in chunks (a child's stdout, a file read in
 * blocks): a line may span any number of chunks, and every line carries its byte offsets
 * so that an import can resume exactly where it stopped.
 *
 * Splits on `\n` only (a UTF-8 multi-byte sequence never contains that byte, so a line is
 * never cut inside a character); a trailing `\r` is dropped. Does not decode or parse:
 * callers look at the bytes first and decode only the lines they need.
 */

export interface Line {
  /** The line without its newline; may share memory with the chunk it came from. */
  bytes: Buffer
  /** Byte offset of the line's first byte. */
  start: number
  /** Byte offset just past its newline: where the next line starts. */
  end: number
}

const NEWLINE = 0x0a
const CR = 0x0d

export class LineSplitter {
  #pending: Buffer[] = []
  #pendingBytes = 0
  /** Offset of the first byte not yet returned as part of a line. */
  #consumed: number

  constructor(startOffset = 0) {
    this.#consumed = startOffset
  }

  /** Offset just past the last complete line returned. */
  get offset(): number {
    return this.#consumed
  }

  /** Bytes held back because their line has no newline yet. */
  get pendingBytes(): number {
    return this.#pendingBytes
  }

  /** The complete lines that this chunk finishes, in order. */
  push(chunk: Buffer): Line[] {
    const lines: Line[] = []
    let from = 0
    let newline = chunk.indexOf(NEWLINE, from)
    if (newline !== -1 && this.#pendingBytes > 0) {
      this.#pending.push(chunk.subarray(0, newline))
      const bytes = Buffer.concat(this.#pending, this.#pendingBytes + newline)
      this.#pending = []
      this.#pendingBytes = 0
      lines.push(this.#line(bytes))
      from = newline + 1
      newline = chunk.indexOf(NEWLINE, from)
    }
    while (newline !== -1) {
      lines.push(this.#line(chunk.subarray(from, newline)))
      from = newline + 1
      newline = chunk.indexOf(NEWLINE, from)
    }
    if (from < chunk.length) {
      // Copied: a caller may reuse the chunk's memory for its next read.
      const rest = Buffer.from(chunk.subarray(from))
      this.#pending.push(rest)
      this.#pendingBytes += rest.length
    }
    return lines
  }

  /**
   * The bytes after the last newline (a last line without one: finished, or cut short
   * while it was being written), or null when there are none. The splitter is empty after.
   */
  finish(): Line | null {
    if (this.#pendingBytes === 0) return null
    const bytes = Buffer.concat(this.#pending, this.#pendingBytes)
    const start = this.#consumed
    this.#pending = []
    this.#pendingBytes = 0
    this.#consumed += bytes.length
    return { bytes: stripCr(bytes), start, end: this.#consumed }
  }

  #line(raw: Buffer): Line {
    const start = this.#consumed
    this.#consumed += raw.length + 1
    return { bytes: stripCr(raw), start, end: this.#consumed }
  }
}

const stripCr = (bytes: Buffer) => (bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, -1) : bytes)

/** Whether the bytes are only spaces, tabs or nothing. */
export function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09) return false
  return true
}

/**
 * A cheap shape test for a JSON object line (first non-blank byte `{`, last `}`): lines an
 * importer skips without parsing are still checked this far, so junk is reported.
 */
export function looksLikeObject(bytes: Buffer): boolean {
  let first = 0
  let last = bytes.length - 1
  while (first <= last && (bytes[first] === 0x20 || bytes[first] === 0x09)) first++
  while (last >= first && (bytes[last] === 0x20 || bytes[last] === 0x09)) last--
  return first < last && bytes[first] === 0x7b && bytes[last] === 0x7d
}
