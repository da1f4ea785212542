/**
 * `budget usage list|summary`: usage records page by page (newest first, with a cursor)
 * and totals grouped by budget, provider, model, component or task type.
 */
import type { Command } from 'commander'
import { GROUP_KEYS, type UsagePage, UsageQuery, type UsageSummary, UsageSummaryQuery, type UsageTotals } from '../../domain/usage.js'
import type { Cli } from '../context.js'
import { integer, validate } from '../flags.js'
import { count, instant, type Output, usd } from '../output.js'

interface FilterFlags {
  budget?: string
  context?: string
  provider?: string
  model?: string
  component?: string
  taskType?: string
  from?: string
  to?: string
  limit?: number
  cursor?: string
  groupBy?: string
}

const FLAGS: Record<string, string> = { budgetId: '--budget', contextId: '--context' }

export function registerUsage(program: Command, cli: Cli): void {
  const usage = program
    .command('usage')
    .description('Usage records and totals')
    .addHelpText(
      'after',
      `
Examples:
  $ budget usage list --budget research --limit 20
  $ budget usage list --provider openai --from 2025-06-01T00:00:00Z --cursor <next cursor>
  $ budget usage summary --group-by provider,model
  $ budget usage summary --budget research --from 2025-06-01T00:00:00Z --json`,
    )

  usage
    .command('list')
    .description('List usage records, newest first')
    .option('--budget <budget>', 'budget id or name')
    .option('--context <id>', 'session or conversation id')
    .option('--provider <provider>', 'provider')
    .option('--model <model>', 'model')
    .option('--component <component>', 'component')
    .option('--task-type <type>', 'task type')
    .option('--from <iso>', 'records at or after this instant')
    .option('--to <iso>', 'records before this instant')
    .option('--limit <n>', 'records per page (1–1000, default 100)', integer)
    .option('--cursor <cursor>', 'the next-page cursor a previous page printed')
    .addHelpText('after', '\nExample:\n  $ budget usage list --budget research --model gpt-4o --limit 50')
    .action(
      cli.action(async ({ out, service }, flags: FilterFlags) => {
        const query = validate(
          UsageQuery,
          {
            budgetId: flags.budget,
            contextId: flags.context,
            provider: flags.provider,
            model: flags.model,
            component: flags.component,
            taskType: flags.taskType,
            from: flags.from,
            to: flags.to,
            limit: flags.limit,
            cursor: flags.cursor,
          },
          FLAGS,
          'query',
        )
        const page = await (await service()).listUsage(query)
        out.result(page, (p) => usageTable(out, p))
      }),
    )

  usage
    .command('summary')
    .description('Totals of tokens and cost, optionally grouped (read from hourly rollups)')
    .option('--group-by <keys>', `comma list of ${GROUP_KEYS.join(', ')}`)
    .option('--budget <budget>', 'budget id or name')
    .option('--from <iso>', 'from this instant (rounded down to the hour)')
    .option('--to <iso>', 'to this instant (rounded up to the hour)')
    .addHelpText('after', '\nExample:\n  $ budget usage summary --group-by budgetId,model --from 2025-06-01T00:00:00Z')
    .action(
      cli.action(async ({ out, service }, flags: FilterFlags) => {
        const query = validate(UsageSummaryQuery, { groupBy: flags.groupBy, budgetId: flags.budget, from: flags.from, to: flags.to }, FLAGS, 'query')
        const summary = await (await service()).usageSummary(query)
        out.result(summary, (s) => summaryText(out, s))
      }),
    )
}

function usageTable(out: Output, page: UsagePage): string {
  if (page.items.length === 0) return 'no usage records'
  const table = out.table(
    ['TIME', 'ID', 'BUDGET', 'MODEL', 'INPUT', 'OUTPUT', 'CACHE R/W', 'COST'],
    page.items.map((u) => [
      instant(u.timestamp),
      out.id(u.id),
      out.id(u.budgetId),
      `${u.provider}/${u.model}`,
      count(u.inputTokens),
      count(u.outputTokens),
      `${count(u.cacheReadTokens)}/${count(u.cacheWriteTokens)}`,
      u.unpriced ? 'unpriced' : usd(u.costUsd),
    ]),
    [4, 5, 6, 7],
  )
  return page.nextCursor === null ? table : `${table}\nmore: --cursor ${page.nextCursor}`
}

const totalsCells = (t: UsageTotals) => [count(t.requests), count(t.inputTokens), count(t.outputTokens), count(t.cacheReadTokens + t.cacheWriteTokens), count(t.totalTokens), usd(t.costUsd), count(t.unpricedRequests)]

function summaryText(out: Output, s: UsageSummary): string {
  const metrics = ['REQUESTS', 'INPUT', 'OUTPUT', 'CACHE', 'TOTAL TOKENS', 'COST', 'UNPRICED']
  const keys = s.groupBy
  const labels = keys.length === 0 ? [''] : keys.map((k) => (k === 'budgetId' ? 'BUDGET' : k.replace(/[A-Z]/g, (c) => ` ${c}`).toUpperCase()))
  const rows = s.groups.map((g) => [...keys.map((k) => (k === 'budgetId' ? out.id(g.key[k]) : (g.key[k] ?? '-'))), ...totalsCells(g.totals)])
  rows.push([out.color.bold('total'), ...labels.slice(1).map(() => ''), ...totalsCells(s.totals)])
  const table = out.table([...labels, ...metrics], rows, metrics.map((_, i) => labels.length + i))
  return s.from || s.to ? `${table}\nfrom ${instant(s.from)} to ${instant(s.to)}` : table
}
