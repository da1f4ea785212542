import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { BudgetError } from '../../domain/errors.js'
import { BatchResult, MAX_BATCH, UsageBatch, UsageInput, UsagePage, UsageRecord, UsageSummary, UsageSummaryQuery } from '../../domain/usage.js'
import { UsageExportQuery } from '../../domain/report.js'
import type { BudgetEngine } from '../../engine/engine.js'
import { USAGE_RECORD_COLUMNS } from '../../reports/record-export.js'
import { sendExport } from './reports.js'
import { IdParam } from './shared.js'

/** 10,000 records of a few hundred bytes each, with room for metadata. */
const USAGE_BODY_LIMIT = 64 * 1024 * 1024

const isBatch = (data: unknown): data is { records: unknown } => typeof data === 'object' && data !== null && 'records' in data

/**
 * The body is one record or a batch. A plain union would report a bad record as "matches
 * neither", so the body's shape picks the schema and its issues keep their field paths.
 */
function usageBodyValidator() {
  return (data: unknown) => {
    const result = (isBatch(data) ? UsageBatch : UsageInput).safeParse(data)
    if (result.success) return { value: result.data }
    return {
      error: result.error.issues.map((issue) => ({
        keyword: issue.code,
        instancePath: `/${issue.path.map(String).join('/')}`,
        schemaPath: '#',
        message: issue.message,
        params: {},
      })),
    }
  }
}

export function usageRoutes(app: FastifyInstance, engine: BudgetEngine): void {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const tags = ['usage']

  api.post(
    '/api/v1/usage',
    {
      bodyLimit: USAGE_BODY_LIMIT,
      validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? usageBodyValidator() : (data: unknown) => ({ value: data })),
      schema: {
        tags,
        summary: 'Record what one call used, or a batch of records',
        description: `One record (201, or 200 with the original when its id was seen before) or {records: [...]} with up to ${MAX_BATCH} records (201 with counts). Usage is stored even past a limit.`,
        body: z.union([UsageInput, UsageBatch]),
        response: { 200: UsageRecord, 201: z.union([UsageRecord, BatchResult]) },
      },
    },
    async (req, reply) => {
      const body = req.body
      if (isBatch(body)) {
        const records = (body as UsageBatch).records
        if (records.length > MAX_BATCH) {
          throw new BudgetError('PAYLOAD_TOO_LARGE', `a batch holds at most ${MAX_BATCH} records; this one has ${records.length}`, { max: MAX_BATCH, got: records.length })
        }
        return reply.status(201).send(await engine.recordBatch(records))
      }
      const { record, created } = await engine.recordUsage(body as UsageInput)
      return reply.status(created ? 201 : 200).send(record)
    },
  )

  api.get(
    '/api/v1/usage',
    {
      schema: {
        tags,
        summary: 'Usage records, newest first, with filters and a cursor',
        description: 'With format=json|csv|ndjson: every matching record from the cursor on, streamed as a download, instead of one page.',
        querystring: UsageExportQuery,
        response: { 200: UsagePage },
      },
    },
    async (req, reply) => {
      const { format, ...query } = req.query
      if (format !== undefined) return sendExport(reply, 'usage-records', format, engine.streamUsage(query), USAGE_RECORD_COLUMNS)
      return engine.listUsage(query)
    },
  )

  api.get(
    '/api/v1/usage/summary',
    { schema: { tags, summary: 'Totals grouped by budget, provider, model, component or task type (from hourly rollups)', querystring: UsageSummaryQuery, response: { 200: UsageSummary } } },
    (req) => engine.usageSummary(req.query),
  )

  api.get('/api/v1/usage/:id', { schema: { tags, summary: 'Get one usage record', params: IdParam, response: { 200: UsageRecord } } }, (req) =>
    engine.getUsage(req.params.id),
  )
}
