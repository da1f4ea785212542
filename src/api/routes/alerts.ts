import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { Alert, AlertAck, AlertCheckRequest, AlertCheckResult, AlertPage, AlertQuery } from '../../domain/alert.js'
import { DeliveryPage, DeliveryQuery } from '../../domain/channel.js'
import type { BudgetEngine } from '../../engine/engine.js'
import { IdParam } from './shared.js'

export function alertRoutes(app: FastifyInstance, engine: BudgetEngine): void {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const tags = ['alerts']

  api.get(
    '/api/v1/alerts',
    { schema: { tags, summary: 'List alerts, newest first (filters: budget, type, severity, acknowledged)', querystring: AlertQuery, response: { 200: AlertPage } } },
    (req) => engine.listAlerts(req.query),
  )

  api.post(
    '/api/v1/alerts/check',
    { schema: { tags, summary: "Evaluate alert rules now for one budget or every budget; returns the alerts raised", body: AlertCheckRequest.nullish(), response: { 200: AlertCheckResult } } },
    (req) => engine.checkAlerts(req.body ?? {}),
  )

  api.get('/api/v1/alerts/:id', { schema: { tags, summary: 'Get an alert', params: IdParam, response: { 200: Alert } } }, (req) => engine.getAlert(req.params.id))

  api.post(
    '/api/v1/alerts/:id/ack',
    { schema: { tags, summary: 'Acknowledge an alert (the first acknowledgement stands)', params: IdParam, body: AlertAck.nullish(), response: { 200: Alert } } },
    (req) => engine.acknowledgeAlert(req.params.id, req.body?.by ?? req.apiKey?.name ?? null),
  )

  api.get(
    '/api/v1/alerts/:id/deliveries',
    { schema: { tags, summary: "The alert's delivery attempts, newest first", params: IdParam, querystring: DeliveryQuery.omit({ alertId: true }), response: { 200: DeliveryPage } } },
    (req) => engine.listDeliveries({ ...req.query, alertId: req.params.id }),
  )
}
