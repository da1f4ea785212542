/**
 * `budget report usage|top|budgets|forecast|daily|monthly|session|records`: the reports
 * of src/reports as aligned tables, `--json` (the object the API returns), `--csv` (CSV on
 * stdout), or `--out FILE` (an export written as it streams, with a progress bar on a
 * terminal). Usage and record exports walk every page; memory stays flat.
 *
 * Dates and buckets follow --timezone (else the service's zone).
 */
import type { Command } from 'commander'
import type { BudgetService } from '../../client/service.js'
import { ActivityQuery, OutlookQuery, REPORT_DIMENSIONS, TopReportQuery, UsageReportQuery } from '../../domain/report.js'
import { UsageQuery } from '../../domain/usage.js'
import type { ActionContext, Cli } from '../context.js'
import { integer, validate } from '../flags.js'
import { type ExportFlags, exportTarget, iterate, runExport } from './report-export.js'
import { activityText, budgetsText, forecastText, topText, usageReportText } from './report-render.js'

type FilterFlags = Partial<Record<'budget' | 'provider' | 'model' | 'component' | 'taskType' | 'tier' | 'context', string[]>>

interface RangeFlags {
  from?: string
  to?: string
  period?: string
  since?: string
  until?: string
}

const FLAG_NAMES: Record<string, string> = { budgetId: '--budget', contextId: '--context', taskType: '--task-type', groupBy: '--group-by', n: '--top' }

const filtersFrom = (f: FilterFlags) => ({
  budgetId: f.budget,
  provider: f.provider,
  model: f.model,
  component: f.component,
  taskType: f.taskType,
  tier: f.tier,
  contextId: f.context,
})

/** --since / --until are ccusage's: local dates, both inclusive; --from / --to are the API's (to exclusive). */
function rangeFrom(f: RangeFlags) {
  return { from: f.from ?? f.since, to: f.to ?? (f.until === undefined ? undefined : dayAfter(f.until)), period: f.period }
}

function dayAfter(text: string): string {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text)
  if (m === null) return text
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1)).toISOString().slice(0, 10)
}

/** Repeated values, kept whole: the query schema splits comma lists and keeps `\,` as a comma. */
const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value]

function withFilters(cmd: Command): Command {
  return cmd
    .option('--budget <budget>', 'budget id or name (repeat, or a comma list)', collect)
    .option('--provider <provider>', 'provider (repeat, or a comma list)', collect)
    .option('--model <model>', 'model (repeat, or a comma list)', collect)
    .option('--component <component>', 'component (repeat, or a comma list)', collect)
    .option('--task-type <type>', 'task type (repeat, or a comma list)', collect)
    .option('--tier <tier>', 'tier (repeat, or a comma list)', collect)
    .option('--context <id>', 'session / contextId (repeat, or a comma list)', collect)
}

function withRange(cmd: Command): Command {
  return cmd
    .option('--from <when>', 'start: ISO instant or local date YYYY-MM-DD')
    .option('--to <when>', 'end (exclusive): ISO instant or local date')
    .option('--period <preset>', 'today, yesterday, this_week, last_week, this_month, last_month, this_year, last_7d, last_30d, last_90d')
}

function withExport(cmd: Command): Command {
  return cmd
    .option('--csv', 'print every row as CSV on stdout')
    .option('--format <format>', 'export format for --out: csv, ndjson or json (default: from the file name, else csv)')
    .option('--out <file>', 'write every row to this file as it streams, with progress on a terminal')
}

const reportTimeZone = (ctx: ActionContext) => ctx.globals.timezone

export function registerReport(program: Command, cli: Cli): void {
  const report = program
    .command('report')
    .description('Reports: usage by bucket and dimension, top N, budgets, forecasts, daily/monthly/session')
    .addHelpText(
      'after',
      `
Reports read the hourly and 15-minute rollups, so they stay fast on millions of records.
Filters take a repeated flag or a comma list. Dates follow --timezone.

Examples:
  $ budget report usage --period this_month --granularity day --group-by model
  $ budget report usage --from 2026-03-01 --to 2026-04-01 --group-by budget,model --csv > march.csv
  $ budget report top --by component --period last_7d
  $ budget report budgets
  $ budget report forecast --json
  $ budget report daily --since 20260301 --until 20260331 --breakdown
  $ budget --timezone Asia/Kolkata report monthly
  $ budget report session --model claude-sonnet-4-20250514
  $ budget report records --period last_month --out records.csv`,
    )

  withExport(
    withFilters(
      withRange(
        report
          .command('usage')
          .description('Usage totals by calendar bucket and dimensions (one page; --csv / --out: every row)')
          .option('--granularity <g>', 'hour, day, week or month (default: one bucket for the whole range)')
          .option('--group-by <dims>', `comma list of ${REPORT_DIMENSIONS.join(', ')} (or budget, session)`)
          .option('--limit <n>', 'rows a page (default 100)', integer)
          .option('--cursor <cursor>', 'the next-page cursor a previous page printed'),
      ),
    ),
  )
    .addHelpText('after', '\nExample:\n  $ budget report usage --period last_30d --granularity day --group-by model --model gpt-4o,claude-sonnet-4-20250514')
    .action(
      cli.action(async (ctx, flags: RangeFlags & FilterFlags & ExportFlags & { granularity?: string; groupBy?: string; limit?: number; cursor?: string }) => {
        const target = exportTarget(flags)
        const query = validate(
          UsageReportQuery,
          { ...rangeFrom(flags), ...filtersFrom(flags), timeZone: reportTimeZone(ctx), granularity: flags.granularity, groupBy: flags.groupBy, limit: flags.limit, cursor: flags.cursor },
          FLAG_NAMES,
          'query',
        )
        const service = await ctx.service()
        if (target !== null) {
          const { usageReportColumns } = await import('../../reports/usage-report.js')
          return runExport(ctx.out, target, service.streamUsageReport(query), usageReportColumns(query.groupBy ?? []))
        }
        ctx.out.result(await service.usageReport(query), (r) => usageReportText(ctx.out, r))
      }),
    )

  withExport(
    withFilters(
      withRange(
        report
          .command('top')
          .description('Top N by cost, tokens or requests, against the previous period of equal length (default: last 30 days)')
          .option('--by <dim>', `${REPORT_DIMENSIONS.join(', ')} (default model)`)
          .option('--top <n>', 'how many (default 10)', integer)
          .option('--metric <metric>', 'cost, tokens or requests (default cost)'),
      ),
    ),
  )
    .addHelpText('after', '\nExample:\n  $ budget report top --by contextId --top 5 --period this_week')
    .action(
      cli.action(async (ctx, flags: RangeFlags & FilterFlags & ExportFlags & { by?: string; top?: number; metric?: string }) => {
        const target = exportTarget(flags)
        const query = validate(TopReportQuery, { ...rangeFrom(flags), ...filtersFrom(flags), timeZone: reportTimeZone(ctx), by: flags.by, n: flags.top, metric: flags.metric }, FLAG_NAMES, 'query')
        const result = await (await ctx.service()).topReport(query)
        if (target !== null) {
          const { flattenTop, TOP_COLUMNS } = await import('../../reports/top-report.js')
          return runExport(ctx.out, target, iterate(result.rows.map(flattenTop)), TOP_COLUMNS)
        }
        ctx.out.result(result, (r) => topText(ctx.out, r))
      }),
    )

  for (const kind of ['budgets', 'forecast'] as const) {
    withExport(
      report
        .command(kind)
        .description(
          kind === 'budgets'
            ? "Every budget: each policy's window, headroom, utilization, status and projected end-of-window usage"
            : 'Burn rates, projected window-end usage and exhaustion per policy, and the projected month-end cost',
        )
        .option('--budget <budget>', 'only this budget (id or name)')
        .option('--recent-hours <h>', 'hours behind the recent burn rate (default 24)', integer),
    )
      .addHelpText('after', `\nExample:\n  $ budget report ${kind} --budget research${kind === 'forecast' ? ' --recent-hours 6' : ''}`)
      .action(
        cli.action(async (ctx, flags: ExportFlags & { budget?: string; recentHours?: number }) => {
          const target = exportTarget(flags)
          const query = validate(OutlookQuery, { budgetId: flags.budget, recentHours: flags.recentHours, timeZone: reportTimeZone(ctx) }, FLAG_NAMES, 'query')
          const service = await ctx.service()
          const { flattenOutlook, OUTLOOK_COLUMNS } = await import('../../reports/forecast-report.js')
          if (kind === 'budgets') {
            const result = await service.budgetsReport(query)
            if (target !== null) return runExport(ctx.out, target, iterate(result.budgets.flatMap((b) => b.policies.map(flattenOutlook))), OUTLOOK_COLUMNS)
            return ctx.out.result(result, (r) => budgetsText(ctx.out, r))
          }
          const result = await service.forecastReport(query)
          if (target !== null) return runExport(ctx.out, target, iterate(result.policies.map(flattenOutlook)), OUTLOOK_COLUMNS)
          ctx.out.result(result, (r) => forecastText(ctx.out, r))
        }),
      )
  }

  for (const [name, by] of [
    ['daily', 'day'],
    ['monthly', 'month'],
    ['session', 'session'],
  ] as const) {
    withExport(
      withFilters(
        withRange(
          report
            .command(name)
            .description(`Usage by ${by === 'session' ? 'session (contextId), with its last activity' : `local ${by}`}: models, tokens by kind, cost, totals (ccusage style)`)
            .option('--since <date>', 'from this local date (YYYYMMDD or YYYY-MM-DD)')
            .option('--until <date>', 'to this local date, inclusive')
            .option('--order <order>', 'asc or desc (default asc)')
            .option('--breakdown', 'a row per model under each entry'),
        ),
      ),
    )
      .addHelpText('after', `\nExample:\n  $ budget report ${name} --since 20260301 --until 20260331${by === 'day' ? ' --breakdown' : ''}`)
      .action(
        cli.action(async (ctx, flags: RangeFlags & FilterFlags & ExportFlags & { order?: string; breakdown?: boolean }) => {
          const target = exportTarget(flags)
          const query = validate(ActivityQuery, { by, ...rangeFrom(flags), ...filtersFrom(flags), timeZone: reportTimeZone(ctx), order: flags.order }, FLAG_NAMES, 'query')
          const result = await (await ctx.service()).activityReport(query)
          if (target !== null) {
            const { ACTIVITY_COLUMNS, flattenActivity } = await import('../../reports/activity-report.js')
            return runExport(ctx.out, target, iterate(result.rows.map(flattenActivity)), ACTIVITY_COLUMNS)
          }
          ctx.out.result(result, (r) => activityText(ctx.out, r, flags.breakdown === true))
        }),
      )
  }

  withExport(
    report
      .command('records')
      .description('Export raw usage records (newest first) — every record that matches, as CSV, NDJSON or JSON')
      .option('--budget <budget>', 'budget id or name')
      .option('--context <id>', 'session / contextId')
      .option('--provider <provider>', 'provider')
      .option('--model <model>', 'model')
      .option('--component <component>', 'component')
      .option('--task-type <type>', 'task type')
      .option('--from <iso>', 'records at or after this instant')
      .option('--to <iso>', 'records before this instant'),
  )
    .addHelpText('after', '\nExample:\n  $ budget report records --budget research --from 2026-03-01T00:00:00Z --out march.ndjson')
    .action(
      cli.action(async (ctx, flags: ExportFlags & { budget?: string; context?: string; provider?: string; model?: string; component?: string; taskType?: string; from?: string; to?: string }) => {
        const target = exportTarget(flags) ?? { format: 'csv' as const, file: null }
        const query = validate(
          UsageQuery,
          { budgetId: flags.budget, contextId: flags.context, provider: flags.provider, model: flags.model, component: flags.component, taskType: flags.taskType, from: flags.from, to: flags.to },
          FLAG_NAMES,
          'query',
        )
        const service = await ctx.service()
        const expected = target.file === null ? null : await expectedRecords(service, query)
        const { USAGE_RECORD_COLUMNS } = await import('../../reports/record-export.js')
        await runExport(ctx.out, target, service.streamUsage(query), USAGE_RECORD_COLUMNS, expected)
      }),
    )
}

/** How many records an export will write, from the rollups (an estimate for the progress bar: retention may have dropped some). */
async function expectedRecords(service: BudgetService, query: UsageQuery): Promise<number> {
  const one = (v: string | undefined) => (v === undefined ? undefined : [v])
  const report = await service.usageReport({
    from: query.from,
    to: query.to,
    budgetId: one(query.budgetId),
    contextId: one(query.contextId),
    provider: one(query.provider),
    model: one(query.model),
    component: one(query.component),
    taskType: one(query.taskType),
    limit: 1,
  })
  return report.totals.requests
}
