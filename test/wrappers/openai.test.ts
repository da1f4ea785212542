/**
 * withBudget on the real `openai` client, its baseURL pointed at a local server that
 * answers with recorded Chat Completions and Responses payloads, JSON and streamed.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { BudgetExceededError, withBudget } from '../../src/client/index.js'
import { aBudgetWithPolicy, aTestEngine, type TestEngine } from '../support/engine.js'
import { aFakeLlmServer, type LlmServer } from './llm-server.js'
import { catalogCostOf, recordsOf, reservationsOf } from './support.js'

let t: TestEngine
let llm: LlmServer

beforeAll(async () => {
  t = await aTestEngine()
  llm = await aFakeLlmServer()
})

afterAll(async () => {
  await llm.close()
  await t.dispose()
})

beforeEach(() => {
  llm.requests.length = 0
})

const anOpenAi = (maxRetries = 0) => new OpenAI({ apiKey: 'sk-test', baseURL: `${llm.url}/v1`, maxRetries })
const question = [{ role: 'user' as const, content: 'What is the capital of France?' }]

async function budgeted(policy: Parameters<typeof aBudgetWithPolicy>[1] = { tokenLimit: 1_000_000 }, options: { downgrade?: boolean; maxRetries?: number } = {}) {
  const { budget } = await aBudgetWithPolicy(t, policy)
  const openai = withBudget(anOpenAi(options.maxRetries), { service: t.engine, budgetId: budget.id, downgrade: options.downgrade ?? false })
  return { budget, openai }
}

describe('withBudget(openai)', () => {
  it('commits a chat completion’s usage, cached prompt tokens as cache reads, priced exactly by the catalog', async () => {
    const { budget, openai } = await budgeted()

    const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages: question, max_completion_tokens: 200 })

    const [record, ...more] = await recordsOf(t.engine, budget.id)
    expect(completion.choices[0]?.message.content).toBe('The capital of France is Paris.')
    expect(more).toEqual([])
    expect(record).toMatchObject({ provider: 'openai', model: 'gpt-4o', inputTokens: 1_117 - 1_024, cacheReadTokens: 1_024, outputTokens: 46, reasoningTokens: 0 })
    expect(record?.costUsd).toBe(await catalogCostOf(t.engine, record!))
    const reservation = await t.engine.getReservation(record!.reservationId!)
    expect(reservation).toMatchObject({ status: 'committed', tokensUsed: 1_117 + 46 })
    expect(reservation.tokensReserved).toBeGreaterThan(200)
  })

  it('asks a streamed chat completion for its usage and commits it once the stream has ended', async () => {
    const { budget, openai } = await budgeted()

    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: question, stream: true })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''

    const [record] = await recordsOf(t.engine, budget.id)
    expect(text).toBe('The capital of France is Paris.')
    expect(llm.requests[0]?.body.stream_options).toEqual({ include_usage: true })
    expect(record).toMatchObject({ model: 'gpt-4o-mini', inputTokens: 2_210 - 2_048, cacheReadTokens: 2_048, outputTokens: 9 })
    expect(record?.costUsd).toBe(await catalogCostOf(t.engine, record!))
  })

  it('covers the SDK’s own stream helper', async () => {
    const { budget, openai } = await budgeted()

    const final = await openai.chat.completions.stream({ model: 'gpt-4o', messages: question }).finalChatCompletion()

    expect(final.choices[0]?.message.content).toBe('The capital of France is Paris.')
    expect(await recordsOf(t.engine, budget.id)).toMatchObject([{ model: 'gpt-4o', outputTokens: 9 }])
  })

  it('commits a Responses API call, reasoning tokens included in the output', async () => {
    const { budget, openai } = await budgeted()

    await openai.responses.create({ model: 'o4-mini', input: 'Tell me a three sentence bedtime story about a unicorn.', max_output_tokens: 300 })

    const [record] = await recordsOf(t.engine, budget.id)
    expect(record).toMatchObject({ model: 'o4-mini', inputTokens: 36, cacheReadTokens: 0, outputTokens: 247, reasoningTokens: 192 })
    expect(record?.costUsd).toBe(await catalogCostOf(t.engine, record!))
  })

  it('commits a streamed Responses API call from its response.completed event', async () => {
    const { budget, openai } = await budgeted()

    const stream = await openai.responses.create({ model: 'gpt-4.1', input: 'Say hi', stream: true })
    for await (const event of stream) void event

    const [record] = await recordsOf(t.engine, budget.id)
    expect(record).toMatchObject({ model: 'gpt-4.1', inputTokens: 1_037 - 1_024, cacheReadTokens: 1_024, outputTokens: 11 })
    expect(record?.costUsd).toBe(await catalogCostOf(t.engine, record!))
  })

  it('throws BudgetExceededError instead of calling when the budget blocks, and reserves nothing', async () => {
    const { budget, openai } = await budgeted({ tokenLimit: 100 })

    const error = await openai.chat.completions.create({ model: 'gpt-4o', messages: question, max_completion_tokens: 500 }).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(BudgetExceededError)
    expect((error as BudgetExceededError).decision).toMatchObject({ allowed: false, action: 'block' })
    expect(llm.requests).toEqual([])
    expect(await reservationsOf(t.engine, budget.id)).toEqual([])
  })

  it('switches to a cheaper model the budget allows when downgrade is on', async () => {
    const { budget, openai } = await budgeted({ type: 'soft_limit', costLimitUsd: 0.005 }, { downgrade: true })

    await openai.chat.completions.create({ model: 'gpt-4o', messages: question, max_completion_tokens: 1_000 })

    const sent = llm.requests[0]?.body.model
    const [record] = await recordsOf(t.engine, budget.id)
    expect(sent).not.toBe('gpt-4o')
    expect(record).toMatchObject({ model: sent })
    expect((await t.engine.recommendModels({ provider: 'openai', model: 'gpt-4o', limit: 20 })).alternatives.map((a) => a.model)).toContain(sent)
    expect((await reservationsOf(t.engine, budget.id)).filter((r) => r.status === 'active')).toEqual([])
  })

  it('releases the reservation of every attempt that fails upstream, and records nothing', async () => {
    const { budget, openai } = await budgeted({ tokenLimit: 1_000_000 }, { maxRetries: 1 })
    llm.failNext(500, 2)

    const error = await openai.chat.completions.create({ model: 'gpt-4o', messages: question }).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(OpenAI.InternalServerError)
    expect(llm.requests).toHaveLength(2)
    expect((await reservationsOf(t.engine, budget.id)).map((r) => r.status)).toEqual(['released', 'released'])
    expect(await recordsOf(t.engine, budget.id)).toEqual([])
  })

  it('commits the attempt that succeeds after one that failed', async () => {
    const { budget, openai } = await budgeted({ tokenLimit: 1_000_000 }, { maxRetries: 1 })
    llm.failNext(500, 1)

    await openai.chat.completions.create({ model: 'gpt-4o', messages: question })

    expect((await reservationsOf(t.engine, budget.id)).map((r) => r.status).sort()).toEqual(['committed', 'released'])
    expect(await recordsOf(t.engine, budget.id)).toHaveLength(1)
  })

  it('reserves the input tokens its counter counts plus the request’s max output tokens', async () => {
    const { budget } = await aBudgetWithPolicy(t, { tokenLimit: 1_000_000 })
    const openai = withBudget(anOpenAi(), { service: t.engine, budgetId: budget.id, tokenCounting: () => 5_000 })

    await openai.chat.completions.create({ model: 'gpt-4o', messages: question, max_completion_tokens: 200 })

    const [reservation] = await reservationsOf(t.engine, budget.id)
    expect(reservation?.tokensReserved).toBeGreaterThanOrEqual(5_200)
    expect(reservation?.tokensReserved).toBeLessThan(5_300)
  })

  it('records an estimate, marked as one, when the caller stops reading a stream before its usage came', async () => {
    const { budget, openai } = await budgeted()

    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: question, stream: true })
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) break

    const [record] = await recordsOf(t.engine, budget.id)
    expect(record).toMatchObject({ model: 'gpt-4o', cacheReadTokens: 0, metadata: { estimated: true } })
    expect(record?.inputTokens).toBeGreaterThan(0)
    expect((await t.engine.getReservation(record!.reservationId!)).status).toBe('committed')
  })

  it('leaves the client it was given unbudgeted, and the caller’s params untouched', async () => {
    const { budget } = await budgeted()
    const plain = anOpenAi()
    withBudget(plain, { service: t.engine, budgetId: budget.id })
    const params = { model: 'gpt-4o', messages: question, stream: true as const }

    const stream = await plain.chat.completions.create(params)
    for await (const chunk of stream) void chunk

    expect(llm.requests[0]?.body.stream_options).toBeUndefined()
    expect(params).toEqual({ model: 'gpt-4o', messages: question, stream: true })
    expect(await recordsOf(t.engine, budget.id)).toEqual([])
  })
})
