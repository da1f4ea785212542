/**
 * `budget budgets create|list|show|update|delete`: the budgets themselves; `show` adds
 * the current window of each of its policies.
 */
import type { Command } from 'commander'
import { type Budget, BudgetInput, BudgetUpdate } from '../../domain/budget.js'
import type { BudgetSummary } from '../../domain/summary.js'
import type { Cli } from '../context.js'
import { collect, validate } from '../flags.js'
import { count, instant, type Output, percent, usd } from '../output.js'

interface BudgetFlags {
  name?: string
  description?: string
  owner?: string
  tag?: string[]
  archive?: boolean
  unarchive?: boolean
}

export function registerBudgets(program: Command, cli: Cli): void {
  const budgets = program
    .command('budgets')
    .description('Create, list, show, change and delete budgets')
    .addHelpText(
      'after',
      `
A budget is a named envelope of policies (one per team, product or agent fleet).
Its name works wherever an id does.

Examples:
  $ budget budgets create research --description "Research agents" --owner ada --tag team-a
  $ budget budgets list
  $ budget budgets show research
  $ budget budgets update research --owner grace --archive
  $ budget budgets delete research`,
    )

  budgets
    .command('create')
    .description('Create a budget')
    .argument('<name>', 'unique name')
    .option('--description <text>', 'what it is for')
    .option('--owner <owner>', 'who answers for it')
    .option('--tag <tag>', 'a tag (repeat, or a comma list)', collect)
    .addHelpText('after', '\nExample:\n  $ budget budgets create research --owner ada --tag team-a,agents')
    .action(
      cli.action(async ({ out, service }, name: string, flags: BudgetFlags) => {
        const input = validate(BudgetInput, { name, description: flags.description, owner: flags.owner, tags: flags.tag }, { name: '<name>' }, 'budget')
        const budget = await (await service()).createBudget(input)
        out.result(budget, (b) => `created budget ${b.name} (${b.id})`)
      }),
    )

  budgets
    .command('list')
    .description('List budgets')
    .option('--archived', 'include archived budgets')
    .addHelpText('after', '\nExample:\n  $ budget budgets list --archived --json')
    .action(
      cli.action(async ({ out, service }, flags: { archived?: boolean }) => {
        const items = await (await service()).listBudgets(flags.archived === true)
        out.result({ items }, ({ items }) => budgetTable(out, items))
      }),
    )

  budgets
    .command('show')
    .description("Show a budget and its policies' current windows")
    .argument('<budget>', 'id or name')
    .addHelpText('after', '\nExample:\n  $ budget budgets show research')
    .action(
      cli.action(async ({ out, service }, idOrName: string) => {
        const svc = await service()
        const budget = await svc.getBudget(idOrName)
        const summary = await svc.summary(budget.id)
        out.result({ budget, summary }, (v) => `${budgetFields(out, v.budget)}\n\n${summaryTable(out, v.summary)}`)
      }),
    )

  budgets
    .command('update')
    .description('Change a budget')
    .argument('<budget>', 'id or name')
    .option('--name <name>', 'new name')
    .option('--description <text>', 'new description')
    .option('--owner <owner>', 'new owner')
    .option('--tag <tag>', 'replace the tags (repeat, or a comma list)', collect)
    .option('--archive', 'archive it (hidden from lists, policies stay)')
    .option('--unarchive', 'bring it back from the archive')
    .addHelpText('after', '\nExample:\n  $ budget budgets update research --owner grace --tag team-b')
    .action(
      cli.action(async ({ out, service }, idOrName: string, flags: BudgetFlags) => {
        const archived = flags.archive ? true : flags.unarchive ? false : undefined
        const update = validate(BudgetUpdate, { name: flags.name, description: flags.description, owner: flags.owner, tags: flags.tag, archived }, { archived: '--archive' }, 'update')
        const budget = await (await service()).updateBudget(idOrName, update)
        out.result(budget, (b) => `updated budget ${b.name} (${b.id})\n${budgetFields(out, b)}`)
      }),
    )

  budgets
    .command('delete')
    .description('Delete a budget and its policies (its usage records stay, as history)')
    .argument('<budget>', 'id or name')
    .addHelpText('after', '\nExample:\n  $ budget budgets delete research')
    .action(
      cli.action(async ({ out, service }, idOrName: string) => {
        await (await service()).deleteBudget(idOrName)
        out.result({ deleted: true, id: idOrName }, () => `deleted budget ${idOrName}`)
      }),
    )
}

function budgetTable(out: Output, items: Budget[]): string {
  if (items.length === 0) return 'no budgets yet: create one with "budget budgets create <name>"'
  return out.table(
    ['ID', 'NAME', 'OWNER', 'TAGS', 'CREATED', 'ARCHIVED'],
    items.map((b) => [out.id(b.id), b.name, b.owner ?? '-', b.tags.join(',') || '-', instant(b.createdAt), b.archived ? 'yes' : 'no']),
  )
}

function budgetFields(out: Output, b: Budget): string {
  return out.fields([
    ['id', b.id],
    ['name', b.name],
    ['description', b.description],
    ['owner', b.owner],
    ['tags', b.tags.join(', ')],
    ['created', instant(b.createdAt)],
    ['updated', instant(b.updatedAt)],
    ['archived', b.archived ? 'yes' : undefined],
  ])
}

/** Each policy's current window: used, reserved, limits, utilization and status. */
export function summaryTable(out: Output, summary: BudgetSummary): string {
  if (summary.policies.length === 0) return 'no policies: add one with "budget policies add --budget <budget> …"'
  return out.table(
    ['POLICY', 'TYPE', 'PERIOD', 'WINDOW START', 'TOKENS', 'TOKEN LIMIT', 'COST', 'COST LIMIT', 'RESERVED', 'UTIL', 'STATUS'],
    summary.policies.map((p) => [
      out.id(p.policyId),
      p.type,
      p.period,
      instant(p.windowStart),
      count(p.tokensUsed),
      count(p.tokenLimit),
      usd(p.costUsd),
      p.costLimitUsd === undefined ? '-' : usd(p.costLimitUsd),
      `${count(p.tokensReserved)} / ${usd(p.costReservedUsd)}`,
      percent(p.utilization),
      out.status(p.status),
    ]),
    [4, 5, 6, 7, 8, 9],
  )
}
