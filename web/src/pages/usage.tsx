/**
 * Usage: tokens and cost over time, stacked by provider or model, for a range and bucket
 * size the URL holds; the rows behind the charts in a table below. Reloads live.
 */
import { useMemo } from 'preact/hooks'
import type { UsageReport, UsageReportRow } from '../../../src/domain/report.js'
import { Chart } from '../components/chart.js'
import { Page, Section, Stat } from '../components/page.js'
import { RangePicker, useRange } from '../components/range-picker.js'
import { type Column, SortableTable } from '../components/sortable-table.js'
import { Command, Empty, Loaded } from '../components/states.js'
import { formatCompact, formatCount, formatInstant, formatCostOf, formatUsd } from '../format.js'
import { granularityOf, viewerTimeZone } from '../range.js'
import { chartData, fullUsageReport, keyOf } from '../reports.js'
import { useQueryParam } from '../router.js'
import { useResource } from '../use-resource.js'
import { Control } from '../components/control.js'

const STACKS = { provider: 'Provider', model: 'Model' } as const
type Stack = keyof typeof STACKS

const formatTokens = (v: number) => formatCompact(v)

export function UsagePage() {
  const range = useRange('7d')
  const [rawBy, setBy] = useQueryParam('by', 'provider')
  const by: Stack = rawBy === 'model' ? 'model' : 'provider'
  const report = useResource(
    (signal) => {
      const r = range.resolve()
      return fullUsageReport({ from: r.from, to: r.to, timeZone: viewerTimeZone(), granularity: granularityOf(range.granularity, r.spanMs), groupBy: by }, signal)
    },
    [range.key, by],
    { topics: ['usage'] },
  )

  return (
    <Page
      title="Usage"
      intro="Tokens and cost over time, from the hourly rollups."
      actions={
        <>
          <RangePicker state={range} withGranularity />
          <Control label="Stack by">
            {(id) => (
              <select id={id} value={by} onChange={(e) => setBy(e.currentTarget.value)}>
                {Object.entries(STACKS).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            )}
          </Control>
        </>
      }
    >
      <Loaded resource={report} what="usage">
        {(r) => <UsageView report={r} by={by} />}
      </Loaded>
    </Page>
  )
}

function UsageView({ report, by }: { report: UsageReport; by: Stack }) {
  const data = useMemo(() => chartData(report, by), [report, by])
  const columns = useMemo<Column<UsageReportRow>[]>(
    () => [
      { key: 'bucket', label: report.granularity === 'hour' ? 'Hour' : 'Period', value: (r) => r.bucketStart, render: (r) => formatInstant(r.bucketStart) },
      { key: by, label: STACKS[by], value: (r) => keyOf(r, by) },
      { key: 'requests', label: 'Requests', numeric: true, value: (r) => r.totals.requests, render: (r) => formatCount(r.totals.requests) },
      { key: 'input', label: 'Input', numeric: true, value: (r) => r.totals.inputTokens, render: (r) => formatCount(r.totals.inputTokens) },
      { key: 'output', label: 'Output', numeric: true, value: (r) => r.totals.outputTokens, render: (r) => formatCount(r.totals.outputTokens) },
      { key: 'cache', label: 'Cache read / write', numeric: true, value: (r) => r.totals.cacheReadTokens + r.totals.cacheWriteTokens, render: (r) => `${formatCount(r.totals.cacheReadTokens)} / ${formatCount(r.totals.cacheWriteTokens)}` },
      { key: 'tokens', label: 'Total tokens', numeric: true, value: (r) => r.totals.totalTokens, render: (r) => formatCount(r.totals.totalTokens) },
      { key: 'cost', label: 'Cost', numeric: true, value: (r) => r.totals.costUsd, render: (r) => formatCostOf(r.totals) },
    ],
    [report.granularity, by],
  )
  if (report.totals.requests === 0) {
    return (
      <Empty title="No usage in this range">
        <p>Pick a longer range, or record usage from your code (POST /api/v1/usage) or a terminal:</p>
        <Command>budget record --provider openai --model gpt-4o-mini --input-tokens 800 --output-tokens 200</Command>
      </Empty>
    )
  }
  const t = report.totals
  return (
    <>
      <div class="stats">
        <Stat testId="usage-cost" label="Cost" value={formatUsd(t.costUsd)} detail={t.unpricedRequests > 0 ? `${formatCount(t.unpricedRequests)} requests unpriced` : 'all requests priced'} />
        <Stat testId="usage-tokens" label="Tokens" value={formatCount(t.totalTokens)} detail={`${formatCount(t.inputTokens)} in · ${formatCount(t.outputTokens)} out`} />
        <Stat testId="usage-requests" label="Requests" value={formatCount(t.requests)} detail={`${formatInstant(report.from)} – ${formatInstant(report.to)}`} />
      </div>
      <Section title={`Tokens by ${by}`}>
        <Chart testId="chart-tokens" label={`Tokens per ${report.granularity ?? 'range'} by ${by}`} kind="stacked-bars" x={data.x} series={data.tokens} format={formatTokens} />
      </Section>
      <Section title={`Cost by ${by}`}>
        <Chart testId="chart-cost" label={`Cost per ${report.granularity ?? 'range'} by ${by}`} kind="stacked-bars" x={data.x} series={data.cost} format={formatUsd} />
      </Section>
      <Section title="Rows">
        <SortableTable
          testId="usage-table"
          caption={`Usage per ${report.granularity ?? 'range'} and ${by}`}
          columns={columns}
          rows={report.rows}
          rowKey={(r) => `${r.bucketStart}|${keyOf(r, by)}`}
          initialSort={{ key: 'bucket', descending: true }}
        />
      </Section>
    </>
  )
}
