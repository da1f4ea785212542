/**
 * Providers: each provider's share of the cost, its spend over time, and every model it
 * served, for a range the URL holds.
 */
import { useMemo } from 'preact/hooks'
import type { UsageReport } from '../../../src/domain/report.js'
import type { UsageTotals } from '../../../src/domain/usage.js'
import { Chart } from '../components/chart.js'
import { Page, Section } from '../components/page.js'
import { RangePicker, useRange } from '../components/range-picker.js'
import { ShareBars } from '../components/share-bars.js'
import { type Column, SortableTable } from '../components/sortable-table.js'
import { Command, Empty, Loaded } from '../components/states.js'
import { formatCount, formatPercent, formatCostOf, formatUsd } from '../format.js'
import { granularityOf, viewerTimeZone } from '../range.js'
import { chartData, fullUsageReport, keyOf, totalsBy } from '../reports.js'
import { useResource } from '../use-resource.js'

interface ProviderRow {
  key: string
  totals: UsageTotals
  models: number
}

interface ModelRow {
  provider: string
  model: string
  totals: UsageTotals
}

const perThousand = (t: UsageTotals) => (t.totalTokens > 0 ? (t.costUsd / t.totalTokens) * 1000 : 0)

export function ProvidersPage() {
  const range = useRange('30d')
  const breakdown = useResource(
    (signal) => {
      const r = range.resolve()
      return fullUsageReport({ from: r.from, to: r.to, timeZone: viewerTimeZone(), groupBy: 'provider,model' }, signal)
    },
    [range.key],
    { topics: ['usage'] },
  )
  const overTime = useResource(
    (signal) => {
      const r = range.resolve()
      return fullUsageReport({ from: r.from, to: r.to, timeZone: viewerTimeZone(), granularity: granularityOf('auto', r.spanMs), groupBy: 'provider' }, signal)
    },
    [range.key],
    { topics: ['usage'] },
  )
  return (
    <Page title="Providers" intro="Each provider's share of the cost and the models it served." actions={<RangePicker state={range} />}>
      <Loaded resource={breakdown} what="the provider breakdown">
        {(r) =>
          r.rows.length === 0 ? (
            <Empty title="No usage in this range">
              <p>Pick a longer range, or record usage with its provider and model:</p>
              <Command>budget record --provider google --model gemini-2.5-flash --input-tokens 2000 --output-tokens 500</Command>
            </Empty>
          ) : (
            <Breakdown report={r} />
          )
        }
      </Loaded>
      <Section title="Cost by provider over time">
        <Loaded resource={overTime} what="spend over time">
          {(r) => <ProviderChart report={r} />}
        </Loaded>
      </Section>
    </Page>
  )
}

function ProviderChart({ report }: { report: UsageReport }) {
  const data = useMemo(() => chartData(report, 'provider'), [report])
  return <Chart testId="chart-providers" label={`Cost per ${report.granularity ?? 'range'} by provider`} kind="stacked-bars" x={data.x} series={data.cost} format={formatUsd} />
}

function Breakdown({ report }: { report: UsageReport }) {
  const providers = useMemo<ProviderRow[]>(
    () =>
      totalsBy(report, 'provider')
        .map((p) => ({ ...p, models: new Set(report.rows.filter((r) => keyOf(r, 'provider') === p.key).map((r) => keyOf(r, 'model'))).size }))
        .sort((a, b) => b.totals.costUsd - a.totals.costUsd),
    [report],
  )
  const models = useMemo<ModelRow[]>(() => report.rows.map((r) => ({ provider: keyOf(r, 'provider'), model: keyOf(r, 'model'), totals: r.totals })), [report])
  const total = report.totals.costUsd
  const providerColumns: Column<ProviderRow>[] = [
    { key: 'provider', label: 'Provider', value: (r) => r.key },
    { key: 'cost', label: 'Cost', numeric: true, value: (r) => r.totals.costUsd, render: (r) => formatCostOf(r.totals) },
    { key: 'share', label: 'Share', numeric: true, value: (r) => (total > 0 ? r.totals.costUsd / total : 0), render: (r) => formatPercent(total > 0 ? r.totals.costUsd / total : 0) },
    { key: 'requests', label: 'Requests', numeric: true, value: (r) => r.totals.requests, render: (r) => formatCount(r.totals.requests) },
    { key: 'tokens', label: 'Tokens', numeric: true, value: (r) => r.totals.totalTokens, render: (r) => formatCount(r.totals.totalTokens) },
    { key: 'models', label: 'Models', numeric: true, value: (r) => r.models },
  ]
  const modelColumns: Column<ModelRow>[] = [
    { key: 'provider', label: 'Provider', value: (r) => r.provider },
    { key: 'model', label: 'Model', value: (r) => r.model },
    { key: 'requests', label: 'Requests', numeric: true, value: (r) => r.totals.requests, render: (r) => formatCount(r.totals.requests) },
    { key: 'input', label: 'Input', numeric: true, value: (r) => r.totals.inputTokens, render: (r) => formatCount(r.totals.inputTokens) },
    { key: 'output', label: 'Output', numeric: true, value: (r) => r.totals.outputTokens, render: (r) => formatCount(r.totals.outputTokens) },
    { key: 'tokens', label: 'Total tokens', numeric: true, value: (r) => r.totals.totalTokens, render: (r) => formatCount(r.totals.totalTokens) },
    { key: 'cost', label: 'Cost', numeric: true, value: (r) => r.totals.costUsd, render: (r) => formatCostOf(r.totals) },
    { key: 'perK', label: 'Cost / 1k tokens', numeric: true, value: (r) => perThousand(r.totals), render: (r) => (r.totals.unpricedRequests >= r.totals.requests ? '—' : formatUsd(perThousand(r.totals))) },
  ]
  return (
    <>
      <Section title="Share of cost">
        <ShareBars testId="provider-shares" label="Share of cost by provider" parts={providers.map((p) => ({ key: p.key, value: p.totals.costUsd }))} format={formatUsd} />
      </Section>
      <Section title="Providers">
        <SortableTable testId="providers-table" caption="Totals per provider" columns={providerColumns} rows={providers} rowKey={(r) => r.key} initialSort={{ key: 'cost', descending: true }} />
      </Section>
      <Section title="Models">
        <SortableTable testId="models-table" caption="Totals per provider and model" columns={modelColumns} rows={models} rowKey={(r) => `${r.provider}/${r.model}`} initialSort={{ key: 'cost', descending: true }} />
      </Section>
    </>
  )
}
