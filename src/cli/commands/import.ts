/**
 * `budget import claude-code`: the usage Claude Code already logged in its transcripts,
 * recorded once per API message (importers/claude-code/). Incremental: a re-run reads only
 * what was appended since, per destination store. Progress on stderr when it is a
 * terminal; a summary table, or with --json the summary object.
 */
import type { Command } from 'commander'
import { BudgetError } from '../../domain/errors.js'
import { MAX_BATCH } from '../../domain/usage.js'
import { defaultProjectDirs } from '../../importers/claude-code/files.js'
import { importClaudeCode, type ImportSummary } from '../../importers/claude-code/import.js'
import { parseSince } from '../../importers/claude-code/since.js'
import { ImportState } from '../../importers/claude-code/state.js'
import type { Cli } from '../context.js'
import { integer } from '../flags.js'
import { count, type Output, usd } from '../output.js'
import { progressBar } from '../progress.js'

interface ImportFlags {
  dir?: string[]
  since?: string
  full?: boolean
  budget?: string
  batchSize: number
  settle: string
}

export function registerImport(program: Command, cli: Cli): void {
  const group = program.command('import').description('Import usage logged by other tools')
  group
    .command('claude-code')
    .description('Import Claude Code transcripts (~/.claude/projects/**/*.jsonl), each API message once')
    .option('--dir <dir>', 'folder of Claude Code project logs (repeatable; default ~/.config/claude/projects and ~/.claude/projects)', (v: string, prev?: string[]) => [...(prev ?? []), v])
    .option('--since <date>', 'skip messages before this day (YYYY-MM-DD, in --timezone) or instant; later runs do not read them either')
    .option('--full', 'read every file from the start, ignoring remembered offsets (ids still dedupe)')
    .option('--budget <budget>', 'budget id or name to record the usage under')
    .option('--batch-size <n>', `records per batch (at most ${MAX_BATCH})`, integer, MAX_BATCH)
    .option('--settle <seconds>', 'a file changed less than this long ago is still being written: its newest message waits for the next run', '60')
    .addHelpText(
      'after',
      `
Reads every *.jsonl below the folders, subagent files included; counts only assistant
lines (never progress, user, summary or result lines), one record per message.id +
requestId with the usage of its last line. Record ids derive from those keys, so importing
again, from several machines, or after "budget run" counts each message once.

Examples:
  $ budget import claude-code
  $ budget import claude-code --dir /mnt/laptop/.claude/projects --since 2026-02-01 --json
  $ budget --server http://budget.internal:8013 import claude-code --budget team-a`,
    )
    .action(
      cli.action(async ({ out, session }, flags: ImportFlags) => {
        const settleSeconds = Number(flags.settle)
        if (!Number.isFinite(settleSeconds) || settleSeconds < 0) throw new BudgetError('VALIDATION_FAILED', `--settle must be a number of seconds ≥ 0, got ${flags.settle}`)
        const opened = await session()
        const timeZone = opened.config.timezone
        const sinceMs = flags.since === undefined ? undefined : parseSince(flags.since, timeZone)
        const destination = opened.mode === 'server' ? `server:${opened.config.server}` : `db:${opened.config.databaseUrl}`
        const bar = await progressBar('importing [{bar}] {percentage}% {mb}/{totalMb} MB')
        let summary: ImportSummary
        try {
          summary = await importClaudeCode(opened.service, {
            dirs: flags.dir ?? defaultProjectDirs(),
            state: ImportState.open(opened.config.dataDir, 'claude-code', destination),
            full: flags.full === true,
            ...(sinceMs !== undefined && { sinceMs }),
            settleMs: settleSeconds * 1000,
            batchSize: Math.max(1, Math.min(flags.batchSize, MAX_BATCH)),
            ...(flags.budget !== undefined && { budgetId: flags.budget }),
            timeZone,
            onProgress: (p) => bar?.update(p.bytesRead, p.bytesTotal, { mb: (p.bytesRead / 1e6).toFixed(1), totalMb: (p.bytesTotal / 1e6).toFixed(1) }),
          })
        } finally {
          bar?.stop()
        }
        out.result(summary, (s) => renderSummary(out, s, timeZone))
      }),
    )
}

function renderSummary(out: Output, s: ImportSummary, timeZone: string): string {
  const seconds = s.durationMs / 1000
  const lines = [
    out.fields([
      ['files', `${count(s.files.found)} found, ${count(s.files.read)} read, ${count(s.files.unchanged)} unchanged`],
      ['read', `${(s.bytesRead / 1e6).toFixed(1)} MB, ${count(s.lines)} lines, ${count(s.entries)} usage entries`],
      ['records', `${count(s.newRecords)} new, ${count(s.duplicates)} already recorded`],
      ['held back', s.heldBack > 0 ? `${count(s.heldBack)} (session still being written: next run)` : null],
      ['before --since', s.skippedBeforeSince > 0 ? count(s.skippedBeforeSince) : null],
      ['skipped', s.malformedLines + s.truncatedLines > 0 ? `${count(s.malformedLines)} malformed, ${count(s.truncatedLines)} incomplete last line(s)` : null],
      ['cost', `${usd(s.newCostUsd)} new${s.newCostUsd === null ? ' (batches mixed new and known records)' : ''}, ${usd(s.costUsd)} read${s.unpricedRecords > 0 ? `, ${count(s.unpricedRecords)} unpriced` : ''}`],
      ['time', `${seconds.toFixed(2)} s${seconds > 0 ? `, ${count(Math.round(s.entries / seconds))} entries/s` : ''}`],
    ]),
  ]
  if (s.files.missingDirs.length > 0) lines.push(out.color.dim(`no such folder: ${s.files.missingDirs.join(', ')}`))
  for (const issue of s.issues.slice(0, 5)) lines.push(out.color.dim(`  ${issue.file}@${issue.offset}: ${issue.reason}`))
  if (s.days.length > 0) {
    lines.push('', out.color.bold(`Usage read, per day (${timeZone})`))
    lines.push(
      out.table(
        ['DATE', 'RECORDS', 'INPUT', 'OUTPUT', 'CACHE READ', 'CACHE WRITE', 'TOTAL', 'COST'],
        s.days.map((d) => [d.date, count(d.records), count(d.inputTokens), count(d.outputTokens), count(d.cacheReadTokens), count(d.cacheWriteTokens), count(d.totalTokens), usd(d.costUsd)]),
        [1, 2, 3, 4, 5, 6, 7],
      ),
    )
  }
  return lines.join('\n')
}
