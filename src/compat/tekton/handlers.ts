/**
 * The seven legacy `budget.*` messages, each answered in the old payload shape by the
 * Apollo and Rhetor adapters (allocations, checks, recording, routing) and the engine
 * (status, recommendations, analytics). Payloads are read leniently, as the Python
 * component did: absent fields take its defaults, and the sender stands in for a missing
 * component.
 *
 * A handler throws on a request it cannot serve; dispatch.ts turns that into an `error`
 * response of the handler's type.
 */
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { Tier } from '../../domain/common.js'
import { BudgetError } from '../../domain/errors.js'
import { nanoToUsd } from '../../domain/money.js'
import type { BudgetEngine } from '../../engine/engine.js'
import { ApolloPeriod } from '../apollo/schemas.js'
import type { ApolloBudget } from '../apollo/token-budget.js'
import type { RhetorBudget } from '../rhetor/budget-manager.js'
import { usageAnalytics } from './analytics.js'
import { type MessageRequest, type MessageType, snakeKeys } from './messages.js'

export interface Adapters {
  engine: BudgetEngine
  apollo: ApolloBudget
  rhetor: RhetorBudget
}

/** What a handler answers: the payload, or a refusal that still carries a payload (as the old API did). */
export interface Outcome {
  payload: Record<string, unknown>
  error?: string
}

type Handler = (adapters: Adapters, message: MessageRequest) => Promise<Outcome>

const text = z.string().max(10_000_000)
const name = z.string().trim().min(1).max(200)
const count = z.number().int().nonnegative().max(1_000_000_000)

const TIER_ALIASES: Record<string, Tier> = { lightweight: 'local_lightweight', midweight: 'local_midweight', heavyweight: 'remote_heavyweight' }

const tierOf = (value: string | null | undefined): Tier | undefined => {
  if (!value) return undefined
  const key = value.trim().toLowerCase()
  const parsed = Tier.safeParse(key)
  return parsed.success ? parsed.data : TIER_ALIASES[key]
}

const componentOf = (payload: { component?: string | null | undefined }, message: MessageRequest) => payload.component ?? message.sender

const AllocatePayload = z.looseObject({
  context_id: name.nullish(),
  amount: count.nullish(),
  component: name.nullish(),
  tier: z.string().max(100).nullish(),
  provider: name.nullish(),
  model: name.nullish(),
  task_type: name.nullish(),
  priority: z.number().int().min(1).max(10).nullish(),
})

const allocate: Handler = async ({ apollo }, message) => {
  const p = AllocatePayload.parse(message.payload)
  const contextId = p.context_id ?? randomUUID()
  const tier = tierOf(p.tier)
  const decision = await apollo.allocateBudget({
    contextId,
    component: componentOf(p, message),
    taskType: p.task_type ?? 'default',
    ...(p.provider && { provider: p.provider }),
    ...(p.model && { model: p.model }),
    priority: p.priority ?? 5,
    ...(p.amount && { tokenCount: p.amount }),
    ...(tier !== undefined && { tier }),
  })
  const a = decision.allocation
  if (!decision.allocated || a === null) {
    return { payload: { context_id: contextId, amount: 0, remaining: 0 }, error: `Budget hard limit exceeded: ${decision.reasons.join('; ')}` }
  }
  return { payload: { allocation_id: a.id, context_id: a.contextId, amount: a.tokensAllocated, remaining: a.remainingTokens, tier: a.tier, provider: a.provider, model: a.model } }
}

const CheckPayload = z.looseObject({
  provider: name,
  model: name,
  input_text: text.nullish(),
  task_type: name.nullish(),
  component: name.nullish(),
  context_id: name.nullish(),
})

const check: Handler = async ({ rhetor }, message) => {
  const p = CheckPayload.parse(message.payload)
  const result = await rhetor.checkBudget({
    provider: p.provider,
    model: p.model,
    inputText: p.input_text ?? '',
    component: componentOf(p, message),
    ...(p.task_type && { taskType: p.task_type }),
  })
  return { payload: { allowed: result.allowed, info: snakeKeys(result.info) } }
}

const RecordPayload = z.looseObject({
  context_id: name.nullish(),
  provider: name.nullish(),
  model: name.nullish(),
  input_text: text.nullish(),
  output_text: text.nullish(),
  input_tokens: count.nullish(),
  output_tokens: count.nullish(),
  component: name.nullish(),
  task_type: name.nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  allocation_id: name.nullish(),
  request_id: name.nullish(),
})

const record: Handler = async ({ engine, apollo, rhetor }, message) => {
  const p = RecordPayload.parse(message.payload)
  const contextId = p.context_id ?? randomUUID()
  const provider = p.provider ?? 'unknown'
  const model = p.model ?? 'unknown'
  if (p.input_text !== null && p.input_text !== undefined && p.output_text !== null && p.output_text !== undefined) {
    const done = await rhetor.recordCompletion({
      provider,
      model,
      inputText: p.input_text,
      outputText: p.output_text,
      component: componentOf(p, message),
      contextId,
      ...(p.task_type && { taskType: p.task_type }),
      ...(p.metadata && { metadata: p.metadata }),
    })
    return { payload: { context_id: contextId, provider: done.provider, model: done.model, input_tokens: done.inputTokens, output_tokens: done.outputTokens, total_cost: done.totalCost, usage_id: done.usageId, success: true } }
  }
  if (p.input_tokens === null || p.input_tokens === undefined || p.output_tokens === null || p.output_tokens === undefined) {
    throw new BudgetError('VALIDATION_FAILED', 'Must provide either input_text/output_text or input_tokens/output_tokens')
  }
  // The caller's request id makes a retry harmless: the same id is one record.
  const usageId = p.request_id ? `tekton:${message.sender}:${p.request_id}` : undefined
  const earlier = usageId === undefined ? null : await engine.getUsage(usageId).catch(() => null)
  const allocation = p.allocation_id ? await apollo.getAllocationById(p.allocation_id) : await apollo.getAllocation(contextId)
  if (p.allocation_id && allocation === null) throw new BudgetError('NOT_FOUND', `allocation ${p.allocation_id} does not exist`, { allocationId: p.allocation_id })
  if (allocation !== null) {
    const split = { inputTokens: p.input_tokens, outputTokens: p.output_tokens }
    const details = { usageType: 'total', ...(usageId !== undefined && { id: usageId }), ...(p.metadata && { metadata: p.metadata }) }
    const result = earlier ? { recordedTokens: earlier.inputTokens + earlier.outputTokens, allocation } : await apollo.consume({ allocationId: allocation.id }, split, details)
    if (result === null) throw new BudgetError('NOT_FOUND', `allocation ${allocation.id} does not exist`, { allocationId: allocation.id })
    return { payload: { context_id: result.allocation.contextId, allocation_id: result.allocation.id, recorded_tokens: result.recordedTokens, remaining: result.allocation.remainingTokens, success: true } }
  }
  if (!earlier) {
    await rhetor.recordUsage({
      ...(usageId !== undefined && { id: usageId }),
      provider,
      model,
      component: componentOf(p, message),
      contextId,
      ...(p.task_type && { taskType: p.task_type }),
      inputTokens: p.input_tokens,
      outputTokens: p.output_tokens,
      ...(p.metadata && { metadata: p.metadata }),
    })
  }
  return { payload: { context_id: contextId, recorded_tokens: p.input_tokens + p.output_tokens, remaining: 0, success: true } }
}

const StatusPayload = z.looseObject({ period: ApolloPeriod.nullish(), tier: z.string().max(100).nullish(), provider: name.nullish() })

const status: Handler = async ({ apollo }, message) => {
  const p = StatusPayload.parse(message.payload)
  const period = p.period ?? 'daily'
  const tier = tierOf(p.tier)
  const summaries = await apollo.getBudgetSummary({ period, ...(tier !== undefined && { tier }) })
  const tiers = Object.fromEntries(
    summaries.map((s) => [
      s.tier,
      { allocated: s.totalAllocated, used: s.totalUsed, remaining: s.remaining, limit: s.limit, usage_percentage: s.usagePercentage, limit_exceeded: s.isExceeded },
    ]),
  )
  return { payload: { period, success: true, tiers } }
}

const RecommendPayload = z.looseObject({
  provider: name,
  model: name,
  task_type: name.nullish(),
  context_size: count.nullish(),
  output_tokens: count.nullish(),
})

/** Cheaper models for the same work: the catalog's same-provider ones, then Rhetor's pick across providers. */
const recommend: Handler = async ({ engine, rhetor }, message) => {
  const p = RecommendPayload.parse(message.payload)
  const taskType = p.task_type ?? 'default'
  const contextSize = p.context_size ?? 4000
  const outputTokens = p.output_tokens ?? 1000
  const now = engine.ctx.now()
  const cost = (provider: string, model: string) => engine.ctx.catalog.estimateNano(provider, model, contextSize, outputTokens, now)
  const current = cost(p.provider, p.model)
  const candidates = engine.ctx.catalog.cheaperAlternatives(p.provider, p.model, now, 3).map((c) => ({ provider: c.provider, model: c.model }))
  const across = rhetor.findCheaperAlternative(p.provider, p.model, taskType)
  if (across && !candidates.some((c) => c.provider === across.provider && c.model === across.model)) candidates.push({ provider: across.provider, model: across.model })
  const recommendations = candidates.flatMap((c) => {
    const estimate = cost(c.provider, c.model)
    if (estimate === null) return []
    const savings = current === null ? null : current - estimate
    return [{
      provider: c.provider,
      model: c.model,
      estimated_cost: nanoToUsd(estimate),
      current_cost: current === null ? null : nanoToUsd(current),
      savings: savings === null ? null : nanoToUsd(savings),
      savings_percentage: savings === null || !current ? null : Math.round((savings / current) * 10_000) / 100,
    }]
  })
  return { payload: { provider: p.provider, model: p.model, task_type: taskType, context_size: contextSize, output_tokens: outputTokens, recommendations } }
}

const RoutePayload = z.looseObject({
  input_text: text.nullish(),
  task_type: name.nullish(),
  default_provider: name,
  default_model: name,
  component: name.nullish(),
})

const route: Handler = async ({ rhetor }, message) => {
  const p = RoutePayload.parse(message.payload)
  const routed = await rhetor.routeWithBudgetAwareness({
    inputText: p.input_text ?? '',
    taskType: p.task_type ?? 'default',
    defaultProvider: p.default_provider,
    defaultModel: p.default_model,
    component: componentOf(p, message),
  })
  return { payload: snakeKeys(routed) as Record<string, unknown> }
}

const analytics: Handler = async ({ engine }, message) => ({ payload: await usageAnalytics(engine, message.payload) })

export const HANDLERS: Record<MessageType, Handler> = {
  'budget.allocate_tokens': allocate,
  'budget.check_budget': check,
  'budget.record_usage': record,
  'budget.get_budget_status': status,
  'budget.get_model_recommendations': recommend,
  'budget.route_with_budget_awareness': route,
  'budget.get_usage_analytics': analytics,
}
