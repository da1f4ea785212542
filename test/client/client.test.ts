import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { BudgetClient, BudgetError, type BudgetService } from '../../src/client/index.js'
import type { BudgetEngine } from '../../src/engine/engine.js'
import { aTestServer, type TestServer, uniqueName } from '../support/http.js'

let t: TestServer
let client: BudgetClient

beforeAll(async () => {
  t = await aTestServer()
  client = new BudgetClient({ baseUrl: t.url, retryDelayMs: 1 })
})

afterAll(async () => {
  await t.close()
})

/** A local HTTP server that answers each request with the next of `replies` (the last one repeats). */
async function aScriptedServer(replies: ((res: ServerResponse) => void)[]): Promise<{ url: string; requests: IncomingMessage[]; close(): Promise<void> }> {
  const requests: IncomingMessage[] = []
  const server: Server = createServer((req, res) => {
    requests.push(req)
    const reply = replies[Math.min(requests.length, replies.length) - 1]
    req.resume().on('end', () => reply?.(res))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
}

async function failureOf(promise: Promise<unknown>): Promise<BudgetError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(BudgetError)
  return error as BudgetError
}

describe('BudgetClient against a real server', () => {
  it('offers the same operations as the engine, so either can serve as a BudgetService', () => {
    expectTypeOf<BudgetClient>().toExtend<BudgetService>()
    expectTypeOf<BudgetEngine>().toExtend<BudgetService>()
  })

  it('runs a budget through check, record and summary', async () => {
    const budget = await client.createBudget({ name: uniqueName() })
    await client.createPolicy({ budgetId: budget.id, type: 'hard_limit', period: 'daily', tokenLimit: 10_000 })

    const decision = await client.check({ budgetId: budget.name, provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputTokens: 1_000, maxOutputTokens: 500 })
    const { record, created } = await client.recordUsage({ reservationId: decision.reservation!.id, provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputTokens: 800, outputTokens: 100 })

    expect(decision).toMatchObject({ allowed: true, action: 'allow' })
    expect(created).toBe(true)
    expect(record.budgetId).toBe(budget.id)
    const summary = await client.summary(budget.id)
    expect(summary.policies[0]).toMatchObject({ tokensUsed: 900, tokensReserved: 0, status: 'ok' })
    expect((await client.usageSummary({ budgetId: budget.id, groupBy: ['model'] })).totals.requests).toBe(1)
  })

  it('says created: false when a usage id is recorded again', async () => {
    const usage = { id: uniqueName('usage'), provider: 'openai', model: 'gpt-4o', inputTokens: 10, outputTokens: 5 }

    const first = await client.recordUsage(usage)
    const second = await client.recordUsage(usage)

    expect(first.created).toBe(true)
    expect(second).toEqual({ record: first.record, created: false })
  })

  it('lists what it created, unwrapped from the API page', async () => {
    const budget = await client.createBudget({ name: uniqueName() })

    const budgets = await client.listBudgets()

    expect(budgets.map((b) => b.id)).toContain(budget.id)
  })

  it('throws NOT_FOUND with the API details for an unknown budget', async () => {
    const error = await failureOf(client.getBudget('no-such-budget'))

    expect(error.code).toBe('NOT_FOUND')
    expect(error.status).toBe(404)
    expect(error.details).toMatchObject({ kind: 'budget', id: 'no-such-budget' })
  })

  it('throws VALIDATION_FAILED with the field paths for an invalid policy', async () => {
    const budget = await client.createBudget({ name: uniqueName() })

    const error = await failureOf(client.createPolicy({ budgetId: budget.id, type: 'hard_limit', period: 'daily' }))

    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.status).toBe(400)
    expect(error.details?.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: ['body', 'tokenLimit'] })]))
  })

  it('resolves a blocked check as a decision, not an error', async () => {
    const budget = await client.createBudget({ name: uniqueName() })
    await client.createPolicy({ budgetId: budget.id, type: 'hard_limit', period: 'daily', tokenLimit: 100 })

    const decision = await client.check({ budgetId: budget.id, provider: 'openai', model: 'gpt-4o', inputTokens: 1_000, maxOutputTokens: 500 })

    expect(decision).toMatchObject({ allowed: false, action: 'block', reservation: null })
  })

  it('sends the API key, and reports UNAUTHENTICATED once keys exist and none is sent', async () => {
    const server = await aTestServer()
    try {
      const open = new BudgetClient({ baseUrl: server.url })
      const admin = await open.createKey({ name: 'admin', role: 'admin' })

      const error = await failureOf(open.listBudgets())
      const keyed = new BudgetClient({ baseUrl: server.url, apiKey: admin.key })

      expect(error.code).toBe('UNAUTHENTICATED')
      expect(await keyed.listBudgets()).toEqual([])
    } finally {
      await server.close()
    }
  })
})

describe('BudgetClient retries', () => {
  it('retries a 503 and returns the answer that follows', async () => {
    const server = await aScriptedServer([json(503, { error: { code: 'UNAVAILABLE', message: 'busy', details: {} } }, { 'retry-after': '0' }), json(200, { items: [] })])
    try {
      const budgets = await new BudgetClient({ baseUrl: server.url, retryDelayMs: 1 }).listBudgets()

      expect(budgets).toEqual([])
      expect(server.requests).toHaveLength(2)
    } finally {
      await server.close()
    }
  })

  it('waits as long as Retry-After says before retrying a 429', async () => {
    const server = await aScriptedServer([json(429, { error: { code: 'RATE_LIMITED', message: 'slow down', details: {} } }, { 'retry-after': '1' }), json(200, { items: [] })])
    try {
      const started = Date.now()

      await new BudgetClient({ baseUrl: server.url, retryDelayMs: 1 }).listKeys()

      expect(Date.now() - started).toBeGreaterThanOrEqual(950)
      expect(server.requests).toHaveLength(2)
    } finally {
      await server.close()
    }
  })

  it('gives up after the configured retries with the last answer as the error', async () => {
    const server = await aScriptedServer([json(503, { error: { code: 'UNAVAILABLE', message: 'still busy', details: {} } })])
    try {
      const error = await failureOf(new BudgetClient({ baseUrl: server.url, retries: 2, retryDelayMs: 1 }).listBudgets())

      expect(error.code).toBe('UNAVAILABLE')
      expect(error.message).toBe('still busy')
      expect(server.requests).toHaveLength(3)
    } finally {
      await server.close()
    }
  })

  it('retries usage after a dropped connection, with the same idempotency id', async () => {
    const server = await aScriptedServer([(res) => res.socket?.destroy(), json(201, { id: 'x' })])
    try {
      const { created } = await new BudgetClient({ baseUrl: server.url, retryDelayMs: 1 }).recordUsage({ provider: 'openai', model: 'gpt-4o', inputTokens: 1, outputTokens: 1 })

      expect(created).toBe(true)
      expect(server.requests).toHaveLength(2)
    } finally {
      await server.close()
    }
  })

  it('does not repeat a check whose connection dropped after it was sent', async () => {
    const server = await aScriptedServer([(res) => res.socket?.destroy(), json(200, {})])
    try {
      const error = await failureOf(new BudgetClient({ baseUrl: server.url, retryDelayMs: 1 }).check({ provider: 'openai', model: 'gpt-4o', inputTokens: 1, maxOutputTokens: 1 }))

      expect(error.code).toBe('UNAVAILABLE')
      expect(server.requests).toHaveLength(1)
    } finally {
      await server.close()
    }
  })

  it('reports UNAVAILABLE when nothing listens, after retrying', async () => {
    const server = await aScriptedServer([json(200, {})])
    const url = server.url
    await server.close()

    const error = await failureOf(new BudgetClient({ baseUrl: url, retries: 1, retryDelayMs: 1 }).check({ provider: 'openai', model: 'gpt-4o', inputTokens: 1, maxOutputTokens: 1 }))

    expect(error.code).toBe('UNAVAILABLE')
    expect(error.details).toMatchObject({ url: `${url}/api/v1/check` })
  })

  it('times out a request that gets no answer', async () => {
    const server = await aScriptedServer([() => {}])
    try {
      const error = await failureOf(new BudgetClient({ baseUrl: server.url, timeoutMs: 100, retries: 0 }).getBudget('slow'))

      expect(error.code).toBe('UNAVAILABLE')
      expect(error.details).toMatchObject({ timedOut: true })
    } finally {
      server.requests.forEach((req) => req.socket.destroy())
      await server.close()
    }
  })
})
