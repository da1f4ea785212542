/**
 * Exports: rows as a stream of bytes in one of three formats — a JSON array, CSV with a
 * header row, or NDJSON (one JSON object a line) — pulled from the rows as the reader
 * consumes them, so memory stays flat however many rows there are.
 *
 * CSV is Papa Parse's `unparse` (RFC 4180: CRLF line ends; fields with commas, quotes, line
 * breaks or edge spaces quoted, quotes doubled), a batch of rows per call. It writes rows
 * several times faster than csv-stringify's stream (measured: ~3.5× on this machine),
 * which is most of an export's cost. Nested values (a record's metadata) become JSON
 * text; null is an empty field. Values are written as they are: no formula escaping.
 *
 * Used by the API (streamed responses) and the CLI (files and stdout) alike.
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import Papa from 'papaparse'
import type { ExportFormat } from '../domain/report.js'

export const CONTENT_TYPE: Record<ExportFormat, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
}

/**
 * Exports walk their rows a page at a time and call this between pages. SQLite answers a
 * page synchronously and a fast reader may never wait for I/O, so without it a long export
 * could hold the event loop; with it, other requests run between pages.
 */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Rows are gathered into chunks of about this many characters before they are handed on. */
const CHUNK_CHARS = 64 * 1024

/** `usage-report-20260310T120000Z.csv` */
export function exportFilename(name: string, format: ExportFormat, atMs: number): string {
  const stamp = new Date(atMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
  return `${name}-${stamp}.${format}`
}

/** `attachment; filename="…"`: the file name browsers and curl -OJ save the export under. */
export const contentDisposition = (filename: string) => `attachment; filename="${filename.replace(/["\\\r\n]/g, '_')}"`

/**
 * The rows as a byte stream in `format`. `columns` fixes the CSV header and column order
 * (JSON and NDJSON carry each row whole). A failure while reading rows destroys the
 * stream with that error.
 */
export function exportStream<T extends object>(rows: AsyncIterable<T> | Iterable<T>, format: ExportFormat, columns: readonly string[]): Readable {
  const chunks = format === 'csv' ? csv(rows, columns) : format === 'json' ? jsonArray(rows) : ndjson(rows)
  return Readable.from(chunks, { objectMode: false })
}

async function* jsonArray<T>(rows: AsyncIterable<T> | Iterable<T>): AsyncGenerator<string> {
  let chunk = '['
  let first = true
  for await (const row of rows) {
    chunk += (first ? '\n' : ',\n') + JSON.stringify(row)
    first = false
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk
      chunk = ''
    }
  }
  yield `${chunk}${first ? '' : '\n'}]\n`
}

async function* ndjson<T>(rows: AsyncIterable<T> | Iterable<T>): AsyncGenerator<string> {
  let chunk = ''
  for await (const row of rows) {
    chunk += `${JSON.stringify(row)}\n`
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk
      chunk = ''
    }
  }
  if (chunk !== '') yield chunk
}

const CSV_BATCH = 1_000

async function* csv<T extends object>(rows: AsyncIterable<T> | Iterable<T>, columns: readonly string[]): AsyncGenerator<string> {
  const unparse = (batch: unknown[][], header: boolean) => Papa.unparse({ fields: header ? [...columns] : [], data: batch }, { header, newline: '\r\n' })
  // With no data rows Papa Parse ends the header with the newline itself.
  yield `${unparse([], true).replace(/\r\n$/, '')}\r\n`
  let batch: unknown[][] = []
  for await (const row of rows) {
    const record = row as Record<string, unknown>
    batch.push(columns.map((column) => cellOf(record[column])))
    if (batch.length === CSV_BATCH) {
      yield `${unparse(batch, false)}\r\n`
      batch = []
    }
  }
  if (batch.length > 0) yield `${unparse(batch, false)}\r\n`
}

const cellOf = (value: unknown) => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : value)

/**
 * Writes an export to a writable, calling `onProgress` with the rows so far every thousand
 * rows and at the end; resolves with the row count once all is flushed. Leaves the
 * destination open when `end` is false (stdout).
 */
export async function writeExport<T extends object>(
  rows: AsyncIterable<T>,
  format: ExportFormat,
  columns: readonly string[],
  destination: NodeJS.WritableStream,
  options: { end?: boolean; onProgress?: (rows: number) => void } = {},
): Promise<number> {
  const onRow = options.onProgress ?? (() => {})
  let count = 0
  async function* counted(): AsyncGenerator<T> {
    for await (const row of rows) {
      count += 1
      if (count % 1_000 === 0) onRow(count)
      yield row
    }
    onRow(count)
  }
  await pipeline(exportStream(counted(), format, columns), destination, { end: options.end ?? true })
  return count
}

/**
 * Pulls the first row before anything is sent, so that a failure at the start (an
 * unknown budget, a bad cursor) is still an ordinary error response rather than a
 * stream cut short after a 200.
 */
export async function primed<T>(rows: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = rows[Symbol.asyncIterator]()
  const first = await iterator.next()
  return {
    async *[Symbol.asyncIterator]() {
      try {
        if (first.done) return
        yield first.value
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value
      } finally {
        await iterator.return?.()
      }
    },
  }
}
