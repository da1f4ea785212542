/**
 * `budget migrate-store`: copies every table of one store into another — the embedded
 * SQLite file into PostgreSQL when one process is no longer enough — in one transaction on
 * the target, then checks every table's row count and column sums against the source
 * (store/copy.ts). Exit 0 when the copy is verified, 1 when it was refused or did not match
 * (nothing written), 2 for bad flags.
 */
import { existsSync } from 'node:fs'
import type { Command } from 'commander'
import { invalid } from '../../domain/errors.js'
import type { CopyReport } from '../../store/copy.js'
import { DATABASE_URL_PATTERN, isSqliteUrl, sqlitePath, withoutPassword } from '../../store/database-url.js'
import type { Cli } from '../context.js'
import { integer } from '../flags.js'
import { count, type Output, usd } from '../output.js'
import { progressBar } from '../progress.js'
import { configFrom } from '../service.js'

interface MigrateStoreFlags {
  from?: string
  to: string
  dryRun?: boolean
  batchSize: number
}

export function registerMigrateStore(program: Command, cli: Cli): void {
  program
    .command('migrate-store')
    .description('Copy every budget, policy, record, price, key and alert into another database, verified')
    .requiredOption('--to <url>', 'database to copy into: postgres://… or sqlite:<path>; must hold no data yet')
    .option('--from <url>', 'database to copy from (default: the local store, BUDGET_DATABASE_URL)')
    .option('--dry-run', 'count what would be copied and check the target, without writing')
    .option('--batch-size <n>', 'rows read and written at a time', integer, 2_000)
    .addHelpText(
      'after',
      `
Copies rows as stored — records with their costs and price versions, rollups, window
counters, reservations, keys (existing API keys keep working), alerts, channels and the
price catalog — in one transaction on the target. Then every table's row count and the
sums of its token and nano-USD columns must equal the source's, or nothing is written.

Stop the services writing to the source first: a source that changes during the copy is
detected and the copy is rolled back. The target may be new or have had a service start
on it (its bundled catalog is replaced); budgets, records or keys there are refused.

Examples:
  $ budget migrate-store --to postgres://budget:secret@db.internal/budget --dry-run
  $ budget migrate-store --from sqlite:./data/budget.db --to postgres://budget:secret@db.internal/budget
  $ BUDGET_DATABASE_URL=postgres://budget:secret@db.internal/budget budget serve`,
    )
    .action(
      cli.action(async ({ globals, out }, flags: MigrateStoreFlags) => {
        const from = flags.from ?? configFrom(globals).databaseUrl
        checkUrls(from, flags.to)
        const { openStore } = await import('../../store/store.js')
        const { copyStore } = await import('../../store/copy.js')
        const source = await openStore({ databaseUrl: from })
        const target = await openStore({ databaseUrl: flags.to }).catch(async (error: unknown) => {
          await source.close()
          throw error
        })
        const bar = await progressBar('copying [{bar}] {percentage}% {value}/{total} rows ({table})')
        let report: CopyReport
        try {
          report = await copyStore(source, target, {
            dryRun: flags.dryRun === true,
            batchSize: Math.max(1, flags.batchSize),
            onProgress: (p) => bar?.update(p.done, p.total, { table: p.table }),
          })
        } finally {
          bar?.stop()
          await target.close()
          await source.close()
        }
        out.result({ from: withoutPassword(from), to: withoutPassword(flags.to), ...report }, (r) => render(out, r))
      }),
    )
}

function checkUrls(from: string, to: string): void {
  if (from === to) throw invalid('--from and --to name the same database', { path: ['to'] })
  for (const [flag, url] of [['from', from], ['to', to]] as const) {
    if (!DATABASE_URL_PATTERN.test(url)) throw invalid(`--${flag} ${url} is not a database URL: expected sqlite:<path> or postgres://…`, { path: [flag] })
  }
  if (isSqliteUrl(from) && !existsSync(sqlitePath(from))) throw invalid(`--from ${from}: no database at ${sqlitePath(from)}`, { path: ['from'] })
}

function render(out: Output, r: CopyReport & { from: string; to: string }): string {
  const title = r.dryRun
    ? `dry run: would copy ${count(r.rows)} rows from ${r.from} to ${r.to}; nothing written`
    : `copied ${count(r.rows)} rows from ${r.from} to ${r.to}: every count and sum matches`
  const records = r.tables.find((t) => t.table === 'usageRecords')
  const lines = [out.color.bold(title)]
  if (records !== undefined) lines.push(`usage records: ${count(records.rows)}, ${usd(Number(records.sums.costNano ?? 0) / 1e9)}`)
  lines.push(
    out.table(
      ['TABLE', 'ROWS', 'CHECKED'],
      r.tables.map((t) => [t.table, count(t.rows), Object.keys(t.sums).length === 0 ? 'count' : `count, ${Object.keys(t.sums).length} sums`]),
      [1],
    ),
  )
  if (r.replacedRows > 0) lines.push(out.color.dim(`note: the target's price catalog (${count(r.replacedRows)} rows from a service started on it) ${r.dryRun ? 'would be' : 'was'} replaced by the source's`))
  return lines.join('\n')
}
