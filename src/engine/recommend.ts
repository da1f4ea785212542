/**
 * Cheaper models and budget-aware routing.
 *
 * Recommendations compare a typical call's cost under the catalog's cheaper models of the
 * same provider. Routing checks the model asked for and, when its budgets say downgrade or
 * block, checks cheaper candidates in order until one fits: only the chosen model keeps a
 * reservation, every other one is released before this returns.
 *
 * Owns no budget rule of its own: the decisions are check's (reserve.ts).
 */
import type { CheckDecision } from '../domain/check.js'
import { nanoToUsd } from '../domain/money.js'
import {
  DEFAULT_SAMPLE_TOKENS,
  type Recommendations,
  type RecommendationRequest,
  type RouteDecision,
  type RouteRequest,
} from '../domain/recommendation.js'
import type { ModelRef } from '../pricing/catalog.js'
import type { EngineContext } from './context.js'
import { check, release } from './reserve.js'

const DEFAULT_ALTERNATIVES = 3

export function recommendModels(ctx: EngineContext, request: RecommendationRequest): Recommendations {
  const now = ctx.now()
  const input = request.inputTokens ?? DEFAULT_SAMPLE_TOKENS
  const output = request.outputTokens ?? DEFAULT_SAMPLE_TOKENS
  const currentNano = ctx.catalog.estimateNano(request.provider, request.model, input, output, now)
  const alternatives = ctx.catalog.cheaperAlternatives(request.provider, request.model, now, request.limit ?? DEFAULT_ALTERNATIVES).map((alt) => {
    const costNano = ctx.catalog.estimateNano(alt.provider, alt.model, input, output, now)
    const savings = costNano === null || currentNano === null || currentNano === 0 ? null : Math.round(((currentNano - costNano) / currentNano) * 1000) / 10
    return {
      provider: alt.provider,
      model: alt.model,
      inputPerMtok: nanoToUsd(alt.inputNano),
      outputPerMtok: nanoToUsd(alt.outputNano),
      estimatedCostUsd: costNano === null ? null : nanoToUsd(costNano),
      savingsPercent: savings,
    }
  })
  return {
    provider: request.provider,
    model: request.model,
    resolvedModel: ctx.catalog.resolve(request.provider, request.model)?.model ?? null,
    estimatedCostUsd: currentNano === null ? null : nanoToUsd(currentNano),
    alternatives,
  }
}

const fits = (d: CheckDecision) => d.action === 'allow' || d.action === 'warn'

/**
 * The model a call should use: the one asked for when its check allows or warns; else the
 * first candidate that allows or warns. When none does, a call that only needed a
 * downgrade goes ahead with the model asked for, and a blocked one takes the first
 * candidate that is allowed at all (a soft limit passed beats a hard one).
 *
 * Candidates are checked with nothing else of this call held — the first reservation is
 * given back before — and whatever is finally chosen is checked again, so the decision
 * returned is current and its reservation the only one left.
 */
export async function routeWithBudget(ctx: EngineContext, request: RouteRequest): Promise<RouteDecision> {
  const { candidates, ...call } = request
  const tried: RouteDecision['tried'] = []
  const attempt = async (ref: ModelRef) => {
    const decision = await check(ctx, { ...call, provider: ref.provider, model: ref.model })
    tried.push({ provider: ref.provider, model: ref.model, allowed: decision.allowed, action: decision.action })
    return decision
  }
  const chose = (ref: ModelRef, decision: CheckDecision): RouteDecision => ({
    provider: ref.provider,
    model: ref.model,
    downgraded: ref.provider !== call.provider || ref.model !== call.model,
    decision,
    tried,
  })

  const asked = await attempt(call)
  if (fits(asked)) return chose(call, asked)
  await releaseHeld(ctx, asked)

  let fallback: ModelRef | null = null
  for (const option of candidates ?? ctx.catalog.cheaperAlternatives(call.provider, call.model, ctx.now(), DEFAULT_ALTERNATIVES)) {
    const decision = await attempt(option)
    if (fits(decision)) return chose(option, decision)
    await releaseHeld(ctx, decision)
    if (decision.allowed) fallback ??= option
  }
  const final = asked.allowed ? call : fallback
  return final === null ? chose(call, asked) : chose(final, await attempt(final))
}

async function releaseHeld(ctx: EngineContext, decision: CheckDecision): Promise<void> {
  if (decision.reservation) await release(ctx, decision.reservation.id)
}
