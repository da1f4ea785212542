/**
 * Where `budget report …` writes an export: stdout (`--csv`) or a file (`--out`, format
 * from --format or the file name), streamed row by row, with a progress bar on a
 * terminal — against the expected row count when it is known, else a running count.
 */
import { createWriteStream } from 'node:fs'
import { extname } from 'node:path'
import { BudgetError } from '../../domain/errors.js'
import type { ExportFormat } from '../../domain/report.js'
import type { Output } from '../output.js'
import { progressBar } from '../progress.js'

export interface ExportFlags {
  csv?: boolean
  format?: string
  out?: string
}

export interface ExportTarget {
  format: ExportFormat
  file: string | null
}

/** Where an export goes, or null for the ordinary output. */
export function exportTarget(flags: ExportFlags): ExportTarget | null {
  const fromName = flags.out === undefined ? undefined : ({ '.csv': 'csv', '.ndjson': 'ndjson', '.jsonl': 'ndjson', '.json': 'json' } as const)[extname(flags.out).toLowerCase()]
  const format = flags.format ?? (flags.csv ? 'csv' : fromName)
  if (flags.out === undefined && !flags.csv) return null
  if (format !== 'csv' && format !== 'ndjson' && format !== 'json' && format !== undefined) {
    throw new BudgetError('VALIDATION_FAILED', `--format must be csv, ndjson or json, not ${format}`, { path: ['format'] })
  }
  return { format: format ?? 'csv', file: flags.out ?? null }
}

/** Writes rows to the target; on a terminal, --out shows a progress bar (against `expected` rows when known). */
export async function runExport(out: Output, target: ExportTarget, rows: AsyncIterable<object>, columns: readonly string[], expected: number | null = null): Promise<void> {
  const { writeExport } = await import('../../reports/export-format.js')
  if (target.file === null) {
    await writeExport(rows, target.format, columns, process.stdout, { end: false })
    return
  }
  const bar = await progressBar(expected === null ? 'exporting {value} rows' : 'exporting [{bar}] {percentage}% {value}/{total} rows')
  let written: number
  try {
    written = await writeExport(rows, target.format, columns, createWriteStream(target.file), { onProgress: (n) => bar?.update(n, Math.max(n, expected ?? 0)) })
  } finally {
    bar?.stop()
  }
  const result = { file: target.file, format: target.format, rows: written }
  out.result(result, (r) => `wrote ${r.rows.toLocaleString('en-US')} rows to ${r.file} (${r.format})`)
}

/** A list as the rows of an export. */
export async function* iterate<T>(rows: T[]): AsyncGenerator<T> {
  yield* rows
}
