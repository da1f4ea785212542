/**
 * Budgets for the Vercel AI SDK (v6): a language-model middleware for `wrapLanguageModel`.
 *
 * ```ts
 * const model = wrapLanguageModel({ model: openai('gpt-4o'), middleware: budgetMiddleware({ service, budgetId: 'research' }) })
 * ```
 *
 * Before each generate or stream it reserves (input tokens counted from the prompt, the
 * call's maxOutputTokens); a block throws BudgetExceededError. After it, the usage the
 * model reports is committed — for a stream when its `finish` part has passed, before the
 * stream ends for the caller. A failed call releases its reservation.
 *
 * Switching to a cheaper model needs a model object, not just a name: with `downgrade`
 * on, `resolveModel(modelId)` must give the model to call instead.
 *
 * Typed structurally: `ai` and `@ai-sdk/provider` are not imported.
 */
import type { CallUsage } from './guard.js'
import { BudgetGuard, type BudgetWrapperOptions, type OpenCall } from './guard.js'
import { num, obj } from './provider-adapter.js'
import { countRequest } from './request-text.js'

interface ModelLike {
  readonly provider: string
  readonly modelId: string
}

interface CallOptionsLike {
  prompt: readonly unknown[]
  maxOutputTokens?: number | undefined
  tools?: readonly unknown[] | undefined
}

interface UsageLike {
  inputTokens: { total: number | undefined; noCache?: number | undefined; cacheRead?: number | undefined; cacheWrite?: number | undefined }
  outputTokens: { total: number | undefined; reasoning?: number | undefined }
  raw?: unknown
}

interface GenerateResultLike {
  usage: UsageLike
  response?: { modelId?: string | undefined } | undefined
}

interface StreamResultLike {
  stream: ReadableStream<unknown>
}

/** A model the middleware may call instead, on a downgrade. */
export interface ResolvedModel {
  doGenerate(options: never): PromiseLike<unknown>
  doStream(options: never): PromiseLike<unknown>
}

export interface BudgetMiddlewareOptions extends BudgetWrapperOptions {
  /** The model to call for a cheaper model id; needed with `downgrade`. */
  resolveModel?: (modelId: string) => ResolvedModel
}

export interface BudgetMiddleware {
  readonly specificationVersion: 'v3'
  wrapGenerate<R extends GenerateResultLike>(options: { doGenerate: () => PromiseLike<R>; params: CallOptionsLike; model: ModelLike }): Promise<R>
  wrapStream<R extends StreamResultLike>(options: { doStream: () => PromiseLike<R>; params: CallOptionsLike; model: ModelLike }): Promise<R>
}

function toCallUsage(usage: UsageLike, modelId: string | undefined): CallUsage {
  const cacheRead = usage.inputTokens.cacheRead ?? 0
  const cacheWrite = usage.inputTokens.cacheWrite ?? 0
  const noCache = usage.inputTokens.noCache ?? Math.max(0, (usage.inputTokens.total ?? 0) - cacheRead - cacheWrite)
  // Anthropic's raw usage says how many cache writes had a 1-hour TTL; the standard fields do not.
  const write1h = num(obj(obj(usage.raw).cache_creation).ephemeral_1h_input_tokens)
  return {
    ...(modelId !== undefined && { model: modelId }),
    inputTokens: noCache,
    outputTokens: usage.outputTokens.total ?? 0,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    ...(write1h !== undefined && write1h > 0 && { cacheWrite1hTokens: Math.min(write1h, cacheWrite) }),
    ...(usage.outputTokens.reasoning !== undefined && { reasoningTokens: usage.outputTokens.reasoning }),
  }
}

export function budgetMiddleware(options: BudgetMiddlewareOptions): BudgetMiddleware {
  if (options.downgrade === true && options.resolveModel === undefined) {
    throw new TypeError('budgetMiddleware: downgrade needs resolveModel(modelId), which gives the model to call instead')
  }
  const guard = new BudgetGuard(options)

  async function open(params: CallOptionsLike, model: ModelLike): Promise<OpenCall> {
    const count = await guard.count()
    return guard.open({
      provider: options.provider ?? model.provider.split('.')[0] ?? model.provider,
      model: model.modelId,
      inputTokens: countRequest(count, [params.prompt, params.tools], params.prompt.length),
      maxOutputTokens: params.maxOutputTokens,
    })
  }

  /** The model to call: the one wrapped, or the cheaper one the budgets chose. */
  const replacement = (call: OpenCall, model: ModelLike) => (call.model === model.modelId ? null : (options.resolveModel?.(call.model) ?? null))

  return {
    specificationVersion: 'v3',

    async wrapGenerate({ doGenerate, params, model }) {
      const call = await open(params, model)
      const other = replacement(call, model)
      let result
      try {
        result = (other === null ? await doGenerate() : await other.doGenerate(params as never)) as Awaited<ReturnType<typeof doGenerate>>
      } catch (error) {
        await call.release()
        throw error
      }
      await call.commit(toCallUsage(result.usage, result.response?.modelId ?? call.model))
      return result
    },

    async wrapStream({ doStream, params, model }) {
      const call = await open(params, model)
      const other = replacement(call, model)
      let result
      try {
        result = (other === null ? await doStream() : await other.doStream(params as never)) as Awaited<ReturnType<typeof doStream>>
      } catch (error) {
        await call.release()
        throw error
      }
      return { ...result, stream: observe(result.stream, call) }
    },
  }
}

/** Passes the parts through; commits the `finish` part's usage before the stream ends for the reader. */
function observe(source: ReadableStream<unknown>, call: OpenCall): ReadableStream<unknown> {
  const reader = source.getReader()
  let modelId: string | undefined
  let usage: UsageLike | undefined
  let outputChars = 0
  const estimate = (): CallUsage => ({ inputTokens: call.inputEstimate, outputTokens: Math.ceil(outputChars / 4), estimated: true })
  return new ReadableStream<unknown>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof reader.read>>
      try {
        chunk = await reader.read()
      } catch (error) {
        await call.commit(usage ? toCallUsage(usage, modelId) : estimate())
        controller.error(error)
        return
      }
      if (chunk.done) {
        await call.commit(usage ? toCallUsage(usage, modelId ?? call.model) : estimate())
        controller.close()
        return
      }
      const part = obj(chunk.value)
      if (part.type === 'response-metadata' && typeof part.modelId === 'string') modelId = part.modelId
      else if (part.type === 'text-delta' && typeof part.delta === 'string') outputChars += part.delta.length
      else if (part.type === 'finish') usage = part.usage as UsageLike
      controller.enqueue(chunk.value)
    },
    async cancel(reason) {
      await call.commit(usage ? toCallUsage(usage, modelId) : estimate())
      await reader.cancel(reason)
    },
  })
}
