/**
 * budgetMiddleware in the Vercel AI SDK: `wrapLanguageModel` around the real
 * `@ai-sdk/openai` chat model, its baseURL pointed at the recorded OpenAI server, through
 * generateText and streamText.
 */
import { createOpenAI } from '@ai-sdk/openai'
import { generateText, streamText, wrapLanguageModel } from 'ai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { BudgetExceededError, budgetMiddleware, type BudgetMiddlewareOptions } from '../../src/client/index.js'
import { aBudgetWithPolicy, aTestEngine, type TestEngine } from '../support/engine.js'
import { aFakeLlmServer, type LlmServer } from './llm-server.js'
import { catalogCostOf, recordsOf, reservationsOf } from './support.js'

let t: TestEngine
let llm: LlmServer
let openai: ReturnType<typeof createOpenAI>

beforeAll(async () => {
  t = await aTestEngine()
  llm = await aFakeLlmServer()
  openai = createOpenAI({ baseURL: `${llm.url}/v1`, apiKey: 'sk-test' })
})

afterAll(async () => {
  await llm.close()
  await t.dispose()
})

beforeEach(() => {
  llm.requests.length = 0
})

async function budgetedModel(policy: Parameters<typeof aBudgetWithPolicy>[1] = { tokenLimit: 1_000_000 }, options: Partial<BudgetMiddlewareOptions> = {}) {
  const { budget } = await aBudgetWithPolicy(t, policy)
  const model = wrapLanguageModel({ model: openai.chat('gpt-4o'), middleware: budgetMiddleware({ service: t.engine, budgetId: budget.id, ...options }) })
  return { budget, model }
}

describe('budgetMiddleware (AI SDK)', () => {
  it('commits what generateText used, priced exactly by the catalog', async () => {
    const { budget, model } = await budgetedModel()

    const result = await generateText({ model, prompt: 'What is the capital of France?', maxOutputTokens: 200, maxRetries: 0 })

    const [record] = await recordsOf(t.engine, budget.id)
    expect(result.text).toBe('The capital of France is Paris.')
    expect(record).toMatchObject({ provider: 'openai', model: 'gpt-4o', inputTokens: 1_117 - 1_024, cacheReadTokens: 1_024, outputTokens: 46 })
    expect(record?.costUsd).toBe(await catalogCostOf(t.engine, record!))
    expect((await t.engine.getReservation(record!.reservationId!)).status).toBe('committed')
  })

  it('commits what streamText used once the stream has finished', async () => {
    const { budget, model } = await budgetedModel()

    const result = streamText({ model, prompt: 'What is the capital of France?', maxRetries: 0 })
    const text = await result.text

    const [record] = await recordsOf(t.engine, budget.id)
    expect(text).toBe('The capital of France is Paris.')
    expect(record).toMatchObject({ inputTokens: 2_210 - 2_048, cacheReadTokens: 2_048, outputTokens: 9 })
    expect(record?.costUsd).toBe(await catalogCostOf(t.engine, record!))
  })

  it('throws BudgetExceededError instead of calling when the budget blocks', async () => {
    const { model } = await budgetedModel({ tokenLimit: 100 })

    const error = await generateText({ model, prompt: 'Hi', maxOutputTokens: 500, maxRetries: 0 }).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(BudgetExceededError)
    expect(llm.requests).toEqual([])
  })

  it('calls the model resolveModel gives for a cheaper id when downgrade is on', async () => {
    const { budget, model } = await budgetedModel({ type: 'soft_limit', costLimitUsd: 0.005 }, { downgrade: true, resolveModel: (id) => openai.chat(id) })

    await generateText({ model, prompt: 'What is the capital of France?', maxOutputTokens: 1_000, maxRetries: 0 })

    const sent = llm.requests[0]?.body.model
    expect(sent).not.toBe('gpt-4o')
    expect(await recordsOf(t.engine, budget.id)).toMatchObject([{ model: sent }])
  })

  it('releases the reservation when the provider fails', async () => {
    const { budget, model } = await budgetedModel()
    llm.failNext(500)

    await expect(generateText({ model, prompt: 'Hi', maxRetries: 0 })).rejects.toThrow()

    expect((await reservationsOf(t.engine, budget.id)).map((r) => r.status)).toEqual(['released'])
  })

  it('refuses downgrade without resolveModel, which it would need to switch models', () => {
    expect(() => budgetMiddleware({ service: t.engine, downgrade: true })).toThrow(TypeError)
  })
})
