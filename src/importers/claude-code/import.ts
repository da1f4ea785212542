/**
 * `budget import claude-code`: reads Claude Code transcripts and records each API message
 * once, in batches, through a BudgetService (the embedded engine or a server).
 *
 * Owns incremental import: a file is read from where the last run stopped (state.ts), and a
 * file's new offset is saved only after every record read from it has been recorded — a
 * crash costs a re-read, never a gap. While a session is still being written (its file
 * changed less than `settleMs` ago) its newest message may still get its final usage line,
 * so that message is held back and its lines are read again next time; a finished file is
 * read to the end. A last line cut short is read again once it is complete.
 *
 * Ids come from message keys (entry.ts), so re-reading, `--full`, or logs copied between
 * machines never count a message twice. Does not parse lines itself (log-parser.ts).
 */
import { open } from 'node:fs/promises'
import type { BudgetService } from '../../client/service.js'
import { nanoToUsd } from '../../domain/money.js'
import { MAX_BATCH, type UsageInput } from '../../domain/usage.js'
import { Pricer } from '../pricer.js'
import { DailyTotals, type DayTotals, type ModelTotals } from './daily-totals.js'
import { findLogFiles, type LogFile } from './files.js'
import type { LedgerEntry } from './ledger.js'
import { ClaudeLogParser } from './log-parser.js'
import { type FileState, type ImportState, resumeOffset } from './state.js'
import { PROVIDER, toUsageInput } from './to-usage.js'

export interface ImportOptions {
  dirs: readonly string[]
  /** Offsets to resume from and to update; null reads everything and remembers nothing. */
  state: ImportState | null
  /** Read every file from the start (offsets are still saved). */
  full?: boolean
  /** Skip messages before this instant (they are not read again by later runs either). */
  sinceMs?: number
  /** A file changed less than this long ago is still being written. Default 60 s. */
  settleMs?: number
  batchSize?: number
  budgetId?: string
  /** IANA zone of the daily totals. */
  timeZone: string
  now?: () => number
  onProgress?: (progress: { bytesRead: number; bytesTotal: number; filesRead: number; filesTotal: number }) => void
}

export interface ImportIssue {
  file: string
  offset: number
  reason: string
}

export interface ImportSummary {
  files: { found: number; read: number; unchanged: number; missingDirs: string[] }
  bytesRead: number
  lines: number
  /** Assistant lines with usage, before dedupe. */
  entries: number
  /** Distinct messages sent to be recorded. */
  recordsSent: number
  newRecords: number
  /** Already recorded (earlier imports, other machines, `budget run`) or seen twice in this run. */
  duplicates: number
  /** Newest message of a file still being written: read again next time. */
  heldBack: number
  skippedBeforeSince: number
  malformedLines: number
  truncatedLines: number
  issues: ImportIssue[]
  /** Priced cost of the records sent (new and duplicate). */
  costUsd: number
  /** Cost of the new records only; null when a batch mixed new and duplicate records. */
  newCostUsd: number | null
  unpricedRecords: number
  days: DayTotals[]
  models: ModelTotals[]
  durationMs: number
}

const DAY_MS = 86_400_000
const CHUNK_BYTES = 1 << 20
const MAX_ISSUES = 20

export async function importClaudeCode(service: BudgetService, options: ImportOptions): Promise<ImportSummary> {
  const now = options.now ?? Date.now
  const startedMs = now()
  const settleMs = options.settleMs ?? 60_000
  const batchSize = Math.min(options.batchSize ?? MAX_BATCH, MAX_BATCH)
  const pricer = new Pricer(service, PROVIDER)
  const totals = new DailyTotals(options.timeZone)
  const { files, missing } = await findLogFiles(options.dirs)

  const toRead: { file: LogFile; start: number }[] = []
  for (const file of files) {
    const start = options.full ? 0 : resumeOffset(options.state?.get(file.path), file)
    if (start !== null) toRead.push({ file, start })
  }
  const summary: ImportSummary = {
    files: { found: files.length, read: 0, unchanged: files.length - toRead.length, missingDirs: missing },
    ...{ bytesRead: 0, lines: 0, entries: 0, recordsSent: 0, newRecords: 0, duplicates: 0, heldBack: 0 },
    ...{ skippedBeforeSince: 0, malformedLines: 0, truncatedLines: 0, issues: [], costUsd: 0, newCostUsd: 0, unpricedRecords: 0 },
    ...{ days: [], models: [], durationMs: 0 },
  }
  const bytesTotal = toRead.reduce((sum, r) => sum + r.file.size - r.start, 0)
  const sentIds = new Set<string>()
  let batch: { input: UsageInput; costNano: number | null }[] = []
  let sentCostNano = 0n
  let newCostNano: bigint | null = 0n
  let awaitingFlush: { path: string; state: FileState }[] = []

  const flush = async () => {
    if (batch.length > 0) {
      const result = await service.recordBatch(batch.map((b) => b.input))
      summary.newRecords += result.accepted
      summary.duplicates += result.duplicates
      const batchCost = batch.reduce((sum, b) => sum + BigInt(b.costNano ?? 0), 0n)
      if (result.duplicates === 0 && newCostNano !== null) newCostNano += batchCost
      else if (result.accepted > 0) newCostNano = null
      batch = []
    }
    for (const { path, state } of awaitingFlush) options.state?.set(path, state)
    awaitingFlush = []
    options.state?.save()
  }

  for (const { file, start } of toRead) {
    const parser = await readLog(file, start, (bytes) => {
      summary.bytesRead += bytes
      options.onProgress?.({ bytesRead: summary.bytesRead, bytesTotal, filesRead: summary.files.read, filesTotal: toRead.length })
    })
    const endOffset = parser.finish()
    summary.files.read++
    summary.lines += parser.stats.lines
    summary.entries += parser.stats.entries
    summary.malformedLines += parser.stats.malformed
    summary.truncatedLines += parser.stats.truncated
    for (const issue of parser.issues) if (summary.issues.length < MAX_ISSUES) summary.issues.push({ file: file.path, ...issue })

    const nowMs = now()
    const heldKey = nowMs - file.mtimeMs < settleMs ? parser.ledger.lastKey : null
    let resumeAt = endOffset
    for (const item of parser.ledger.values()) {
      if (item.entry.key === heldKey) {
        resumeAt = Math.min(resumeAt, item.firstOffset)
        summary.heldBack++
        continue
      }
      const atMs = item.firstTimestampMs ?? file.mtimeMs
      if (options.sinceMs !== undefined && atMs < options.sinceMs) {
        summary.skippedBeforeSince++
        continue
      }
      if (atMs > nowMs + DAY_MS) {
        summary.malformedLines++
        if (summary.issues.length < MAX_ISSUES) summary.issues.push({ file: file.path, offset: item.firstOffset, reason: 'timestamp more than a day in the future' })
        continue
      }
      const input = toUsageInput(item, { fallbackTimestampMs: file.mtimeMs, ...(options.budgetId !== undefined && { budgetId: options.budgetId }) })
      if (sentIds.has(input.id as string)) {
        summary.duplicates++
        continue
      }
      sentIds.add(input.id as string)
      const costNano = await priceOf(pricer, item, atMs)
      if (costNano === null) summary.unpricedRecords++
      else sentCostNano += BigInt(costNano)
      totals.add(input, atMs, costNano)
      batch.push({ input, costNano })
      summary.recordsSent++
      if (batch.length >= batchSize) await flush()
    }
    awaitingFlush.push({ path: file.path, state: { offset: resumeAt, size: file.size, mtimeMs: file.mtimeMs, ino: file.ino } })
  }
  await flush()

  summary.costUsd = nanoToUsd(sentCostNano)
  summary.newCostUsd = newCostNano === null ? null : nanoToUsd(newCostNano)
  summary.days = totals.days()
  summary.models = totals.models()
  summary.durationMs = now() - startedMs
  return summary
}

function priceOf(pricer: Pricer, item: LedgerEntry, atMs: number): Promise<number | null> {
  return pricer.costNano(item.entry.model, item.entry.tokens, atMs)
}

/** Reads a file from `start` to the size it had when listed (what is appended later waits for the next run). */
async function readLog(file: LogFile, start: number, onBytes: (bytes: number) => void): Promise<ClaudeLogParser> {
  const parser = new ClaudeLogParser(start)
  const handle = await open(file.path, 'r')
  try {
    let position = start
    while (position < file.size) {
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, file.size - position))
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position)
      if (bytesRead === 0) break
      parser.push(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead))
      position += bytesRead
      onBytes(bytesRead)
    }
  } finally {
    await handle.close()
  }
  return parser
}
