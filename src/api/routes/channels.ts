import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { Channel, ChannelInput, ChannelTestResult, ChannelUpdate, CreatedChannel, DeliveryPage, DeliveryQuery } from '../../domain/channel.js'
import type { BudgetEngine } from '../../engine/engine.js'
import { IdParam, NoContent } from './shared.js'

/** Channels send data out of the service and hold secrets: every route needs an admin key. */
export function channelRoutes(app: FastifyInstance, engine: BudgetEngine): void {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const tags = ['channels']
  const config = { role: 'admin' as const }

  api.post(
    '/api/v1/channels',
    { config, schema: { tags, summary: 'Add a notification channel (a webhook secret is shown once)', body: ChannelInput, response: { 201: CreatedChannel } } },
    async (req, reply) => reply.status(201).send(await engine.createChannel(req.body)),
  )

  api.get(
    '/api/v1/channels',
    {
      config,
      schema: {
        tags,
        summary: 'List notification channels, optionally of one budget',
        querystring: z.object({ budgetId: z.string().max(200).optional() }),
        response: { 200: z.object({ items: z.array(Channel) }) },
      },
    },
    async (req) => ({ items: await engine.listChannels(req.query.budgetId) }),
  )

  api.get('/api/v1/channels/:id', { config, schema: { tags, summary: 'Get a channel', params: IdParam, response: { 200: Channel } } }, (req) => engine.getChannel(req.params.id))

  api.patch(
    '/api/v1/channels/:id',
    { config, schema: { tags, summary: 'Change a channel', params: IdParam, body: ChannelUpdate, response: { 200: Channel } } },
    (req) => engine.updateChannel(req.params.id, req.body),
  )

  api.delete(
    '/api/v1/channels/:id',
    { config, schema: { tags, summary: 'Delete a channel', params: IdParam, response: { 204: NoContent } } },
    async (req, reply) => {
      await engine.deleteChannel(req.params.id)
      return reply.status(204).send(null)
    },
  )

  api.post(
    '/api/v1/channels/:id/test',
    { config, schema: { tags, summary: 'Send a test alert through the channel now, once', params: IdParam, response: { 200: ChannelTestResult } } },
    (req) => engine.testChannel(req.params.id),
  )

  api.get(
    '/api/v1/channels/:id/deliveries',
    { config, schema: { tags, summary: "The channel's delivery attempts, newest first", params: IdParam, querystring: DeliveryQuery.omit({ channelId: true }), response: { 200: DeliveryPage } } },
    (req) => engine.listDeliveries({ ...req.query, channelId: req.params.id }),
  )
}
