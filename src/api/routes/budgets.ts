import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { Budget, BudgetInput, BudgetUpdate } from '../../domain/budget.js'
import { BudgetSummary, SummaryQuery } from '../../domain/summary.js'
import type { BudgetEngine } from '../../engine/engine.js'
import { IdParam, NoContent } from './shared.js'

export function budgetRoutes(app: FastifyInstance, engine: BudgetEngine): void {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const tags = ['budgets']

  api.post('/api/v1/budgets', { schema: { tags, summary: 'Create a budget', body: BudgetInput, response: { 201: Budget } } }, async (req, reply) =>
    reply.status(201).send(await engine.createBudget(req.body)),
  )

  api.get(
    '/api/v1/budgets',
    {
      schema: {
        tags,
        summary: 'List budgets',
        querystring: z.object({ includeArchived: z.stringbool().optional() }),
        response: { 200: z.object({ items: z.array(Budget) }) },
      },
    },
    async (req) => ({ items: await engine.listBudgets(req.query.includeArchived ?? false) }),
  )

  api.get('/api/v1/budgets/:id', { schema: { tags, summary: 'Get a budget by id or name', params: IdParam, response: { 200: Budget } } }, (req) =>
    engine.getBudget(req.params.id),
  )

  api.patch(
    '/api/v1/budgets/:id',
    { schema: { tags, summary: 'Change a budget', params: IdParam, body: BudgetUpdate, response: { 200: Budget } } },
    (req) => engine.updateBudget(req.params.id, req.body),
  )

  api.delete(
    '/api/v1/budgets/:id',
    { schema: { tags, summary: 'Delete a budget and its policies (usage records stay)', params: IdParam, response: { 204: NoContent } } },
    async (req, reply) => {
      await engine.deleteBudget(req.params.id)
      return reply.status(204).send(null)
    },
  )

  api.get(
    '/api/v1/budgets/:id/summary',
    {
      schema: {
        tags,
        summary: "Each policy's current window: used, reserved, limits, status",
        params: IdParam,
        querystring: SummaryQuery,
        response: { 200: BudgetSummary },
      },
    },
    (req) => engine.summary(req.params.id, req.query),
  )
}
