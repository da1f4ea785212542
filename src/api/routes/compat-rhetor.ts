import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { Label } from '../../domain/common.js'
import { UsageRecord } from '../../domain/usage.js'
import type { RhetorBudget } from '../../compat/rhetor/budget-manager.js'
import {
  AlternativeRequest,
  AlternativeResult,
  CheckRequest,
  CheckResult,
  CompletionInput,
  CompletionResult,
  CostBreakdown,
  CostRequest,
  CountTokensRequest,
  EstimateRequest,
  LimitSetting,
  ModelTiers,
  ProviderKey,
  RhetorPeriod,
  RhetorUsageInput,
  RhetorUsageSummary,
  RouteRequest,
  RouteResult,
  SetEnforcementRequest,
  SetLimitRequest,
  SummaryRequest,
  TokenCountResult,
  UsageWindowQuery,
} from '../../compat/rhetor/schemas.js'

const PeriodParam = z.object({ period: RhetorPeriod })
/** Estimates and checks that record nothing: a read key may ask them, as it may price calls. */
const readOnly = { role: 'read' as const }
const ProviderQuery = z.object({ provider: ProviderKey })

/** Rhetor's BudgetManager over HTTP: cost limits per period and provider on the `rhetor` budget. */
export function compatRhetorRoutes(app: FastifyInstance, rhetor: RhetorBudget): void {
  const api = app.withTypeProvider<ZodTypeProvider>()
  const tags = ['compat: rhetor']
  const base = '/api/v1/compat/rhetor'

  api.post(
    `${base}/count-tokens`,
    { config: readOnly, schema: { tags, summary: 'Tokens in a text (an estimate: about 4 characters a token)', body: CountTokensRequest, response: { 200: TokenCountResult } } },
    async (req) => ({ tokens: rhetor.countTokens(req.body.text), estimated: true as const }),
  )

  api.post(`${base}/calculate-cost`, { config: readOnly, schema: { tags, summary: 'Cost of an input and an output text', body: CostRequest, response: { 200: CostBreakdown } } }, (req) =>
    rhetor.calculateCost(req.body.provider, req.body.model, req.body.inputText, req.body.outputText),
  )

  api.post(
    `${base}/estimate-cost`,
    { config: readOnly, schema: { tags, summary: 'Cost of an input text and an expected output length (characters)', body: EstimateRequest, response: { 200: CostBreakdown } } },
    (req) => rhetor.estimateCost(req.body),
  )

  api.post(
    `${base}/usage`,
    { schema: { tags, summary: "Record one call's token counts (Rhetor's record_usage)", body: RhetorUsageInput, response: { 201: UsageRecord } } },
    async (req, reply) => reply.status(201).send(await rhetor.recordUsage(req.body)),
  )

  api.post(
    `${base}/completions`,
    { schema: { tags, summary: "Record a completed call from its texts (Rhetor's record_completion)", body: CompletionInput, response: { 201: CompletionResult } } },
    async (req, reply) => reply.status(201).send(await rhetor.recordCompletion(req.body)),
  )

  api.get(
    `${base}/usage`,
    { schema: { tags, summary: 'Usage records of the current window, or of a custom span', querystring: UsageWindowQuery, response: { 200: z.object({ items: z.array(UsageRecord) }) } } },
    async (req) => ({ items: await rhetor.getUsage(req.query) }),
  )

  api.get(
    `${base}/usage/total`,
    {
      schema: {
        tags,
        summary: 'What was spent in the current window (USD)',
        querystring: z.object({ period: RhetorPeriod.default('daily'), provider: Label.optional() }),
        response: { 200: z.object({ period: RhetorPeriod, provider: z.string(), total: z.number() }) },
      },
    },
    async (req) => ({ period: req.query.period, provider: req.query.provider ?? 'all', total: await rhetor.getCurrentUsageTotal(req.query.period, req.query.provider) }),
  )

  api.get(
    `${base}/usage/summary`,
    { schema: { tags, summary: 'Usage of the current window grouped by provider, model, component or task type', querystring: SummaryRequest, response: { 200: RhetorUsageSummary } } },
    (req) => rhetor.getUsageSummary(req.query.period, req.query.groupBy),
  )

  api.get(
    `${base}/limits/:period`,
    { schema: { tags, summary: 'The limit of a period, for a provider or all', params: PeriodParam, querystring: ProviderQuery, response: { 200: LimitSetting } } },
    (req) => rhetor.settings.get(req.params.period, req.query.provider),
  )

  api.put(
    `${base}/limits/:period`,
    { schema: { tags, summary: 'Set the limit of a period (0 removes it)', params: PeriodParam, body: SetLimitRequest, response: { 200: LimitSetting } } },
    (req) => rhetor.setBudgetLimit(req.params.period, req.body.limit, req.body.provider, req.body.enforcement),
  )

  api.get(
    `${base}/enforcement/:period`,
    { schema: { tags, summary: 'The enforcement of a period: ignore, warn or enforce', params: PeriodParam, querystring: ProviderQuery, response: { 200: LimitSetting } } },
    (req) => rhetor.settings.get(req.params.period, req.query.provider),
  )

  api.put(
    `${base}/enforcement/:period`,
    { schema: { tags, summary: 'Set the enforcement of a period', params: PeriodParam, body: SetEnforcementRequest, response: { 200: LimitSetting } } },
    (req) => rhetor.setEnforcementPolicy(req.params.period, req.body.policy, req.body.provider),
  )

  api.post(
    `${base}/check`,
    {
      config: readOnly,
      schema: {
        tags,
        summary: "Whether a call fits the budget (Rhetor's check_budget); reserves nothing",
        description: 'A refusal is a decision, not an error: 200 with allowed false.',
        body: CheckRequest,
        response: { 200: CheckResult },
      },
    },
    (req) => rhetor.checkBudget(req.body),
  )

  api.get(
    `${base}/model-tiers`,
    { schema: { tags, summary: 'Models by price tier: free, low (< $0.01 / 1K), medium (< $0.05 / 1K), high', querystring: z.object({ provider: Label.optional() }), response: { 200: ModelTiers } } },
    async (req) => rhetor.getModelTiers(req.query.provider),
  )

  api.post(
    `${base}/cheaper-alternative`,
    { config: readOnly, schema: { tags, summary: 'A cheaper model for the same task, in Rhetor’s provider order', body: AlternativeRequest, response: { 200: AlternativeResult } } },
    async (req) => ({ alternative: rhetor.findCheaperAlternative(req.body.provider, req.body.model, req.body.taskType) }),
  )

  api.post(
    `${base}/route`,
    { config: readOnly, schema: { tags, summary: 'The model to use within the budget: the default, a cheaper one, or a free one', body: RouteRequest, response: { 200: RouteResult } } },
    (req) => rhetor.routeWithBudgetAwareness(req.body),
  )
}
