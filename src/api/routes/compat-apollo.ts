import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { Label, Tier } from '../../domain/common.js'
import { notFound } from '../../domain/errors.js'
import {
  AllocateRequest,
  Allocation,
  AllocationDecision,
  AllocationUpdate,
  AllocationUsage,
  AllocationUsageResult,
  ApolloBudgetSummary,
  ApolloSummaryQuery,
  TierQuery,
} from '../../compat/apollo/schemas.js'
import { splitByUsageType } from '../../compat/apollo/allocation-view.js'
import type { ApolloBudget } from '../../compat/apollo/token-budget.js'

const ContextParam = z.object({ contextId: Label })

/** Apollo's TokenBudgetManager over HTTP: allocations per context on the `apollo` budget. */
export function compatApolloRoutes(app: FastifyInstance, apollo: ApolloBudget): void {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const tags = ['compat: apollo']
  const base = '/api/v1/compat/apollo'

  api.post(
    `${base}/allocations`,
    {
      schema: {
        tags,
        summary: "Allocate tokens to a context (Apollo's allocate_budget)",
        description: 'One allocation per context: a new one replaces the old. A refusal is a decision, not an error: 200 with allocated false.',
        body: AllocateRequest,
        response: { 200: AllocationDecision },
      },
    },
    (req) => apollo.allocateBudget(req.body),
  )

  api.get(`${base}/allocations/:contextId`, { schema: { tags, summary: "A context's allocation", params: ContextParam, response: { 200: Allocation } } }, async (req) => {
    const allocation = await apollo.getAllocation(req.params.contextId)
    if (allocation === null) throw notFound('allocation of context', req.params.contextId)
    return allocation
  })

  api.patch(
    `${base}/allocations/:contextId`,
    { schema: { tags, summary: 'Add tokens, extend or (de)activate an allocation', params: ContextParam, body: AllocationUpdate, response: { 200: Allocation } } },
    async (req) => {
      const allocation = await apollo.updateAllocation(req.params.contextId, req.body)
      if (allocation === null) throw notFound('allocation of context', req.params.contextId)
      return allocation
    },
  )

  api.post(
    `${base}/allocations/:contextId/usage`,
    {
      schema: {
        tags,
        summary: "Record usage against a context's allocation (Apollo's record_usage)",
        description: 'Records at most what remains of the allocation; recordedTokens says how much. An allocation used up becomes inactive.',
        params: ContextParam,
        body: AllocationUsage,
        response: { 200: AllocationUsageResult },
      },
    },
    async (req) => {
      const { tokens, usageType, operationId, metadata } = req.body
      const result = await apollo.consume({ contextId: req.params.contextId }, splitByUsageType(tokens, usageType ?? 'total'), { usageType, operationId, metadata })
      if (result === null) throw notFound('allocation of context', req.params.contextId)
      return result
    },
  )

  api.get(
    `${base}/summary`,
    { schema: { tags, summary: "Per-tier usage against the period's token policy (Apollo's get_budget_summary)", querystring: ApolloSummaryQuery, response: { 200: z.object({ summaries: z.array(ApolloBudgetSummary) }) } } },
    async (req) => ({ summaries: await apollo.getBudgetSummary(req.query) }),
  )

  api.get(
    `${base}/tier`,
    { schema: { tags, summary: "Apollo's tier of a model, component or provider", querystring: TierQuery, response: { 200: z.object({ tier: Tier }) } } },
    async (req) => ({ tier: apollo.resolveTier(req.query) }),
  )
}
