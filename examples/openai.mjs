// Budgets for the official OpenAI client: reserve before each call, record what it used after.
//
//   budget serve &                        # or point BUDGET_SERVER at your service
//   OPENAI_API_KEY=sk-… node examples/openai.mjs
//
// Env: BUDGET_SERVER (default http://127.0.0.1:8013), BUDGET_API_KEY, BUDGET (budget name,
// default "examples"), OPENAI_MODEL (default gpt-4o-mini); OPENAI_BASE_URL is the SDK's own.
import OpenAI from 'openai'
import { BudgetClient, BudgetError, BudgetExceededError, withBudget } from 'tekton-budget/client'

const service = new BudgetClient({ baseUrl: process.env.BUDGET_SERVER ?? 'http://127.0.0.1:8013', apiKey: process.env.BUDGET_API_KEY })
const budget = process.env.BUDGET ?? 'examples'

// A budget of 200,000 tokens a day, created on first run.
try {
  await service.getBudget(budget)
} catch (error) {
  if (!(error instanceof BudgetError && error.code === 'NOT_FOUND')) throw error
  const created = await service.createBudget({ name: budget, description: 'Tekton Budget examples' })
  await service.createPolicy({ budgetId: created.id, type: 'hard_limit', period: 'daily', tokenLimit: 200_000 })
}

// One line: the same client, budgeted. With downgrade on, a call its budget would block goes
// to a cheaper model that fits instead.
const openai = withBudget(new OpenAI(), { service, budgetId: budget, component: 'examples', downgrade: true })

try {
  const stream = await openai.chat.completions.create({
    model: process.env.OPENAI_MODEL ?? 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'In one sentence: why do LLM budgets matter?' }],
    max_completion_tokens: 200,
    stream: true,
  })
  for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? '')
  process.stdout.write('\n')
} catch (error) {
  if (!(error instanceof BudgetExceededError)) throw error
  console.error(`blocked by budget ${budget}: ${error.decision.reasons.join('; ')}`)
  process.exitCode = 3
}

const [usage] = (await service.listUsage({ budgetId: budget, limit: 1 })).items
if (usage) console.log(`recorded: ${usage.model}, ${usage.inputTokens + usage.cacheReadTokens} in / ${usage.outputTokens} out, $${usage.costUsd}`)
