/**
 * Where budgets stand (get_budget_status) and what was spent (get_usage_analytics).
 */
import { z } from 'zod'
import { Budget } from '../../domain/budget.js'
import { BudgetSummary, SummaryQuery } from '../../domain/summary.js'
import { GROUP_KEYS, UsageSummary, UsageSummaryQuery } from '../../domain/usage.js'
import { policyLine, tokens, usd } from '../summary-text.js'
import { defineTool } from '../tool.js'

const BudgetStatus = z.object({ budget: Budget, summary: BudgetSummary })

export const getBudgetStatus = defineTool({
  name: 'get_budget_status',
  title: 'Budget status',
  description:
    'Where a budget stands in the current window of each of its policies: tokens and cost used and reserved, limits, utilization and status (ok, warning, action, exceeded). ' +
    'Without budgetId, every budget.',
  role: 'read',
  input: SummaryQuery.extend({ budgetId: z.string().min(1).max(200).optional().describe('Budget id or name; absent = every budget') }),
  output: z.object({ items: z.array(BudgetStatus) }),
  readOnly: true,
  run: async (service, { budgetId, ...query }) => {
    const budgets = budgetId === undefined ? await service.listBudgets() : [await service.getBudget(budgetId)]
    const items = []
    for (const budget of budgets) items.push({ budget, summary: await service.summary(budget.id, query) })
    return { items }
  },
  summarize: ({ items }) => {
    if (items.length === 0) return 'no budgets'
    return items
      .map(({ budget, summary }) => [`${budget.name} (${budget.id})`, ...(summary.policies.length === 0 ? ['  no policies'] : summary.policies.map((p) => `  ${policyLine(p)}`))].join('\n'))
      .join('\n')
  },
})

export const getUsageAnalytics = defineTool({
  name: 'get_usage_analytics',
  title: 'Usage analytics',
  description: 'Requests, tokens and cost recorded in a span of time, in total and grouped by budget, provider, model, component or task type.',
  role: 'read',
  input: UsageSummaryQuery.extend({ groupBy: z.array(z.enum(GROUP_KEYS)).max(5).optional().describe('Keys to group by, e.g. ["provider", "model"]') }),
  output: UsageSummary,
  readOnly: true,
  run: (service, query) => service.usageSummary(query),
  summarize: (s) => {
    const line = (label: string, t: typeof s.totals) => `${label}: ${t.requests} requests, ${tokens(t.totalTokens)}, ${usd(t.costUsd)}${t.unpricedRequests > 0 ? ` (${t.unpricedRequests} unpriced)` : ''}`
    const groups = s.groups.slice(0, 20).map((g) => `  ${line(Object.values(g.key).map((v) => v ?? '-').join(' / '), g.totals)}`)
    const more = s.groups.length > 20 ? [`  … ${s.groups.length - 20} more groups`] : []
    return [line('total', s.totals), ...groups, ...more].join('\n')
  },
})
