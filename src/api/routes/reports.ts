/**
 * Reports: usage by bucket and dimension, budgets with their outlook, forecasts, top N,
 * and the ccusage-style daily / monthly / session activity. Each answers one JSON object,
 * or with `format=json|csv|ndjson` every row as a streamed download.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import {
  ActivityQuery,
  ActivityReport,
  BudgetsReport,
  type ExportFormat,
  ForecastReport,
  OutlookQuery,
  TopReport,
  TopReportQuery,
  UsageReport,
  UsageReportQuery,
} from '../../domain/report.js'
import type { BudgetEngine } from '../../engine/engine.js'
import { ACTIVITY_COLUMNS, flattenActivity } from '../../reports/activity-report.js'
import { contentDisposition, CONTENT_TYPE, exportFilename, exportStream, primed } from '../../reports/export-format.js'
import { flattenOutlook, OUTLOOK_COLUMNS } from '../../reports/forecast-report.js'
import { flattenTop, TOP_COLUMNS } from '../../reports/top-report.js'
import { usageReportColumns } from '../../reports/usage-report.js'

const EXPORT_NOTE = ' With format=json|csv|ndjson: every row as a streamed download (Content-Disposition: attachment) instead of this object.'

/** Streams `rows` as a download in `format`. Errors before the first row are ordinary error responses. */
export async function sendExport(reply: FastifyReply, name: string, format: ExportFormat, rows: AsyncIterable<object> | Iterable<object>, columns: readonly string[]) {
  const ready = Symbol.asyncIterator in rows ? await primed(rows) : rows
  return reply
    .header('content-type', CONTENT_TYPE[format])
    .header('content-disposition', contentDisposition(exportFilename(name, format, Date.now())))
    .send(exportStream(ready, format, columns))
}

export function reportRoutes(app: FastifyInstance, engine: BudgetEngine): void {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const tags = ['reports']

  api.get(
    '/api/v1/reports/usage',
    {
      schema: {
        tags,
        summary: 'Usage totals by calendar bucket and dimensions, with filters and a keyset cursor (from the rollups)',
        description: `Rows in key order (bucket, then each groupBy dimension); totals cover the whole range.${EXPORT_NOTE}`,
        querystring: UsageReportQuery,
        response: { 200: UsageReport },
      },
    },
    async (req, reply) => {
      const { format } = req.query
      if (format !== undefined) return sendExport(reply, 'usage-report', format, engine.streamUsageReport(req.query), usageReportColumns(req.query.groupBy ?? []))
      return engine.usageReport(req.query)
    },
  )

  api.get(
    '/api/v1/reports/top',
    { schema: { tags, summary: 'Top N models, components, sessions… by cost, tokens or requests, against the previous equal period', description: EXPORT_NOTE.trim(), querystring: TopReportQuery, response: { 200: TopReport } } },
    async (req, reply) => {
      const report = await engine.topReport(req.query)
      const { format } = req.query
      if (format !== undefined) return sendExport(reply, `top-${req.query.by}`, format, report.rows.map(flattenTop), TOP_COLUMNS)
      return report
    },
  )

  api.get(
    '/api/v1/reports/budgets',
    { schema: { tags, summary: "Every budget: each policy's window, headroom, utilization, status and projected end-of-window usage", description: EXPORT_NOTE.trim(), querystring: OutlookQuery, response: { 200: BudgetsReport } } },
    async (req, reply) => {
      const report = await engine.budgetsReport(req.query)
      const { format } = req.query
      if (format !== undefined) return sendExport(reply, 'budgets-report', format, report.budgets.flatMap((b) => b.policies.map(flattenOutlook)), OUTLOOK_COLUMNS)
      return report
    },
  )

  api.get(
    '/api/v1/reports/forecast',
    { schema: { tags, summary: 'Burn rates, projected window-end usage and exhaustion per policy, projected month-end cost; the method is stated', description: EXPORT_NOTE.trim(), querystring: OutlookQuery, response: { 200: ForecastReport } } },
    async (req, reply) => {
      const report = await engine.forecastReport(req.query)
      const { format } = req.query
      if (format !== undefined) return sendExport(reply, 'forecast', format, report.policies.map(flattenOutlook), OUTLOOK_COLUMNS)
      return report
    },
  )

  api.get(
    '/api/v1/reports/activity',
    { schema: { tags, summary: 'Daily, monthly or per-session totals with the models used (ccusage style)', description: EXPORT_NOTE.trim(), querystring: ActivityQuery, response: { 200: ActivityReport } } },
    async (req, reply) => {
      const report = await engine.activityReport(req.query)
      const { format } = req.query
      if (format !== undefined) return sendExport(reply, `${req.query.by}-report`, format, report.rows.map(flattenActivity), ACTIVITY_COLUMNS)
      return report
    },
  )
}
