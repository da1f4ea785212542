// Budgets for the Vercel AI SDK: a middleware for wrapLanguageModel.
//
//   npm install ai @ai-sdk/openai
//   budget serve &                        # or point BUDGET_SERVER at your service
//   OPENAI_API_KEY=sk-… node examples/ai-sdk.mjs
//
// Env: BUDGET_SERVER (default http://127.0.0.1:8013), BUDGET_API_KEY, BUDGET (budget name,
// default "examples"), OPENAI_MODEL (default gpt-4o-mini); OPENAI_BASE_URL as for the provider.
import { createOpenAI } from '@ai-sdk/openai'
import { streamText, wrapLanguageModel } from 'ai'
import { BudgetClient, BudgetError, BudgetExceededError, budgetMiddleware } from 'tekton-budget/client'

const service = new BudgetClient({ baseUrl: process.env.BUDGET_SERVER ?? 'http://127.0.0.1:8013', apiKey: process.env.BUDGET_API_KEY })
const budget = process.env.BUDGET ?? 'examples'

try {
  await service.getBudget(budget)
} catch (error) {
  if (!(error instanceof BudgetError && error.code === 'NOT_FOUND')) throw error
  const created = await service.createBudget({ name: budget, description: 'Tekton Budget examples' })
  await service.createPolicy({ budgetId: created.id, type: 'hard_limit', period: 'daily', tokenLimit: 200_000 })
}

const openai = createOpenAI({ baseURL: process.env.OPENAI_BASE_URL })
// resolveModel lets the middleware switch to a cheaper model its budget allows.
const model = wrapLanguageModel({
  model: openai.chat(process.env.OPENAI_MODEL ?? 'gpt-4o-mini'),
  middleware: budgetMiddleware({ service, budgetId: budget, component: 'examples', downgrade: true, resolveModel: (id) => openai.chat(id) }),
})

// streamText reports failures to onError rather than throwing them.
let failure
const result = streamText({ model, prompt: 'In one sentence: why do LLM budgets matter?', maxOutputTokens: 200, onError: ({ error }) => (failure = error) })
for await (const text of result.textStream) process.stdout.write(text)
process.stdout.write('\n')
if (failure instanceof BudgetExceededError) {
  console.error(`blocked by budget ${budget}: ${failure.decision.reasons.join('; ')}`)
  process.exitCode = 3
} else if (failure !== undefined) {
  throw failure
} else {
  const usage = await result.usage
  console.log(`used ${usage.inputTokens} in / ${usage.outputTokens} out`)
}
