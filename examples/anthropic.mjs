// Budgets for the official Anthropic client, with the SDK's streaming helper.
//
//   budget serve &                        # or point BUDGET_SERVER at your service
//   ANTHROPIC_API_KEY=sk-ant-… node examples/anthropic.mjs
//
// Env: BUDGET_SERVER (default http://127.0.0.1:8013), BUDGET_API_KEY, BUDGET (budget name,
// default "examples"), ANTHROPIC_MODEL (default claude-haiku-4-5); ANTHROPIC_BASE_URL is the SDK's own.
import Anthropic from '@anthropic-ai/sdk'
import { BudgetClient, BudgetError, BudgetExceededError, withBudget } from 'tekton-budget/client'

const service = new BudgetClient({ baseUrl: process.env.BUDGET_SERVER ?? 'http://127.0.0.1:8013', apiKey: process.env.BUDGET_API_KEY })
const budget = process.env.BUDGET ?? 'examples'

try {
  await service.getBudget(budget)
} catch (error) {
  if (!(error instanceof BudgetError && error.code === 'NOT_FOUND')) throw error
  const created = await service.createBudget({ name: budget, description: 'Tekton Budget examples' })
  await service.createPolicy({ budgetId: created.id, type: 'hard_limit', period: 'daily', tokenLimit: 200_000 })
}

// contextId ties the calls to one session, for per_session policies.
const anthropic = withBudget(new Anthropic(), { service, budgetId: budget, contextId: `example-${process.pid}`, component: 'examples' })

try {
  const stream = anthropic.messages.stream({
    model: process.env.ANTHROPIC_MODEL ?? 'claude-haiku-4-5',
    max_tokens: 300,
    messages: [{ role: 'user', content: 'In one sentence: why do LLM budgets matter?' }],
  })
  stream.on('text', (text) => process.stdout.write(text))
  const message = await stream.finalMessage()
  process.stdout.write('\n')
  console.log(`stop reason: ${message.stop_reason}`)
} catch (error) {
  if (!(error instanceof BudgetExceededError)) throw error
  console.error(`blocked by budget ${budget}: ${error.decision.reasons.join('; ')}`)
  process.exitCode = 3
}

const summary = await service.summary(budget)
for (const p of summary.policies) console.log(`${p.period} ${p.type}: ${p.tokensUsed} of ${p.tokenLimit ?? '∞'} tokens (${p.status})`)
