/**
 * Costs: what each model, component, task type or session cost in a range, against the
 * previous range of equal length; sortable, and exported as CSV by the reports API.
 */
import { useMemo, useState } from 'preact/hooks'
import type { TopReport, TopRow } from '../../../src/domain/report.js'
import { download, get } from '../api.js'
import { Page, Section, Stat } from '../components/page.js'
import { RangePicker, useRange } from '../components/range-picker.js'
import { Segmented } from '../components/segmented.js'
import { type Column, SortableTable } from '../components/sortable-table.js'
import { Command, Empty, ErrorNotice, Loaded } from '../components/states.js'
import { formatChange, formatCount, formatInstant, formatKey, formatPercent, formatCostOf, formatUsd } from '../format.js'
import { viewerTimeZone } from '../range.js'
import { useQueryParam } from '../router.js'
import { useResource } from '../use-resource.js'

const DIMENSIONS = { model: 'Model', component: 'Component', taskType: 'Task type', contextId: 'Session' } as const
type Dimension = keyof typeof DIMENSIONS
const isDimension = (v: string): v is Dimension => v in DIMENSIONS

export function CostsPage() {
  const range = useRange('30d')
  const [rawBy, setBy] = useQueryParam('by', 'model')
  const by: Dimension = isDimension(rawBy) ? rawBy : 'model'
  const [exportError, setExportError] = useState<Error | null>(null)
  const [exporting, setExporting] = useState(false)
  const query = () => {
    const r = range.resolve()
    return { from: r.from, to: r.to, timeZone: viewerTimeZone(), by, n: 1000, metric: 'cost' }
  }
  const report = useResource((signal) => get<TopReport>('/api/v1/reports/top', query(), signal), [range.key, by], { topics: ['usage'] })

  const exportCsv = async () => {
    setExporting(true)
    setExportError(null)
    try {
      await download('/api/v1/reports/top', { ...query(), format: 'csv' })
    } catch (error) {
      setExportError(error as Error)
    } finally {
      setExporting(false)
    }
  }

  return (
    <Page
      title="Costs"
      intro="What each model, component, task type or session cost, against the previous period of equal length."
      actions={
        <>
          <RangePicker state={range} />
          <button type="button" onClick={exportCsv} disabled={exporting}>
            {exporting ? 'Exporting…' : 'Export CSV'}
          </button>
        </>
      }
    >
      <Segmented label="Group costs by" options={DIMENSIONS} value={by} onChange={setBy} />
      {exportError && <ErrorNotice error={exportError} what="the export" />}
      <Loaded resource={report} what="costs">
        {(r) => <CostsView report={r} by={by} />}
      </Loaded>
    </Page>
  )
}

function CostsView({ report, by }: { report: TopReport; by: Dimension }) {
  const total = report.totals.current.costUsd
  const columns = useMemo<Column<TopRow>[]>(
    () => [
      { key: 'key', label: DIMENSIONS[by], value: (r) => formatKey(r.key) },
      { key: 'cost', label: 'Cost', numeric: true, value: (r) => r.current.costUsd, render: (r) => formatCostOf(r.current) },
      { key: 'share', label: 'Share', numeric: true, value: (r) => (total > 0 ? r.current.costUsd / total : 0), render: (r) => formatPercent(total > 0 ? r.current.costUsd / total : 0) },
      { key: 'requests', label: 'Requests', numeric: true, value: (r) => r.current.requests, render: (r) => formatCount(r.current.requests) },
      { key: 'tokens', label: 'Tokens', numeric: true, value: (r) => r.current.totalTokens, render: (r) => formatCount(r.current.totalTokens) },
      { key: 'perRequest', label: 'Cost / request', numeric: true, value: (r) => (r.current.requests > 0 ? r.current.costUsd / r.current.requests : 0), render: (r) => (r.current.unpricedRequests >= r.current.requests ? '—' : formatUsd(r.current.costUsd / r.current.requests)) },
      { key: 'previous', label: 'Previous period', numeric: true, value: (r) => r.previous.costUsd, render: (r) => formatUsd(r.previous.costUsd) },
      { key: 'change', label: 'Change', numeric: true, value: (r) => r.change.percent, render: (r) => <span class={r.change.percent !== null && r.change.percent > 0 ? 'text-bad' : undefined}>{formatChange(r.change.percent)}</span> },
      { key: 'unpriced', label: 'Unpriced', numeric: true, value: (r) => r.current.unpricedRequests, render: (r) => (r.current.unpricedRequests > 0 ? <span class="badge badge-warn">{formatCount(r.current.unpricedRequests)}</span> : '0') },
    ],
    [by, total],
  )
  if (report.rows.length === 0) {
    return (
      <Empty title="No costs in this range">
        <p>Costs appear once usage is recorded. Pick a longer range, or record a call:</p>
        <Command>budget record --provider anthropic --model claude-sonnet-4 --component planner --input-tokens 1500 --output-tokens 400</Command>
      </Empty>
    )
  }
  return (
    <>
      <div class="stats">
        <Stat testId="costs-total" label="Total cost" value={formatUsd(total)} detail={`${formatInstant(report.from)} – ${formatInstant(report.to)}`} />
        <Stat label="Previous period" value={formatUsd(report.totals.previous.costUsd)} detail={`${formatInstant(report.previousFrom)} – ${formatInstant(report.previousTo)}`} />
        <Stat label="Requests" value={formatCount(report.totals.current.requests)} detail={`${formatCount(report.totals.current.totalTokens)} tokens`} />
      </div>
      <Section title={`Cost by ${DIMENSIONS[by].toLowerCase()}`}>
        <SortableTable testId="costs-table" caption={`Cost by ${DIMENSIONS[by].toLowerCase()}, highest first`} columns={columns} rows={report.rows} rowKey={(r) => `${r.key}`} initialSort={{ key: 'cost', descending: true }} />
      </Section>
    </>
  )
}
