/**
 * The Apollo and Rhetor adapters over HTTP (/api/v1/compat/apollo, /api/v1/compat/rhetor)
 * on a real listening server: what each route answers and what it stores. The adapters'
 * semantics are specified in apollo.test.ts and rhetor.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aTestServer, type Call, type TestServer } from '../support/http.js'

let t: TestServer
let call: Call

beforeAll(async () => {
  t = await aTestServer()
  call = t.call
})

afterAll(async () => {
  await t.close()
})

const APOLLO = '/api/v1/compat/apollo'
const RHETOR = '/api/v1/compat/rhetor'

describe('Apollo routes', () => {
  it('allocates, reads, records against, extends and summarises an allocation', async () => {
    const allocated = await call('POST', `${APOLLO}/allocations`, { body: { contextId: 'r-1', component: 'ergon', model: 'claude-3-haiku-20240307', provider: 'anthropic', taskType: 'chat' } })
    const read = await call('GET', `${APOLLO}/allocations/r-1`)
    const used = await call('POST', `${APOLLO}/allocations/r-1/usage`, { body: { tokens: 1_500, usageType: 'output', operationId: 'op-1' } })
    const extended = await call('PATCH', `${APOLLO}/allocations/r-1`, { body: { additionalTokens: 1_000 } })
    const summary = await call('GET', `${APOLLO}/summary?period=daily&tier=local_midweight`)

    expect(allocated).toMatchObject({ status: 200, body: { allocated: true, allocation: { contextId: 'r-1', tokensAllocated: 4_000, tier: 'local_midweight' } } })
    expect(read).toMatchObject({ status: 200, body: { id: allocated.body.allocation.id } })
    expect(used).toMatchObject({ status: 200, body: { recordedTokens: 1_500, usageId: expect.any(String), allocation: { tokensUsed: 1_500, remainingTokens: 2_500 } } })
    expect(extended).toMatchObject({ status: 200, body: { tokensAllocated: 5_000, remainingTokens: 3_500 } })
    expect(summary).toMatchObject({ status: 200, body: { summaries: [] } })
    const record = await call('GET', `/api/v1/usage/${used.body.usageId}`)
    expect(record.body).toMatchObject({ outputTokens: 1_500, operation: 'op-1', tier: 'local_midweight' })
  })

  it('answers a refused allocation with 200 and the reasons', async () => {
    const apollo = await call('GET', '/api/v1/budgets/apollo')
    await call('POST', '/api/v1/policies', { body: { budgetId: apollo.body.id, type: 'hard_limit', period: 'daily', tokenLimit: 10, scope: { tier: 'local_lightweight' } } })

    const reply = await call('POST', `${APOLLO}/allocations`, { body: { contextId: 'r-2', component: 'ergon', model: 'codellama', priority: 1 } })

    expect(reply).toMatchObject({ status: 200, body: { allocated: false, allocation: null, reasons: [expect.any(String)] } })
  })

  it('answers 404 for a context without an allocation', async () => {
    const replies = await Promise.all([
      call('GET', `${APOLLO}/allocations/nobody`),
      call('PATCH', `${APOLLO}/allocations/nobody`, { body: { isActive: false } }),
      call('POST', `${APOLLO}/allocations/nobody/usage`, { body: { tokens: 5 } }),
    ])

    expect(replies.map((r) => [r.status, r.body.error.code])).toEqual(Array(3).fill([404, 'NOT_FOUND']))
  })

  it('refuses a priority outside 1–10 and an unknown usage type with the field at fault', async () => {
    const priority = await call('POST', `${APOLLO}/allocations`, { body: { contextId: 'r-3', component: 'ergon', priority: 11 } })
    const usageType = await call('POST', `${APOLLO}/allocations/r-1/usage`, { body: { tokens: 5, usageType: 'both' } })

    expect(priority.status).toBe(400)
    expect(priority.body.error.details.issues[0].path).toEqual(['body', 'priority'])
    expect(usageType.status).toBe(400)
  })

  it('resolves a tier', async () => {
    const reply = await call('GET', `${APOLLO}/tier?model=deepseek-coder-6.7b&provider=openai`)

    expect(reply.body).toEqual({ tier: 'local_lightweight' })
  })
})

describe('Rhetor routes', () => {
  it('counts tokens, prices texts and estimates a call', async () => {
    const tokens = await call('POST', `${RHETOR}/count-tokens`, { body: { text: 'x'.repeat(41) } })
    const cost = await call('POST', `${RHETOR}/calculate-cost`, { body: { provider: 'openai', model: 'gpt-4o', inputText: 'a'.repeat(4_000), outputText: 'b'.repeat(400) } })
    const estimate = await call('POST', `${RHETOR}/estimate-cost`, { body: { provider: 'openai', model: 'gpt-4o', inputText: 'a'.repeat(4_000), estimatedOutputLength: 400 } })

    expect(tokens.body).toEqual({ tokens: 11, estimated: true })
    expect(cost.body).toMatchObject({ inputTokens: 1_000, outputTokens: 100, totalCost: 0.0035 })
    expect(estimate.body).toEqual(cost.body)
  })

  it('sets and reads limits and enforcement', async () => {
    const set = await call('PUT', `${RHETOR}/limits/weekly`, { body: { limit: 25, provider: 'anthropic', enforcement: 'enforce' } })
    const read = await call('GET', `${RHETOR}/limits/weekly?provider=anthropic`)
    const relaxed = await call('PUT', `${RHETOR}/enforcement/weekly`, { body: { policy: 'warn', provider: 'anthropic' } })
    const enforcement = await call('GET', `${RHETOR}/enforcement/weekly?provider=anthropic`)

    expect(set).toMatchObject({ status: 200, body: { period: 'weekly', provider: 'anthropic', limit: 25, enforcement: 'enforce' } })
    expect(read.body).toEqual(set.body)
    expect(relaxed.body).toMatchObject({ enforcement: 'warn', limit: 25 })
    expect(enforcement.body.enforcement).toBe('warn')
  })

  it('records usage and completions, then totals, lists and summarises them', async () => {
    const usage = await call('POST', `${RHETOR}/usage`, { body: { provider: 'openai', model: 'gpt-4o', component: 'rhetor', taskType: 'code', inputTokens: 10_000, outputTokens: 0, cost: 0.1 } })
    const completion = await call('POST', `${RHETOR}/completions`, { body: { provider: 'openai', model: 'gpt-4o', inputText: 'a'.repeat(4_000), outputText: 'b'.repeat(400), taskType: 'chat' } })
    const total = await call('GET', `${RHETOR}/usage/total?period=daily&provider=openai`)
    const listed = await call('GET', `${RHETOR}/usage?period=daily&provider=openai`)
    const summary = await call('GET', `${RHETOR}/usage/summary?period=daily&groupBy=task_type`)

    expect(usage).toMatchObject({ status: 201, body: { costUsd: 0.025, metadata: { rhetor: { legacyCostUsd: 0.1 } } } })
    expect(completion).toMatchObject({ status: 201, body: { inputTokens: 1_000, outputTokens: 100, totalCost: 0.0035, taskType: 'chat' } })
    expect(total.body).toEqual({ period: 'daily', provider: 'openai', total: 0.0285 })
    expect(listed.body.items).toHaveLength(2)
    expect(summary.body).toMatchObject({ count: 2, totalCost: 0.0285, groups: { code: { count: 1 }, chat: { count: 1 } } })
  })

  it('checks a call against the limits without reserving anything', async () => {
    const reply = await call('POST', `${RHETOR}/check`, { body: { provider: 'anthropic', model: 'claude-3-haiku-20240307', inputText: 'hello' } })
    const reservations = await call('GET', '/api/v1/reservations?budgetId=rhetor')

    expect(reply).toMatchObject({ status: 200, body: { allowed: true, info: { weeklyLimit: 25 } } })
    expect(reservations.body.items).toEqual([])
  })

  it('lists model tiers and finds cheaper models and routes', async () => {
    const tiers = await call('GET', `${RHETOR}/model-tiers?provider=openai`)
    const alternative = await call('POST', `${RHETOR}/cheaper-alternative`, { body: { provider: 'openai', model: 'gpt-4', taskType: 'code' } })
    const route = await call('POST', `${RHETOR}/route`, { body: { inputText: 'hi', defaultProvider: 'openai', defaultModel: 'gpt-4o' } })

    expect(Object.keys(tiers.body)).toEqual(['free', 'low', 'medium', 'high'])
    expect(tiers.body.high.map((m: { model: string }) => m.model)).toContain('gpt-4')
    expect(alternative.body.alternative).toMatchObject({ provider: 'anthropic', costPer1kTokens: expect.any(Number) })
    expect(route.body).toMatchObject({ provider: 'openai', model: 'gpt-4o', isDowngraded: false })
  })

  it('refuses an unknown period', async () => {
    const reply = await call('GET', `${RHETOR}/limits/yearly`)

    expect(reply.status).toBe(400)
  })
})
