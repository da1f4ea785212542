/**
 * The wrappers against a running service, through the typed client, instead of the
 * embedded engine: the same reservations and records arrive over HTTP.
 */
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BudgetClient, BudgetExceededError, withBudget } from '../../src/client/index.js'
import { aBudgetWithPolicy, aKey, aTestServer, type TestServer } from '../support/http.js'
import { aFakeLlmServer, type LlmServer } from './llm-server.js'
import { catalogCostOf, recordsOf } from './support.js'

let t: TestServer
let llm: LlmServer
let service: BudgetClient
let admin: string

beforeAll(async () => {
  t = await aTestServer()
  llm = await aFakeLlmServer()
  admin = (await aKey(t.call, 'admin')).key
  const write = (await aKey(t.call, 'write', admin)).key
  service = new BudgetClient({ baseUrl: t.url, apiKey: write })
})

afterAll(async () => {
  await llm.close()
  await t.close()
})

describe('wrappers against a running service', () => {
  it('commits an OpenAI call’s usage on the server', async () => {
    const { budget } = await aBudgetWithPolicy(t.call, { tokenLimit: 1_000_000 }, admin)
    const openai = withBudget(new OpenAI({ apiKey: 'sk-test', baseURL: `${llm.url}/v1`, maxRetries: 0 }), { service, budgetId: budget.name })

    await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], max_completion_tokens: 100 })

    const [record] = await recordsOf(service, budget.id)
    expect(record).toMatchObject({ budgetId: budget.id, inputTokens: 93, cacheReadTokens: 1_024, outputTokens: 46 })
    expect(record?.costUsd).toBe(await catalogCostOf(service, record!))
  })

  it('commits a streamed Anthropic message on the server, and blocks once the budget is spent', async () => {
    const { budget } = await aBudgetWithPolicy(t.call, { tokenLimit: 4_000 }, admin)
    const anthropic = withBudget(new Anthropic({ apiKey: 'sk-ant-test', baseURL: llm.url, maxRetries: 0 }), { service, budgetId: budget.id })
    const message = { model: 'claude-sonnet-4-20250514', max_tokens: 500, messages: [{ role: 'user' as const, content: 'Hello' }] }

    await anthropic.messages.stream(message).finalMessage()
    const blocked = await anthropic.messages.create(message).catch((e: unknown) => e)

    expect(await recordsOf(service, budget.id)).toMatchObject([{ inputTokens: 472, cacheReadTokens: 3_054, outputTokens: 89 }])
    expect(blocked).toBeInstanceOf(BudgetExceededError)
  })
})
