/**
 * Price monitoring over HTTP: sources, refresh, pending changes and their approval,
 * history, manual prices and repricing. Changing prices needs an admin key, and every
 * decision records the key that made it (`name (id)`; `anonymous` on an open loopback
 * server without keys).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  ManualPriceInput,
  ModelKey,
  PriceChange,
  PriceChangeQuery,
  PriceDecision,
  PriceHistory,
  PriceSource,
  RefreshReport,
  RefreshRequest,
  RepriceRequest,
  RepriceResult,
} from '../../domain/price-monitoring.js'
import type { BudgetEngine } from '../../engine/engine.js'
import { IdParam } from './shared.js'

/** Who a request acts as, for the record of a decision. */
export const decidedBy = (req: FastifyRequest) => (req.apiKey ? `${req.apiKey.name} (${req.apiKey.id})` : 'anonymous')

const HistoryParams = z.object({ provider: z.string().min(1).max(200), '*': z.string().min(1).max(200).describe('The model id; it may contain "/"') })

export function priceAdminRoutes(app: FastifyInstance, engine: BudgetEngine): void {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const tags = ['prices']
  const admin = { role: 'admin' as const }

  api.get(
    '/api/v1/prices/sources',
    { schema: { tags, summary: 'Price sources: trust, last success, last error, counts', response: { 200: z.object({ items: z.array(PriceSource) }) } } },
    async () => ({ items: await engine.priceSources() }),
  )

  api.post(
    '/api/v1/prices/refresh',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Refresh prices from the sources now',
        description: 'Fetches every enabled source (or those named), verifies each model across them, applies verified changes within the threshold and leaves the others pending. One failing source does not stop the others.',
        body: RefreshRequest.optional(),
        response: { 200: RefreshReport },
      },
    },
    (req) => engine.refreshPrices(req.body ?? {}),
  )

  api.get(
    '/api/v1/prices/changes',
    { schema: { tags, summary: 'Price changes, newest first; ?status=pending for those waiting for approval', querystring: PriceChangeQuery, response: { 200: z.object({ items: z.array(PriceChange) }) } } },
    async (req) => ({ items: await engine.priceChanges(req.query) }),
  )

  api.post(
    '/api/v1/prices/changes/:id/approve',
    { config: admin, schema: { tags, summary: 'Approve a pending change: it applies from when it was observed, and records are repriced', params: IdParam, response: { 200: PriceChange } } },
    (req) => engine.approvePriceChange(req.params.id, decidedBy(req)),
  )

  api.post(
    '/api/v1/prices/changes/:id/reject',
    { config: admin, schema: { tags, summary: 'Reject a pending change', params: IdParam, body: PriceDecision.optional(), response: { 200: PriceChange } } },
    (req) => engine.rejectPriceChange(req.params.id, decidedBy(req), req.body?.reason),
  )

  api.get(
    '/api/v1/prices/history/:provider/*',
    { schema: { tags, summary: 'Every applied version of a model, which was in effect when, and its changes', params: HistoryParams, response: { 200: PriceHistory } } },
    (req) => engine.priceHistory(req.params.provider, req.params['*']),
  )

  api.post(
    '/api/v1/prices/manual',
    { config: admin, schema: { tags, summary: 'Set a price by hand: it wins over every source until removed', body: ManualPriceInput, response: { 201: PriceChange } } },
    async (req, reply) => reply.status(201).send(await engine.setManualPrice(req.body, decidedBy(req))),
  )

  api.delete(
    '/api/v1/prices/manual',
    { config: admin, schema: { tags, summary: 'Remove a manual price: the price before it applies again', querystring: ModelKey, response: { 200: PriceChange } } },
    (req) => engine.removeManualPrice(req.query, decidedBy(req)),
  )

  api.post(
    '/api/v1/prices/reprice',
    { config: admin, schema: { tags, summary: 'Reprice records whose price version was superseded for their time, and unpriced records', body: RepriceRequest.optional(), response: { 200: RepriceResult } } },
    (req) => engine.repriceUsage(req.body ?? {}),
  )
}
