/**
 * How `budget report …` shows reports to people: aligned tables with a totals row, dates
 * in the report's zone, and for daily / monthly / session the layout ccusage users know
 * (a row per date, the models used, tokens by kind, cost, a totals row).
 */
import type { ActivityReport, BudgetsReport, ForecastReport, PolicyOutlook, TopReport, UsageReport } from '../../domain/report.js'
import type { UsageTotals } from '../../domain/usage.js'
import { localDate } from '../../reports/local-date.js'
import { count, instant, type Output, usd } from '../output.js'

const DIMENSION_LABEL: Record<string, string> = { budgetId: 'BUDGET', provider: 'PROVIDER', model: 'MODEL', component: 'COMPONENT', taskType: 'TASK TYPE', tier: 'TIER', contextId: 'SESSION' }

const TOKEN_HEAD = ['REQUESTS', 'INPUT', 'OUTPUT', 'CACHE WRITE', 'CACHE READ', 'TOTAL TOKENS', 'COST', 'UNPRICED']
const tokenCells = (t: UsageTotals) => [count(t.requests), count(t.inputTokens), count(t.outputTokens), count(t.cacheWriteTokens), count(t.cacheReadTokens), count(t.totalTokens), usd(t.costUsd), count(t.unpricedRequests)]
const rightFrom = (first: number, n: number) => Array.from({ length: n }, (_, i) => first + i)

/** A bucket as people read it: the local date (or hour) in the report's zone. */
function bucketLabel(report: UsageReport, startIso: string): string {
  const ms = Date.parse(startIso)
  switch (report.granularity) {
    case null:
      return 'all'
    case 'hour':
      return `${localDate(ms, report.timeZone)} ${new Intl.DateTimeFormat('en-GB', { timeZone: report.timeZone, hour: '2-digit', minute: '2-digit' }).format(ms)}`
    case 'month':
      return localDate(ms, report.timeZone).slice(0, 7)
    default:
      return localDate(ms, report.timeZone)
  }
}

export function usageReportText(out: Output, report: UsageReport): string {
  const dims = report.groupBy
  const head = ['BUCKET', ...dims.map((d) => DIMENSION_LABEL[d] ?? d), ...TOKEN_HEAD]
  const rows = report.rows.map((r) => [bucketLabel(report, r.bucketStart), ...dims.map((d) => (d === 'budgetId' ? out.id(r.key[d]) : (r.key[d] ?? '-'))), ...tokenCells(r.totals)])
  rows.push([out.color.bold('total'), ...dims.map(() => ''), ...tokenCells(report.totals)])
  const lines = [out.table(head, rows, rightFrom(1 + dims.length, TOKEN_HEAD.length))]
  lines.push(out.color.dim(`${instant(report.from)} → ${instant(report.to)} (${report.timeZone}; ${report.resolutionMinutes}-minute rollup)`))
  if (report.nextCursor !== null) lines.push(`more: --cursor ${report.nextCursor}`)
  return lines.join('\n')
}

export function topText(out: Output, report: TopReport): string {
  const head = ['#', DIMENSION_LABEL[report.by] ?? report.by, 'COST', 'TOKENS', 'REQUESTS', 'PREVIOUS COST', 'CHANGE']
  const rows = report.rows.map((r) => [
    r.rank,
    report.by === 'budgetId' ? out.id(r.key) : (r.key ?? '(none)'),
    usd(r.current.costUsd),
    count(r.current.totalTokens),
    count(r.current.requests),
    usd(r.previous.costUsd),
    r.change.percent === null ? 'new' : `${r.change.percent > 0 ? '+' : ''}${r.change.percent.toFixed(1)}%`,
  ])
  const { current, previous } = report.totals
  rows.push(['', out.color.bold('all'), usd(current.costUsd), count(current.totalTokens), count(current.requests), usd(previous.costUsd), ''])
  const span = `${instant(report.from)} → ${instant(report.to)} against ${instant(report.previousFrom)} → ${instant(report.previousTo)}`
  return `${out.table(head, rows, [0, 2, 3, 4, 5, 6])}\n${out.color.dim(`top ${report.rows.length} by ${report.metric}, ${span}`)}`
}

function outlookTable(out: Output, policies: PolicyOutlook[], withBudget: boolean): string {
  const head = [...(withBudget ? ['BUDGET'] : []), 'POLICY', 'PERIOD', 'TYPE', 'USED', 'LIMIT', 'REMAINING', 'UTIL', 'STATUS', 'FORECAST', 'EXHAUSTS']
  const rows = policies.map((p) => {
    const byCost = p.costLimitUsd !== null
    const forecast = p.forecast === null ? '-' : `${byCost ? usd(p.forecast.costUsd) : count(p.forecast.tokens)} (${out.status(p.forecast.status)})`
    return [
      ...(withBudget ? [p.budgetName] : []),
      out.id(p.policyId),
      p.period,
      p.type,
      byCost ? usd(p.costUsd) : count(p.tokensUsed),
      byCost ? usd(p.costLimitUsd) : count(p.tokenLimit),
      byCost ? usd(p.remainingUsd) : count(p.remainingTokens),
      `${p.utilizationPercent.toFixed(1)}%`,
      out.status(p.status),
      forecast,
      p.exhaustionAt === null ? '-' : instant(p.exhaustionAt),
    ]
  })
  const offset = withBudget ? 1 : 0
  return out.table(head, rows, [4 + offset, 5 + offset, 6 + offset, 7 + offset])
}

export function budgetsText(out: Output, report: BudgetsReport): string {
  if (report.budgets.length === 0) return 'no budgets'
  return report.budgets
    .map((b) => `${out.color.bold(b.name)} ${out.color.dim(b.id)}\n${b.policies.length === 0 ? '  no enabled policies' : outlookTable(out, b.policies, false)}`)
    .join('\n\n')
}

export function forecastText(out: Output, report: ForecastReport): string {
  const m = report.monthEnd
  const lines = [report.policies.length === 0 ? 'no enabled policies' : outlookTable(out, report.policies, true), '']
  lines.push(
    out.fields([
      ['month', `${instant(m.monthStart)} → ${instant(m.monthEnd)} (${report.timeZone})`],
      ['cost so far', usd(m.costToDateUsd)],
      ['projected month end', usd(m.projectedCostUsd)],
    ]),
  )
  if (m.byBudget.length > 0) {
    lines.push('', out.table(['BUDGET', 'SO FAR', 'PROJECTED'], m.byBudget.map((b) => [b.name ?? (b.budgetId === null ? '(no budget)' : out.id(b.budgetId)), usd(b.costToDateUsd), usd(b.projectedCostUsd)]), [1, 2]))
  }
  lines.push('', out.color.dim(`method (${report.method.name}): ${report.method.projection}; exhaustion: ${report.method.exhaustion}; rates: ${report.method.burnRate}`))
  return lines.join('\n')
}

/** ccusage names models short: claude-sonnet-4-20250514 → sonnet-4. */
const shortModel = (model: string) => model.replace(/^claude-/, '').replace(/-\d{8}$/, '')

export function activityText(out: Output, report: ActivityReport, breakdown: boolean): string {
  if (report.rows.length === 0) return `no usage${report.from ? ` from ${instant(report.from)}` : ''}${report.to ? ` to ${instant(report.to)}` : ''}`
  const first = report.by === 'day' ? 'DATE' : report.by === 'month' ? 'MONTH' : 'SESSION'
  const head = [first, 'MODELS', 'INPUT', 'OUTPUT', 'CACHE CREATE', 'CACHE READ', 'TOTAL TOKENS', 'COST (USD)', ...(report.by === 'session' ? ['LAST ACTIVITY'] : [])]
  const cells = (t: UsageTotals) => [count(t.inputTokens), count(t.outputTokens), count(t.cacheWriteTokens), count(t.cacheReadTokens), count(t.totalTokens), usd(t.costUsd)]
  const last = (iso: string | null) => (report.by === 'session' ? [iso === null ? '-' : localDate(Date.parse(iso), report.timeZone)] : [])
  const rows: string[][] = []
  for (const row of report.rows) {
    const label = report.by === 'session' && row.label === '' ? '(no session)' : row.label
    rows.push([label, row.models.map((m) => `- ${shortModel(m)}`).join('\n'), ...cells(row.totals), ...last(row.lastActivity)])
    if (breakdown) for (const b of row.breakdown) rows.push([out.color.dim(`  └ ${shortModel(b.model)}`), '', ...cells(b.totals).map((c) => out.color.dim(c)), ...last(null).map(() => '')])
  }
  rows.push([out.color.bold('Total'), '', ...cells(report.totals).map((c) => out.color.bold(c)), ...last(null).map(() => '')])
  return `${out.table(head, rows, [2, 3, 4, 5, 6, 7])}\n${out.color.dim(`times in ${report.timeZone}`)}`
}
