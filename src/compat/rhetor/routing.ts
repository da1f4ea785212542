/**
 * Rhetor's route_with_budget_awareness: the default model when the budget allows it; else
 * the cheaper alternative when that fits; else a free local model; else the cheapest model
 * known; else the default, with a warning. Each step's warnings travel with the answer.
 */
import type { CheckRequest, CheckResult, ModelCost, RouteResult } from './schemas.js'
import type { z } from 'zod'
import type { RouteRequest } from './schemas.js'

export interface RoutingChoices {
  check(request: CheckRequest): Promise<CheckResult>
  cheaperAlternative(provider: string, model: string, taskType: string): ModelCost | null
  freeModels: readonly { provider: string; model: string }[]
  cheapest(): ModelCost | null
}

export async function routeWithinBudget(input: z.output<typeof RouteRequest>, choices: RoutingChoices): Promise<RouteResult> {
  const route = (provider: string, model: string, warnings: string[]): RouteResult => ({
    provider,
    model,
    warnings,
    originalProvider: input.defaultProvider,
    originalModel: input.defaultModel,
    isDowngraded: provider !== input.defaultProvider || model !== input.defaultModel,
  })
  const check = (provider: string, model: string) =>
    choices.check({ provider, model, inputText: input.inputText, taskType: input.taskType, ...(input.component !== undefined && { component: input.component }) })

  const first = await check(input.defaultProvider, input.defaultModel)
  if (first.allowed) return route(input.defaultProvider, input.defaultModel, first.info.warnings)
  const alternative = choices.cheaperAlternative(input.defaultProvider, input.defaultModel, input.taskType)
  if (alternative) {
    const second = await check(alternative.provider, alternative.model)
    if (second.allowed) {
      const note = `Budget limit exceeded. Downgraded from ${input.defaultProvider}/${input.defaultModel} to ${alternative.provider}/${alternative.model}`
      return route(alternative.provider, alternative.model, [...second.info.warnings, note])
    }
  }
  const [free] = choices.freeModels
  if (free) return route(free.provider, free.model, [`Budget limit exceeded. Using free model ${free.provider}/${free.model}`])
  const cheapest = choices.cheapest()
  if (cheapest) return route(cheapest.provider, cheapest.model, [`Budget limit exceeded. Using cheapest model ${cheapest.provider}/${cheapest.model}`])
  return route(input.defaultProvider, input.defaultModel, ['Budget limit exceeded but no alternatives available. Using default model.'])
}
