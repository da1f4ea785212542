/**
 * `budget status`: with --server, the service's health; otherwise the local store —
 * how many budgets and where each of their policies stands in its current window.
 */
import type { Command } from 'commander'
import type { Budget } from '../../domain/budget.js'
import type { BudgetSummary } from '../../domain/summary.js'
import type { Cli } from '../context.js'
import { type Output } from '../output.js'
import { summaryTable } from './budgets.js'

interface StoreStatus {
  store: string
  budgets: number
  items: { budget: Budget; summary: BudgetSummary }[]
}

export function registerStatus(program: Command, cli: Cli): void {
  program
    .command('status')
    .description('Health of the server (--server), or the budgets of the local store and their policy statuses')
    .addHelpText(
      'after',
      `
Examples:
  $ budget status
  $ budget --server http://127.0.0.1:8013 status --json`,
    )
    .action(
      cli.action(async ({ out, session }) => {
        const opened = await session()
        if (opened.mode === 'server') {
          const health = await opened.client.health()
          out.result(health, (h) => out.fields(Object.entries(h).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])))
          return
        }
        const budgets = await opened.service.listBudgets()
        const items = await Promise.all(budgets.map(async (budget) => ({ budget, summary: await opened.service.summary(budget.id) })))
        const status: StoreStatus = { store: opened.config.databaseUrl, budgets: budgets.length, items }
        out.result(status, (s) => renderStatus(out, s))
      }),
    )
}

function renderStatus(out: Output, s: StoreStatus): string {
  const head = `${s.budgets} budget${s.budgets === 1 ? '' : 's'} in ${s.store}`
  return [head, ...s.items.map(({ budget, summary }) => `\n${out.color.bold(budget.name)} ${out.color.dim(budget.id)}\n${summaryTable(out, summary)}`)].join('\n')
}
