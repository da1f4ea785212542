import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { Policy, PolicyInput, PolicyUpdate } from '../../domain/policy.js'
import type { BudgetEngine } from '../../engine/engine.js'
import { IdParam, NoContent } from './shared.js'

export function policyRoutes(app: FastifyInstance, engine: BudgetEngine): void {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const tags = ['policies']

  api.post('/api/v1/policies', { schema: { tags, summary: 'Add a policy to a budget', body: PolicyInput, response: { 201: Policy } } }, async (req, reply) =>
    reply.status(201).send(await engine.createPolicy(req.body)),
  )

  api.get(
    '/api/v1/policies',
    {
      schema: {
        tags,
        summary: 'List policies, optionally of one budget',
        querystring: z.object({ budgetId: z.string().max(200).optional() }),
        response: { 200: z.object({ items: z.array(Policy) }) },
      },
    },
    async (req) => ({ items: await engine.listPolicies(req.query.budgetId) }),
  )

  api.get('/api/v1/policies/:id', { schema: { tags, summary: 'Get a policy', params: IdParam, response: { 200: Policy } } }, (req) =>
    engine.getPolicy(req.params.id),
  )

  api.patch(
    '/api/v1/policies/:id',
    { schema: { tags, summary: 'Change a policy (its window is recounted)', params: IdParam, body: PolicyUpdate, response: { 200: Policy } } },
    (req) => engine.updatePolicy(req.params.id, req.body),
  )

  api.delete('/api/v1/policies/:id', { schema: { tags, summary: 'Remove a policy', params: IdParam, response: { 204: NoContent } } }, async (req, reply) => {
    await engine.deletePolicy(req.params.id)
    return reply.status(204).send(null)
  })
}
