/**
 * `budget migrate apollo|rhetor`: moves the legacy components' budgets and usage history
 * into Tekton Budget (compat/migrate/). A dry run by default — it reads everything, prices
 * it and says what it would create — and `--apply` writes. Running it again creates
 * nothing new. Progress on stderr when it is a terminal; a summary, or with --json the
 * report.
 *
 * `--timezone` names the zone the legacy timestamps were written in (they carry none);
 * the store keeps its own zone for calendar windows (BUDGET_TIMEZONE).
 */
import { statSync } from 'node:fs'
import type { Command } from 'commander'
import type { MigrationPlan } from '../../compat/migrate/plan.js'
import type { MigrationReport } from '../../compat/migrate/run.js'
import { localTimeZone } from '../../compat/legacy-time.js'
import { BudgetError, invalid } from '../../domain/errors.js'
import { MAX_BATCH } from '../../domain/usage.js'
import { isValidTimeZone } from '../../domain/periods.js'
import type { ActionContext, Cli } from '../context.js'
import { integer } from '../flags.js'
import { count, type Output, usd } from '../output.js'
import { progressBar } from '../progress.js'
import { openSession } from '../service.js'

interface MigrateFlags {
  dir?: string
  db?: string
  budget?: string
  apply?: boolean
  batchSize: number
}

const SHOWN_ISSUES = 10

export function registerMigrate(program: Command, cli: Cli): void {
  const group = program
    .command('migrate')
    .description("Migrate Apollo's and Rhetor's budgets and usage history (dry run unless --apply)")
    .addHelpText(
      'after',
      `
Reads the legacy data, reports what it would create, the rows it cannot read (skipped,
never fatal) and, for Rhetor, its recorded costs against ours. --apply writes. Running
again creates nothing new: records keep ids derived from the legacy ones.

Legacy timestamps are naive local times: --timezone names their zone (default: this
machine's). Calendar windows of the store keep BUDGET_TIMEZONE.

Examples:
  $ budget migrate apollo --dir ~/.tekton/data/apollo/budget_data --timezone Europe/Paris
  $ budget migrate apollo --dir ~/.tekton/data/apollo/budget_data --timezone Europe/Paris --apply
  $ budget migrate rhetor --db ~/Tekton/Rhetor/rhetor.db --apply --json`,
    )

  group
    .command('apollo')
    .description("Apollo's budget_policies.json and usage_records_*.json → the apollo budget")
    .requiredOption('--dir <dir>', "Apollo's budget data directory ($TEKTON_DATA_DIR/apollo/budget_data)")
    .option('--budget <name>', 'budget to migrate into', 'apollo')
    .option('--apply', 'write (without it: a dry run)')
    .option('--batch-size <n>', `records per write (at most ${MAX_BATCH})`, integer, 1_000)
    .addHelpText('after', '\nExample:\n  $ budget migrate apollo --dir ./budget_data --timezone America/New_York --apply')
    .action(
      cli.action(async (ctx, flags: MigrateFlags) => {
        const dir = flags.dir ?? ''
        if (!isDirectory(dir)) throw invalid(`--dir ${dir} is not a directory`, { path: ['dir'] })
        const { readApolloDir } = await import('../../compat/migrate/apollo-source.js')
        await migrate(ctx, flags, (timeZone, nowMs) => readApolloDir(dir, { timeZone, nowMs }))
      }),
    )

  group
    .command('rhetor')
    .description("Rhetor's rhetor.db (usage, budget_settings) → the rhetor budget")
    .requiredOption('--db <file>', "Rhetor's SQLite database")
    .option('--budget <name>', 'budget to migrate into', 'rhetor')
    .option('--apply', 'write (without it: a dry run)')
    .option('--batch-size <n>', `records per write (at most ${MAX_BATCH})`, integer, 1_000)
    .addHelpText('after', '\nExample:\n  $ budget migrate rhetor --db ./rhetor.db --timezone Europe/Berlin --apply')
    .action(
      cli.action(async (ctx, flags: MigrateFlags) => {
        const { readRhetorDb } = await import('../../compat/migrate/rhetor-source.js')
        await migrate(ctx, flags, (timeZone, nowMs) => readRhetorDb(flags.db ?? '', { timeZone, nowMs }))
      }),
    )
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

async function migrate({ out, globals }: ActionContext, flags: MigrateFlags, read: (timeZone: string, nowMs: number) => MigrationPlan): Promise<void> {
  const timeZone = globals.timezone ?? localTimeZone()
  if (!isValidTimeZone(timeZone)) throw invalid(`--timezone ${timeZone} is not an IANA time zone`, { path: ['timezone'] })
  const plan = read(timeZone, Date.now())
  const { runMigration } = await import('../../compat/migrate/run.js')
  // The store keeps its configured zone: --timezone only says how to read the legacy times.
  const session = await openSession({ ...globals, timezone: undefined })
  const bar = await progressBar('{phase} [{bar}] {value}/{total}')
  let report: MigrationReport
  try {
    report = await runMigration(session.service, plan, {
      budgetName: flags.budget ?? plan.source,
      apply: flags.apply === true,
      batchSize: Math.max(1, Math.min(flags.batchSize, MAX_BATCH)),
      onProgress: (p) => bar?.update(p.done, p.total, { phase: p.phase.padEnd(8) }),
    })
  } catch (error) {
    if (error instanceof BudgetError) throw error
    throw new BudgetError('INTERNAL', `migration from ${plan.source} failed: ${(error as Error).message}`, {}, { cause: error })
  } finally {
    bar?.stop()
    await session.close()
  }
  out.result(report, (r) => render(out, r))
}

function render(out: Output, r: MigrationReport): string {
  const would = r.dryRun ? 'to create' : 'created'
  const title = r.dryRun
    ? out.color.bold(`${r.source} → budget ${r.budget.name}: dry run, nothing written (add --apply to migrate)`)
    : out.color.bold(`${r.source} → budget ${r.budget.name}: migrated`)
  const lines = [
    title,
    out.fields([
      ['source', `${r.path} (timestamps read in ${r.timeZone})`],
      ['budget', `${r.budget.name}${r.budget.created ? (r.dryRun ? ' (would be created)' : ' (created)') : ' (exists)'}`],
      ['policies', `${count(r.policies.created)} ${would}, ${count(r.policies.existing)} already there${r.policies.conflicting > 0 ? `, ${count(r.policies.conflicting)} kept as the budget has them` : ''}, ${count(r.policies.skipped)} skipped`],
      ['records', `${count(r.records.created)} ${would}, ${count(r.records.existing)} already there, ${count(r.records.skipped)} skipped${r.records.duplicatesInSource > 0 ? `, ${count(r.records.duplicatesInSource)} repeated across files` : ''}`],
      ['tokens', `${count(r.tokens.input)} input, ${count(r.tokens.output)} output`],
      ['cost', `${usd(r.costUsd)} at our prices${r.unpricedRecords > 0 ? `, ${count(r.unpricedRecords)} record(s) of models without a known price` : ''}`],
    ]),
  ]
  if (r.inputs.length > 0) {
    lines.push('', out.table(['READ', 'ROWS', 'ACCEPTED', 'SKIPPED'], r.inputs.map((i) => [i.name, count(i.rows), count(i.accepted), count(i.skipped)]), [1, 2, 3]))
  }
  if (r.legacyCost !== null) {
    const c = r.legacyCost
    lines.push('', out.color.bold(`Recorded cost against ours (${count(c.records)} records): ${usd(c.legacyUsd)} → ${usd(c.recomputedUsd)}, difference ${usd(c.differenceUsd)}`))
    lines.push(
      out.table(
        ['PROVIDER', 'MODEL', 'RECORDS', 'RECORDED', 'OURS', 'DIFFERENCE', 'UNPRICED'],
        c.byModel.map((m) => [m.provider, m.model, count(m.records), usd(m.legacyUsd), usd(m.recomputedUsd), usd(m.differenceUsd), m.unpriced > 0 ? count(m.unpriced) : '-']),
        [2, 3, 4, 5, 6],
      ),
    )
  }
  if (r.issueCount > 0) {
    lines.push('', out.color.bold(`Skipped or read in part (${count(r.issueCount)}${r.issueCount > SHOWN_ISSUES ? `, first ${SHOWN_ISSUES} shown; --json has ${r.issues.length}` : ''})`))
    for (const issue of r.issues.slice(0, SHOWN_ISSUES)) lines.push(`  ${issue.where}: ${issue.reason}`)
  }
  for (const note of r.notes) lines.push(out.color.dim(`note: ${note}`))
  return lines.join('\n')
}
