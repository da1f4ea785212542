/**
 * Model recommendations and budget-aware routing: which cheaper models of the same provider
 * could stand in for a model, and which model a call should use given what its budgets
 * allow. Shared by the REST API, the MCP tools and the client wrappers.
 */
import { z } from 'zod'
import { Label, TokenCount } from './common.js'
import { CheckAction, CheckDecision, CheckRequest } from './check.js'

export const DEFAULT_SAMPLE_TOKENS = 1_000

export const RecommendationRequest = z
  .object({
    provider: Label,
    model: Label,
    inputTokens: TokenCount.optional().describe(`Input tokens of a typical call, to compare costs (default ${DEFAULT_SAMPLE_TOKENS})`),
    outputTokens: TokenCount.optional().describe(`Output tokens of a typical call (default ${DEFAULT_SAMPLE_TOKENS})`),
    limit: z.number().int().min(1).max(20).optional().describe('How many alternatives at most (default 3)'),
  })
  .describe('A model in use, for which to find cheaper models of the same provider')
export type RecommendationRequest = z.infer<typeof RecommendationRequest>

export const ModelOption = z.object({
  provider: z.string(),
  model: z.string(),
  inputPerMtok: z.number(),
  outputPerMtok: z.number(),
  estimatedCostUsd: z.number().nullable().describe('Cost of the typical call with this model'),
  savingsPercent: z.number().nullable().describe('How much cheaper than the model asked about, 0..100'),
})
export type ModelOption = z.infer<typeof ModelOption>

export const Recommendations = z.object({
  provider: z.string(),
  model: z.string(),
  resolvedModel: z.string().nullable().describe('The catalog model the id resolved to; null when unknown'),
  estimatedCostUsd: z.number().nullable(),
  alternatives: z.array(ModelOption).describe('Cheapest first'),
})
export type Recommendations = z.infer<typeof Recommendations>

const ModelRef = z.object({ provider: Label, model: Label })

export const RouteRequest = CheckRequest.extend({
  candidates: z
    .array(ModelRef)
    .max(10)
    .optional()
    .describe('Models acceptable instead, tried in order; default: the cheaper models of the same provider'),
}).describe('A call to make with the given model if its budgets allow, else with a cheaper one that fits')
export type RouteRequest = z.infer<typeof RouteRequest>

export const RouteAttempt = z.object({ provider: z.string(), model: z.string(), allowed: z.boolean(), action: CheckAction })

export const RouteDecision = z.object({
  provider: z.string().describe('The provider to call'),
  model: z.string().describe('The model to call'),
  downgraded: z.boolean().describe('Whether this is a cheaper model than the one asked for'),
  decision: CheckDecision.describe("The check of the chosen model; its reservation is the call's"),
  tried: z.array(RouteAttempt).describe('Every model checked, in order; only the chosen one keeps a reservation'),
})
export type RouteDecision = z.infer<typeof RouteDecision>
