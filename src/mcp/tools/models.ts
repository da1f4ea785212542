/**
 * Cheaper models (get_model_recommendations) and a call routed to a model its budgets
 * allow (route_with_budget_awareness).
 */
import { RecommendationRequest, Recommendations, RouteDecision, RouteRequest } from '../../domain/recommendation.js'
import { decisionText, usd } from '../summary-text.js'
import { defineTool } from '../tool.js'

export const getModelRecommendations = defineTool({
  name: 'get_model_recommendations',
  title: 'Model recommendations',
  description: 'Cheaper models of the same provider than the one given, cheapest first, with the cost of a typical call under each and the saving.',
  role: 'read',
  input: RecommendationRequest,
  output: Recommendations,
  readOnly: true,
  run: (service, input) => service.recommendModels(input),
  summarize: (r) => {
    const head = `${r.provider}/${r.model}: ${usd(r.estimatedCostUsd)} a typical call`
    if (r.alternatives.length === 0) return `${head}; no cheaper model of this provider is known`
    return [head, ...r.alternatives.map((a) => `- ${a.provider}/${a.model}: ${usd(a.estimatedCostUsd)}${a.savingsPercent === null ? '' : ` (${a.savingsPercent}% less)`}`)].join('\n')
  },
})

export const routeWithBudgetAwareness = defineTool({
  name: 'route_with_budget_awareness',
  title: 'Route with budget awareness',
  description:
    'Reserve budget for one LLM call with the model asked for, or, when its budgets say downgrade or block, with the first cheaper candidate that fits (default candidates: cheaper models of the same provider). ' +
    'Answers which provider/model to call and the reservation to record usage against; only that one is kept.',
  role: 'write',
  input: RouteRequest,
  output: RouteDecision,
  readOnly: false,
  run: (service, input) => service.routeWithBudget(input),
  summarize: (r) => [`use ${r.provider}/${r.model}${r.downgraded ? ' (downgraded)' : ''}`, decisionText(r.decision)].join('\n'),
})
