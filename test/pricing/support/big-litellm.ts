/**
 * A LiteLLM price file of full size (~2,000 models), made from the fixture's pattern: the
 * fixture's entries as they are, then generated entries over LiteLLM's providers with its
 * field names — exponent notation, cache prices, above-200k tiers, embeddings, image models
 * that are skipped — and ids that partly match the bundled catalog.
 */
import { fixture } from './feed-server.js'

const PROVIDERS = ['openai', 'anthropic', 'gemini', 'vertex_ai-language-models', 'mistral', 'bedrock', 'azure', 'together_ai', 'fireworks_ai', 'deepseek', 'xai', 'groq', 'cohere_chat', 'perplexity']

export function bigLiteLlm(models = 2_000): string {
  const doc = JSON.parse(fixture('litellm.json')) as Record<string, unknown>
  const base = Object.keys(doc).length - 1
  for (let i = 0; doc && Object.keys(doc).length - 1 < models; i++) {
    const provider = PROVIDERS[i % PROVIDERS.length]!
    const input = (1 + (i % 37)) * 1e-7
    const entry: Record<string, unknown> = {
      input_cost_per_token: input,
      output_cost_per_token: input * 4,
      litellm_provider: provider,
      max_input_tokens: 128_000,
      max_output_tokens: 8_192,
      mode: i % 50 === 0 ? 'embedding' : i % 45 === 0 ? 'image_generation' : 'chat',
      supports_function_calling: true,
      supports_parallel_function_calling: true,
      supports_tool_choice: true,
      supports_vision: i % 2 === 0,
      supports_prompt_caching: i % 3 === 0,
      supports_response_schema: true,
      supports_system_messages: true,
      source: `https://docs.example.com/${provider}/pricing#model-${i}`,
      ...(i % 11 === 0 && { deprecation_date: '2026-12-31' }),
    }
    if (i % 3 === 0) entry.cache_read_input_token_cost = input / 10
    if (i % 5 === 0) entry.cache_creation_input_token_cost = input * 1.25
    if (i % 7 === 0) {
      entry.input_cost_per_token_above_200k_tokens = input * 2
      entry.output_cost_per_token_above_200k_tokens = input * 6
    }
    doc[`${provider}/model-${i}-${base}`] = entry
  }
  return JSON.stringify(doc, null, 4)
}
