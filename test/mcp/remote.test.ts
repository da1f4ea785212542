/**
 * `budget mcp --server URL`: the stdio server over a running service, through the typed
 * client — the same tools, reaching the service's REST API, and subscriptions that poll.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aKey, aTestServer, type TestServer, uniqueName } from '../support/http.js'
import { type McpConnection, overStdio, structured } from './support.js'

let t: TestServer
let mcp: McpConnection

beforeAll(async () => {
  t = await aTestServer()
  const admin = (await aKey(t.call, 'admin')).key
  mcp = await overStdio(['--server', t.url, '--api-key', admin])
})

afterAll(async () => {
  await mcp.close()
  await t.close()
})

describe('budget mcp --server', () => {
  it('reserves, routes and records on the server', async () => {
    const engine = t.server.engine.engine
    const budget = await engine.createBudget({ name: uniqueName() })
    await engine.createPolicy({ budgetId: budget.id, type: 'soft_limit', period: 'daily', costLimitUsd: 0.01 })
    const call = { budgetId: budget.name, provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputTokens: 1_000, maxOutputTokens: 500 }

    const routed = structured(await mcp.client.callTool({ name: 'route_with_budget_awareness', arguments: call }))
    const recorded = structured(
      await mcp.client.callTool({ name: 'record_usage', arguments: { reservationId: routed.decision.reservation.id, provider: 'anthropic', model: routed.model, inputTokens: 900, outputTokens: 100 } }),
    )

    expect(routed.downgraded).toBe(true)
    expect(recorded.record).toMatchObject({ budgetId: budget.id, model: routed.model })
    expect((await engine.getReservation(routed.decision.reservation.id)).status).toBe('committed')
  })

  it('recommends cheaper models through the server', async () => {
    const result = structured(await mcp.client.callTool({ name: 'get_model_recommendations', arguments: { provider: 'openai', model: 'gpt-4o' } }))

    expect(result.alternatives.length).toBeGreaterThan(0)
  })
})
