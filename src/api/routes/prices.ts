import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { CostRequest, CostResult, ModelPrice, PriceQuery } from '../../domain/price.js'
import type { BudgetEngine } from '../../engine/engine.js'

export function priceRoutes(app: FastifyInstance, engine: BudgetEngine): void {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const tags = ['prices']

  api.post(
    '/api/v1/cost/calculate',
    { config: { role: 'read' }, schema: { tags, summary: 'Price token counts with the catalog (nothing is recorded)', body: CostRequest, response: { 200: CostResult } } },
    (req) => engine.calculateCost(req.body),
  )

  api.get(
    '/api/v1/prices/current',
    { schema: { tags, summary: 'The price in effect now for every model, USD per million tokens', querystring: PriceQuery, response: { 200: z.object({ items: z.array(ModelPrice) }) } } },
    async (req) => ({ items: await engine.currentPrices(req.query) }),
  )
}
