/**
 * The legacy Tekton message API over HTTP: `POST /api/mcp/message` with each of the seven
 * `budget.*` message types, answered in the old envelope and payload shapes, on a real
 * listening server.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aKey, aTestServer, type Call, type Json, type TestServer } from '../support/http.js'

/** Sends one legacy message and returns the response envelope (asserting HTTP 200). */
function messenger(call: () => Call) {
  return async (messageType: string, payload: Record<string, unknown>, sender = 'ergon', key?: string): Promise<Json> => {
    const messageId = randomUUID()
    const reply = await call()('POST', '/api/mcp/message', { body: { message_id: messageId, sender, message_type: messageType, payload }, key })
    expect(reply.status, JSON.stringify(reply.body)).toBe(200)
    expect(reply.body).toMatchObject({ request_id: messageId, sender: 'budget', message_id: expect.any(String), timestamp: expect.any(String) })
    return reply.body
  }
}

describe('the seven message types', () => {
  let t: TestServer
  const send = messenger(() => t.call)

  beforeAll(async () => {
    t = await aTestServer()
  })

  afterAll(async () => {
    await t.close()
  })

  it('budget.allocate_tokens allocates to the context and answers an allocation_response', async () => {
    const reply = await send('budget.allocate_tokens', {
      context_id: 'ctx-alloc',
      amount: 5_000,
      tier: 'remote_heavyweight',
      provider: 'anthropic',
      model: 'claude-3-opus-20240229',
      task_type: 'coding',
      priority: 8,
    })

    expect(reply).toMatchObject({
      status: 'success',
      message_type: 'budget.allocation_response',
      error: null,
      payload: { allocation_id: expect.any(String), context_id: 'ctx-alloc', amount: 5_000, remaining: 5_000, tier: 'remote_heavyweight', provider: 'anthropic', model: 'claude-3-opus-20240229' },
    })
    const stored = await t.call('GET', '/api/v1/compat/apollo/allocations/ctx-alloc')
    expect(stored.body).toMatchObject({ id: reply.payload.allocation_id, component: 'ergon', tokensAllocated: 5_000 })
  })

  it('budget.allocate_tokens without an amount grants the default for the task type and priority, in the tier Apollo resolves', async () => {
    const reply = await send('budget.allocate_tokens', { context_id: 'ctx-default', provider: 'ollama', model: 'codellama', task_type: 'coding', priority: 8 })

    expect(reply.payload).toMatchObject({ amount: 16_000, remaining: 16_000, tier: 'local_lightweight' })
  })

  it('budget.check_budget answers a check_response with the allowance and its information', async () => {
    const reply = await send('budget.check_budget', { provider: 'openai', model: 'gpt-4o', input_text: 'x'.repeat(400), task_type: 'chat' })

    expect(reply).toMatchObject({
      status: 'success',
      message_type: 'budget.check_response',
      payload: {
        allowed: true,
        info: { allowed: true, warnings: [], daily_usage: expect.any(Number), daily_limit: 0, estimated_cost: expect.any(Number), cost_estimate: { input_tokens: 100, output_tokens: 125, tokens_estimated: true } },
      },
    })
  })

  it('budget.record_usage with texts counts their tokens and answers the cost', async () => {
    const reply = await send('budget.record_usage', {
      context_id: 'ctx-text',
      provider: 'openai',
      model: 'gpt-4o',
      input_text: 'a'.repeat(4_000),
      output_text: 'b'.repeat(400),
      task_type: 'chat',
      metadata: { turn: 1 },
    }, 'rhetor')

    expect(reply).toMatchObject({ status: 'success', message_type: 'budget.usage_response', payload: { context_id: 'ctx-text', input_tokens: 1_000, output_tokens: 100, total_cost: 0.0035 } })
  })

  it('budget.record_usage with counts and an allocation records at most what remains of it, once per request id', async () => {
    const allocated = await send('budget.allocate_tokens', { context_id: 'ctx-count', amount: 5_000, provider: 'openai', model: 'gpt-4o' })
    const allocationId = allocated.payload.allocation_id
    const usage = (requestId: string) => ({ context_id: 'ctx-count', provider: 'openai', model: 'gpt-4o', input_tokens: 2_000, output_tokens: 1_000, allocation_id: allocationId, request_id: requestId })

    const first = await send('budget.record_usage', usage('req-1'))
    const retried = await send('budget.record_usage', usage('req-1'))
    const second = await send('budget.record_usage', usage('req-2'))

    expect(first.payload).toEqual({ context_id: 'ctx-count', allocation_id: allocationId, recorded_tokens: 3_000, remaining: 2_000, success: true })
    expect(retried.payload).toMatchObject({ recorded_tokens: 3_000, remaining: 2_000 })
    expect(second.payload).toMatchObject({ recorded_tokens: 2_000, remaining: 0 })
    const stored = await t.call('GET', '/api/v1/compat/apollo/allocations/ctx-count')
    expect(stored.body).toMatchObject({ tokensUsed: 5_000, isActive: false })
  })

  it('budget.record_usage with counts and no allocation records the usage as it is', async () => {
    const reply = await send('budget.record_usage', { context_id: 'ctx-free', provider: 'anthropic', model: 'claude-3-haiku-20240307', input_tokens: 700, output_tokens: 300 })

    expect(reply.payload).toEqual({ context_id: 'ctx-free', recorded_tokens: 1_000, remaining: 0, success: true })
    const records = await t.call('GET', '/api/v1/usage?contextId=ctx-free')
    expect(records.body.items).toEqual([expect.objectContaining({ inputTokens: 700, outputTokens: 300, component: 'ergon' })])
  })

  it('budget.record_usage refuses an unknown allocation and a message with neither texts nor counts', async () => {
    const unknown = await send('budget.record_usage', { context_id: 'ctx-x', input_tokens: 1, output_tokens: 1, allocation_id: 'no-such-allocation' })
    const empty = await send('budget.record_usage', { context_id: 'ctx-x', provider: 'openai', model: 'gpt-4o' })

    expect(unknown).toMatchObject({ status: 'error', message_type: 'budget.usage_response', error: expect.stringContaining('no-such-allocation') })
    expect(empty).toMatchObject({ status: 'error', message_type: 'budget.usage_response', error: expect.stringContaining('input_tokens') })
  })

  it('budget.get_budget_status answers a status_response per tier against its token policy', async () => {
    const apollo = await t.call('GET', '/api/v1/budgets/apollo')
    await t.call('POST', '/api/v1/policies', { body: { budgetId: apollo.body.id, type: 'hard_limit', period: 'daily', tokenLimit: 100_000, scope: { tier: 'local_lightweight' } } })
    await send('budget.allocate_tokens', { context_id: 'ctx-status', amount: 1_000, provider: 'ollama', model: 'codellama' })
    await send('budget.record_usage', { context_id: 'ctx-status', provider: 'ollama', model: 'codellama', input_tokens: 600, output_tokens: 0 })

    const reply = await send('budget.get_budget_status', { period: 'daily', tier: 'local_lightweight' }, 'apollo')

    expect(reply).toMatchObject({
      status: 'success',
      message_type: 'budget.status_response',
      payload: { period: 'daily', success: true, tiers: { local_lightweight: { used: 600, limit: 100_000, remaining: 99_400, usage_percentage: 0.006, limit_exceeded: false, allocated: expect.any(Number) } } },
    })
  })

  it('budget.get_model_recommendations answers cheaper models with their savings', async () => {
    const reply = await send('budget.get_model_recommendations', { provider: 'anthropic', model: 'claude-3-opus-20240229', task_type: 'code', context_size: 4_000 })

    expect(reply).toMatchObject({ status: 'success', message_type: 'budget.recommendations_response', payload: { provider: 'anthropic', model: 'claude-3-opus-20240229', context_size: 4_000 } })
    const recommendations = reply.payload.recommendations as Json[]
    expect(recommendations.length).toBeGreaterThan(0)
    for (const r of recommendations) {
      expect(r.estimated_cost).toBeLessThan(r.current_cost)
      expect(r.savings).toBeGreaterThan(0)
    }
  })

  it('budget.route_with_budget_awareness answers the model to use', async () => {
    const reply = await send('budget.route_with_budget_awareness', { input_text: 'hello', task_type: 'chat', default_provider: 'openai', default_model: 'gpt-4o' }, 'rhetor')

    expect(reply).toMatchObject({
      status: 'success',
      message_type: 'budget.routing_response',
      payload: { provider: 'openai', model: 'gpt-4o', warnings: [], original_provider: 'openai', original_model: 'gpt-4o', is_downgraded: false },
    })
  })

  it('budget.get_usage_analytics answers the window’s usage by provider, model, component and task type', async () => {
    await send('budget.record_usage', { context_id: 'ctx-an', provider: 'mistral', model: 'mistral-large-latest', component: 'athena', task_type: 'analysis', input_tokens: 1_234, output_tokens: 56 })

    const reply = await send('budget.get_usage_analytics', { period: 'daily', provider: 'mistral' })

    expect(reply).toMatchObject({
      status: 'success',
      message_type: 'budget.analytics_response',
      payload: {
        period: 'daily',
        success: true,
        record_count: 1,
        total_input_tokens: 1_234,
        total_output_tokens: 56,
        total_tokens: 1_290,
        providers: { mistral: { count: 1, models: { 'mistral-large-latest': { input_tokens: 1_234 } } } },
        components: { athena: { count: 1 } },
        task_types: { analysis: { count: 1 } },
      },
    })
  })

  it('answers an unknown message type with budget.error', async () => {
    const reply = await send('budget.explode', {})

    expect(reply).toMatchObject({ status: 'error', message_type: 'budget.error', error: 'Unknown message type: budget.explode', payload: {} })
  })

  it('answers a payload it cannot read with an error of the response type, not an HTTP error', async () => {
    const reply = await send('budget.check_budget', { model: 'gpt-4o' })

    expect(reply).toMatchObject({ status: 'error', message_type: 'budget.check_response', error: expect.stringContaining('provider') })
  })

  it('refuses an envelope without a message type', async () => {
    const reply = await t.call('POST', '/api/mcp/message', { body: { sender: 'ergon', payload: {} } })

    expect(reply.status).toBe(400)
    expect(reply.body.error.code).toBe('VALIDATION_FAILED')
  })
})

describe('configured from the environment', () => {
  let t: TestServer
  const send = messenger(() => t.call)

  beforeAll(async () => {
    t = await aTestServer({ RHETOR_BUDGET_POLICY: 'enforce', RHETOR_BUDGET_DAILY_LIMIT: '1' })
  })

  afterAll(async () => {
    await t.close()
  })

  it("enforces Rhetor's daily limit across providers: the check refuses and routing downgrades", async () => {
    // gpt-4o input is $2.50 per Mtok: 420,000 tokens are $1.05, past the $1 limit.
    await send('budget.record_usage', { context_id: 'spend', provider: 'openai', model: 'gpt-4o', input_tokens: 420_000, output_tokens: 0 }, 'rhetor')

    const check = await send('budget.check_budget', { provider: 'anthropic', model: 'claude-3-haiku-20240307', input_text: 'hi' }, 'rhetor')
    const route = await send('budget.route_with_budget_awareness', { input_text: 'hi', default_provider: 'openai', default_model: 'gpt-4o' }, 'rhetor')

    expect(check.payload).toMatchObject({ allowed: false, info: { allowed: false, reason: 'Daily budget limit exceeded', limit: 1, policy: 'enforce', limit_provider: 'all' } })
    expect(route.payload).toMatchObject({ provider: 'ollama', model: 'llama3', is_downgraded: true })
  })

  it('needs an API key once one exists, like every /api route', async () => {
    const admin = await aKey(t.call, 'admin')

    const reply = await t.call('POST', '/api/mcp/message', { body: { sender: 'ergon', message_type: 'budget.get_budget_status', payload: {} } })
    const withKey = await send('budget.get_budget_status', {}, 'apollo', admin.key)

    expect(reply.status).toBe(401)
    expect(withKey.status).toBe('success')
  })
})
