/**
 * withBudget on the real `@anthropic-ai/sdk` client, its baseURL pointed at a local server
 * that answers with recorded Messages API payloads, JSON and streamed.
 */
import Anthropic from '@anthropic-ai/sdk'
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

const MODEL = 'claude-sonnet-4-20250514'
const anAnthropic = (maxRetries = 0) => new Anthropic({ apiKey: 'sk-ant-test', baseURL: llm.url, maxRetries })
const message = { model: MODEL, max_tokens: 1_024, messages: [{ role: 'user' as const, content: 'Hello, Claude' }] }

async function budgeted(policy: Parameters<typeof aBudgetWithPolicy>[1] = { tokenLimit: 1_000_000 }, options: { downgrade?: boolean; maxRetries?: number } = {}) {
  const { budget } = await aBudgetWithPolicy(t, policy)
  const anthropic = withBudget(anAnthropic(options.maxRetries), { service: t.engine, budgetId: budget.id, downgrade: options.downgrade ?? false, component: 'tests' })
  return { budget, anthropic }
}

describe('withBudget(anthropic)', () => {
  it('commits a message’s usage with cache reads and 5-minute and 1-hour cache writes, priced exactly by the catalog', async () => {
    const { budget, anthropic } = await budgeted()

    const reply = await anthropic.messages.create(message)

    const [record] = await recordsOf(t.engine, budget.id)
    expect(reply.content[0]).toMatchObject({ type: 'text' })
    expect(record).toMatchObject({
      provider: 'anthropic',
      model: MODEL,
      component: 'tests',
      inputTokens: 21,
      cacheReadTokens: 1_800,
      cacheWriteTokens: 2_051,
      cacheWrite1hTokens: 2_000,
      outputTokens: 393,
    })
    expect(record?.costUsd).toBe(await catalogCostOf(t.engine, record!))
    expect((await t.engine.getReservation(record!.reservationId!)).status).toBe('committed')
  })

  it('commits a streamed message from message_start and the last message_delta', async () => {
    const { budget, anthropic } = await budgeted()

    const stream = await anthropic.messages.create({ ...message, stream: true })
    let text = ''
    for await (const event of stream) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text

    const [record] = await recordsOf(t.engine, budget.id)
    expect(text).toBe('Hello! How can I help?')
    expect(record).toMatchObject({ inputTokens: 472, cacheReadTokens: 3_054, cacheWriteTokens: 0, outputTokens: 89 })
    expect(record?.costUsd).toBe(await catalogCostOf(t.engine, record!))
  })

  it('covers the SDK’s messages.stream() helper', async () => {
    const { budget, anthropic } = await budgeted()

    const final = await anthropic.messages.stream(message).finalMessage()

    expect(final.usage.output_tokens).toBe(89)
    expect(await recordsOf(t.engine, budget.id)).toMatchObject([{ outputTokens: 89 }])
  })

  it('throws BudgetExceededError instead of calling when the budget blocks', async () => {
    const { budget, anthropic } = await budgeted({ tokenLimit: 500 })

    const error = await anthropic.messages.create(message).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(BudgetExceededError)
    expect(error).toMatchObject({ code: 'BUDGET_EXCEEDED', provider: 'anthropic', model: MODEL })
    expect(llm.requests).toEqual([])
    expect(await reservationsOf(t.engine, budget.id)).toEqual([])
  })

  it('calls the cheaper model the budget suggests when downgrade is on and the limit is hard', async () => {
    const { budget, anthropic } = await budgeted({ type: 'hard_limit', costLimitUsd: 0.01 }, { downgrade: true })

    await anthropic.messages.create(message)

    const sent = llm.requests[0]?.body.model
    expect(sent).not.toBe(MODEL)
    expect(await recordsOf(t.engine, budget.id)).toMatchObject([{ model: sent }])
  })

  it('releases the reservation when the API answers 500', async () => {
    const { budget, anthropic } = await budgeted()
    llm.failNext(500)

    const error = await anthropic.messages.create(message).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(Anthropic.InternalServerError)
    expect((await reservationsOf(t.engine, budget.id)).map((r) => r.status)).toEqual(['released'])
    expect(await recordsOf(t.engine, budget.id)).toEqual([])
  })
})
