import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { RecommendationRequest, Recommendations, RouteDecision, RouteRequest } from '../../domain/recommendation.js'
import type { BudgetEngine } from '../../engine/engine.js'

export function modelRoutes(app: FastifyInstance, engine: BudgetEngine): void {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const tags = ['models']

  api.post(
    '/api/v1/models/recommendations',
    {
      config: { role: 'read' },
      schema: { tags, summary: 'Cheaper models of the same provider, with the cost of a typical call', body: RecommendationRequest, response: { 200: Recommendations } },
    },
    (req) => engine.recommendModels(req.body),
  )

  api.post(
    '/api/v1/route',
    {
      schema: {
        tags,
        summary: 'Reserve budget for a call with the model asked for, or with a cheaper one when its budgets say downgrade or block',
        description: 'Only the chosen model keeps a reservation. A call no candidate fits is a decision, not an error: 200 with decision.allowed false.',
        body: RouteRequest,
        response: { 200: RouteDecision },
      },
    },
    (req) => engine.routeWithBudget(req.body),
  )
}
