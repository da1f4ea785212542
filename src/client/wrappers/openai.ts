/**
 * The OpenAI API as the wrapper sees it: Chat Completions (`/chat/completions`, also under
 * Azure's `/deployments/{name}/…`) and Responses (`/responses`).
 *
 * Usage mapping (DESIGN "Core wire contract"): `prompt_tokens` / `input_tokens` include
 * the cached part, so inputTokens = prompt − cached and cacheReadTokens = cached; output
 * tokens include reasoning. A streamed chat completion reports usage only when asked, so
 * the wrapper sets `stream_options.include_usage` — the stream then ends with one more
 * chunk, whose `choices` is empty and which carries `usage`.
 */
import type { CallUsage } from './guard.js'
import { num, obj, parseJson, type ProviderAdapter, type UsageTracker } from './provider-adapter.js'
import { countRequest } from './request-text.js'

const isChat = (path: string) => path.endsWith('/chat/completions')
const isResponses = (path: string) => path === '/responses' || path.endsWith('/v1/responses')

function usageOf(raw: unknown, model: unknown): CallUsage | null {
  const u = obj(raw)
  // Chat Completions: prompt/completion; Responses: input/output.
  const prompt = num(u.prompt_tokens) ?? num(u.input_tokens)
  const output = num(u.completion_tokens) ?? num(u.output_tokens)
  if (prompt === undefined || output === undefined) return null
  const cached = num(obj(u.prompt_tokens_details ?? u.input_tokens_details).cached_tokens) ?? 0
  const reasoning = num(obj(u.completion_tokens_details ?? u.output_tokens_details).reasoning_tokens)
  return {
    ...(typeof model === 'string' && { model }),
    inputTokens: Math.max(0, prompt - cached),
    cacheReadTokens: cached,
    outputTokens: output,
    ...(reasoning !== undefined && { reasoningTokens: reasoning }),
  }
}

class OpenAiTracker implements UsageTracker {
  outputText = ''
  private reported: CallUsage | null = null
  private model: unknown

  json(body: unknown): void {
    const b = obj(body)
    this.reported = usageOf(b.usage, b.model)
  }

  event(_event: string | undefined, data: string): void {
    if (data === '[DONE]') return
    const chunk = obj(parseJson(data))
    if (typeof chunk.model === 'string') this.model = chunk.model
    // Chat Completions chunks.
    for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
      const content = obj(obj(choice).delta).content
      if (typeof content === 'string') this.outputText += content
    }
    if (chunk.usage) this.reported = usageOf(chunk.usage, this.model) ?? this.reported
    // Responses events.
    if (chunk.type === 'response.output_text.delta' && typeof chunk.delta === 'string') this.outputText += chunk.delta
    const response = obj(chunk.response)
    if (response.usage) this.reported = usageOf(response.usage, response.model) ?? this.reported
  }

  usage(): CallUsage | null {
    return this.reported
  }
}

export const openAiAdapter: ProviderAdapter = {
  provider: 'openai',
  budgets: (method, path) => method.toLowerCase() === 'post' && (isChat(path) || isResponses(path)),
  prepare(body, count) {
    const model = String(body.model ?? '')
    if (Array.isArray(body.messages)) {
      if (body.stream === true) body.stream_options = { ...obj(body.stream_options), include_usage: true }
      const choices = num(body.n) ?? 1
      const max = num(body.max_completion_tokens) ?? num(body.max_tokens)
      return {
        model,
        inputTokens: countRequest(count, [body.messages, body.tools, body.functions, body.response_format], body.messages.length),
        maxOutputTokens: max === undefined ? undefined : max * choices,
      }
    }
    const input = body.input
    return {
      model,
      inputTokens: countRequest(count, [body.instructions, input, body.tools, body.text], Array.isArray(input) ? input.length : 1),
      maxOutputTokens: num(body.max_output_tokens),
    }
  },
  tracker: () => new OpenAiTracker(),
}
