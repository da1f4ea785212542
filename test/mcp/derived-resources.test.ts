/**
 * Subscriptions to what the service derives on its own, over HTTP: a price it applies
 * (budget://prices) and an alert its evaluator raises (budget://alerts).
 */
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aBudgetWithPolicy, aTestServer, type TestServer } from '../support/http.js'
import { type McpConnection, overHttp, readJson } from './support.js'

let t: TestServer
let mcp: McpConnection

beforeAll(async () => {
  t = await aTestServer()
  mcp = await overHttp(t.url, t.server.engine.engine)
})

afterAll(async () => {
  await mcp.close()
  await t.close()
})

describe('subscriptions to derived resources', () => {
  it('notifies a subscriber when a price changes, and then reads the new price', async () => {
    const uri = 'budget://prices'
    const updated = new Promise<void>((resolve) => {
      mcp.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
        if (n.params.uri === uri) resolve()
      })
    })
    await mcp.client.subscribeResource({ uri })

    await t.server.engine.engine.setManualPrice({ provider: 'openai', model: 'gpt-4o', inputPerMtok: 1.25, outputPerMtok: 5 }, 'tests')

    await updated
    const prices = await readJson(mcp, uri)
    expect(prices.items.find((p: { provider: string; model: string }) => p.provider === 'openai' && p.model === 'gpt-4o')).toMatchObject({ inputPerMtok: 1.25, outputPerMtok: 5 })
  })

  it('notifies a subscriber of budget://alerts when usage raises a warning alert', async () => {
    const uri = 'budget://alerts'
    const { budget } = await aBudgetWithPolicy(t.call, { tokenLimit: 10_000 })
    const updated = new Promise<void>((resolve) => {
      mcp.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
        if (n.params.uri === uri) resolve()
      })
    })
    await mcp.client.subscribeResource({ uri })

    await mcp.client.callTool({ name: 'record_usage', arguments: { budgetId: budget.id, provider: 'openai', model: 'gpt-4o', inputTokens: 8_000, outputTokens: 500 } })

    await updated
    const alerts = await readJson(mcp, uri)
    expect(alerts.items).toEqual(expect.arrayContaining([expect.objectContaining({ budgetId: budget.id, type: 'warning' })]))
  })
})
