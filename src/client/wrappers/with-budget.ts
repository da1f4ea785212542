/**
 * `withBudget(client, options)`: an official OpenAI or Anthropic SDK client that checks
 * budgets before each LLM call and records what the call used after it.
 *
 * ```ts
 * const openai = withBudget(new OpenAI(), { service: new BudgetClient({ baseUrl }), budgetId: 'research' })
 * await openai.chat.completions.create({ model: 'gpt-4o', messages, max_completion_tokens: 500 })
 * ```
 *
 * Returns a copy of the client; the one passed in is left unbudgeted. Neither SDK is
 * imported: the client is recognised by its shape (Anthropic's has `messages`, OpenAI's
 * `chat`), so this package works without them installed.
 */
import { anthropicAdapter } from './anthropic.js'
import { BudgetGuard, type BudgetWrapperOptions } from './guard.js'
import { openAiAdapter } from './openai.js'
import type { ProviderAdapter } from './provider-adapter.js'
import { patchStainlessClient } from './sdk-client.js'

function adapterFor(client: object): ProviderAdapter {
  if ('chat' in client && 'responses' in client) return openAiAdapter
  if ('messages' in client) return anthropicAdapter
  throw new TypeError('withBudget: expected an OpenAI client (openai) or an Anthropic client (@anthropic-ai/sdk)')
}

export function withBudget<C extends object>(client: C, options: BudgetWrapperOptions): C {
  return patchStainlessClient(client, adapterFor(client), new BudgetGuard(options))
}
