/**
 * The Anthropic Messages API as the wrapper sees it (`/v1/messages`; not count_tokens, not
 * batches).
 *
 * Usage mapping: Anthropic's `input_tokens` already leave out the cache, so they map one to
 * one; `cache_creation_input_tokens` are cache writes, of which
 * `cache_creation.ephemeral_1h_input_tokens` had a 1-hour TTL; `cache_read_input_tokens`
 * are cache reads. A stream reports input and cache tokens in `message_start` and the
 * running output count in each `message_delta` (whose fields, when present, supersede).
 */
import type { CallUsage } from './guard.js'
import { num, obj, parseJson, type ProviderAdapter, type UsageTracker } from './provider-adapter.js'
import { countRequest } from './request-text.js'

type Fields = Record<string, unknown>

function usageOf(u: Fields, model: unknown): CallUsage | null {
  const input = num(u.input_tokens)
  const output = num(u.output_tokens)
  if (input === undefined || output === undefined) return null
  const cacheWrite = num(u.cache_creation_input_tokens) ?? 0
  const write1h = num(obj(u.cache_creation).ephemeral_1h_input_tokens)
  return {
    ...(typeof model === 'string' && { model }),
    inputTokens: input,
    outputTokens: output,
    cacheReadTokens: num(u.cache_read_input_tokens) ?? 0,
    cacheWriteTokens: cacheWrite,
    ...(write1h !== undefined && write1h > 0 && { cacheWrite1hTokens: Math.min(write1h, cacheWrite) }),
  }
}

/** Fields present and not null in `update` replace those in `base`. */
function merge(base: Fields, update: Fields): Fields {
  const merged = { ...base }
  for (const [key, value] of Object.entries(update)) if (value !== null && value !== undefined) merged[key] = value
  return merged
}

class AnthropicTracker implements UsageTracker {
  outputText = ''
  private fields: Fields | null = null
  private model: unknown

  json(body: unknown): void {
    const b = obj(body)
    this.model = b.model
    this.fields = obj(b.usage)
  }

  event(event: string | undefined, data: string): void {
    const payload = obj(parseJson(data))
    const type = payload.type ?? event
    if (type === 'message_start') {
      const message = obj(payload.message)
      this.model = message.model
      this.fields = obj(message.usage)
    } else if (type === 'message_delta') {
      this.fields = merge(this.fields ?? {}, obj(payload.usage))
    } else if (type === 'content_block_delta') {
      const delta = obj(payload.delta)
      const text = delta.text ?? delta.partial_json ?? delta.thinking
      if (typeof text === 'string') this.outputText += text
    }
  }

  usage(): CallUsage | null {
    return this.fields === null ? null : usageOf(this.fields, this.model)
  }
}

export const anthropicAdapter: ProviderAdapter = {
  provider: 'anthropic',
  budgets: (method, path) => method.toLowerCase() === 'post' && (path === '/v1/messages' || path === '/messages'),
  prepare(body, count) {
    const messages = Array.isArray(body.messages) ? body.messages : []
    return {
      model: String(body.model ?? ''),
      inputTokens: countRequest(count, [body.system, messages, body.tools], messages.length),
      maxOutputTokens: num(body.max_tokens),
    }
  },
  tracker: () => new AnthropicTracker(),
}
