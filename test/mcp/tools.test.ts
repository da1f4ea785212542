/**
 * The MCP server as an MCP client sees it, over both transports: stdio (the built
 * `budget mcp`, spawned) and Streamable HTTP (/mcp on a running service). Every tool is
 * listed with its schemas and called; bad arguments fail the input schema; engine errors
 * come back as error results with the API's code; resources read and notify.
 */
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aTestServer, type TestServer, uniqueName } from '../support/http.js'
import { errorOf, errorText, type McpConnection, overHttp, overStdio, readJson, structured } from './support.js'

const TOOL_NAMES = [
  'allocate_budget',
  'check_budget',
  'record_usage',
  'get_budget_status',
  'get_model_recommendations',
  'route_with_budget_awareness',
  'get_usage_analytics',
  'get_prices',
  'calculate_cost',
]

const MODEL = { provider: 'anthropic', model: 'claude-sonnet-4-20250514' }
const aCall = (extra: Record<string, unknown> = {}) => ({ ...MODEL, inputTokens: 1_000, maxOutputTokens: 500, ...extra })

interface Transport {
  name: string
  connect(): Promise<McpConnection>
  stop?(): Promise<void>
}

let server: TestServer | undefined

const TRANSPORTS: Transport[] = [
  { name: 'stdio', connect: () => overStdio() },
  {
    name: 'streamable HTTP',
    async connect() {
      server ??= await aTestServer()
      return overHttp(server.url, server.server.engine.engine)
    },
    stop: async () => server?.close(),
  },
]

describe.each(TRANSPORTS)('MCP over $name', (transport) => {
  let mcp: McpConnection

  beforeAll(async () => {
    mcp = await transport.connect()
  })

  afterAll(async () => {
    await mcp.close()
    await transport.stop?.()
  })

  async function aBudgetWithPolicy(policy: Record<string, unknown> = {}) {
    const budget = await mcp.service.createBudget({ name: uniqueName() })
    const created = await mcp.service.createPolicy({ budgetId: budget.id, type: 'hard_limit', period: 'daily', tokenLimit: 10_000, ...policy } as never)
    return { budget, policy: created }
  }

  const call = (name: string, args: Record<string, unknown>) => mcp.client.callTool({ name, arguments: args })

  it('lists the nine tools, each with an input and an output schema', async () => {
    const { tools } = await mcp.client.listTools()

    expect(tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort())
    for (const tool of tools) {
      expect(tool.description, tool.name).toBeTruthy()
      expect(tool.inputSchema.type, tool.name).toBe('object')
      expect(tool.outputSchema?.type, tool.name).toBe('object')
    }
    const check = tools.find((t) => t.name === 'check_budget')
    expect(check?.inputSchema.required).toEqual(expect.arrayContaining(['provider', 'model', 'inputTokens', 'maxOutputTokens']))
  })

  it('reserves with check_budget and commits the reservation with record_usage, priced as calculate_cost prices it', async () => {
    const { budget } = await aBudgetWithPolicy()

    const decision = structured(await call('check_budget', aCall({ budgetId: budget.name })))
    const usage = { ...MODEL, reservationId: decision.reservation.id, inputTokens: 800, outputTokens: 300, cacheReadTokens: 200 }
    const recorded = structured(await call('record_usage', usage))
    const cost = structured(await call('calculate_cost', { ...MODEL, inputTokens: 800, outputTokens: 300, cacheReadTokens: 200 }))

    expect(decision).toMatchObject({ allowed: true, action: 'allow', reservation: { tokensReserved: 1_500 } })
    expect(recorded).toMatchObject({ created: true, record: { budgetId: budget.id, reservationId: decision.reservation.id, costUsd: cost.costUsd } })
    expect((await mcp.service.getReservation(decision.reservation.id)).status).toBe('committed')
  })

  it('allocates for a session with allocate_budget, which needs the session id', async () => {
    const { budget } = await aBudgetWithPolicy({ period: 'per_session' })

    const allocation = structured(await call('allocate_budget', aCall({ budgetId: budget.id, contextId: 'session-1' })))
    const withoutSession = await call('allocate_budget', aCall({ budgetId: budget.id }))

    expect(allocation.allowed).toBe(true)
    expect((await mcp.service.getReservation(allocation.reservation.id)).contextId).toBe('session-1')
    expect(errorText(withoutSession)).toContain('contextId')
  })

  it('says a call is blocked, as a decision, when a hard limit would pass', async () => {
    const { budget } = await aBudgetWithPolicy({ tokenLimit: 1_000 })

    const decision = structured(await call('check_budget', aCall({ budgetId: budget.id })))

    expect(decision).toMatchObject({ allowed: false, action: 'block', reservation: null })
    expect(decision.suggestedModel).toMatchObject({ provider: 'anthropic' })
  })

  it('shows where budgets stand with get_budget_status, one budget or all', async () => {
    const { budget, policy } = await aBudgetWithPolicy()
    await mcp.service.recordUsage({ ...MODEL, budgetId: budget.id, inputTokens: 7_000, outputTokens: 1_500 })

    const one = structured(await call('get_budget_status', { budgetId: budget.name }))
    const all = structured(await call('get_budget_status', {}))

    expect(one.items).toHaveLength(1)
    expect(one.items[0].summary.policies[0]).toMatchObject({ policyId: policy.id, tokensUsed: 8_500, status: 'warning' })
    expect(all.items.map((i: { budget: { id: string } }) => i.budget.id)).toContain(budget.id)
  })

  it('names cheaper models with get_model_recommendations', async () => {
    const result = structured(await call('get_model_recommendations', { ...MODEL, limit: 2 }))

    expect(result.alternatives.length).toBeGreaterThan(0)
    expect(result.alternatives.length).toBeLessThanOrEqual(2)
    for (const alternative of result.alternatives) expect(alternative.estimatedCostUsd).toBeLessThan(result.estimatedCostUsd)
  })

  it('routes a call past a soft limit to a cheaper model with route_with_budget_awareness', async () => {
    const { budget } = await aBudgetWithPolicy({ type: 'soft_limit', costLimitUsd: 0.01 })

    const routed = structured(await call('route_with_budget_awareness', aCall({ budgetId: budget.id })))

    expect(routed).toMatchObject({ provider: 'anthropic', downgraded: true, decision: { allowed: true } })
    expect(routed.model).not.toBe(MODEL.model)
    expect((await mcp.service.listReservations({ budgetId: budget.id, status: 'active', limit: 100 })).map((r) => r.model)).toEqual([routed.model])
  })

  it('totals usage with get_usage_analytics, grouped as asked', async () => {
    const { budget } = await aBudgetWithPolicy({ tokenLimit: 1_000_000 })
    await mcp.service.recordUsage({ ...MODEL, budgetId: budget.id, inputTokens: 100, outputTokens: 50 })
    await mcp.service.recordUsage({ provider: 'openai', model: 'gpt-4o', budgetId: budget.id, inputTokens: 10, outputTokens: 5 })

    const summary = structured(await call('get_usage_analytics', { budgetId: budget.id, groupBy: ['provider'] }))

    expect(summary.totals).toMatchObject({ requests: 2, totalTokens: 165 })
    expect(summary.groups).toHaveLength(2)
  })

  it('lists current prices with get_prices, at most `limit` of them', async () => {
    const prices = structured(await call('get_prices', { provider: 'openai', limit: 3 }))

    expect(prices.items).toHaveLength(3)
    expect(prices.total).toBeGreaterThan(3)
    expect(prices.items.every((p: { provider: string }) => p.provider === 'openai')).toBe(true)
  })

  it('refuses arguments that fail the input schema, naming the field, and reserves nothing', async () => {
    const { budget } = await aBudgetWithPolicy()

    const result = await call('check_budget', aCall({ budgetId: budget.id, inputTokens: -5 }))

    expect(errorText(result)).toContain('inputTokens')
    expect(await mcp.service.listReservations({ budgetId: budget.id, limit: 100 })).toEqual([])
  })

  it('answers an engine error with an error result that carries its code', async () => {
    const result = await call('check_budget', aCall({ budgetId: 'no-such-budget' }))

    expect(errorOf(result)).toMatchObject({ code: 'NOT_FOUND', details: { kind: 'budget', id: 'no-such-budget' } })
  })

  it('reads a budget, the alerts and the prices as resources', async () => {
    const { budget } = await aBudgetWithPolicy()

    const listed = await mcp.client.listResources()
    const read = (uri: string) => readJson(mcp, uri)

    expect(listed.resources.map((r) => r.uri)).toEqual(expect.arrayContaining(['budget://alerts', 'budget://prices', `budget://${budget.id}`]))
    expect(await read(`budget://${budget.id}`)).toMatchObject({ budget: { id: budget.id }, summary: { budgetId: budget.id } })
    expect(await read(`budget://${encodeURIComponent(budget.name)}`)).toMatchObject({ budget: { id: budget.id } })
    expect((await read('budget://alerts')).items).toBeInstanceOf(Array)
    expect((await read('budget://prices')).items.length).toBeGreaterThan(10)
    await expect(mcp.client.readResource({ uri: 'budget://no-such-budget' })).rejects.toThrow(/does not exist/)
  })

  it('notifies a subscriber when a usage record pushes the budget to warning', async () => {
    const { budget } = await aBudgetWithPolicy()
    const uri = `budget://${budget.id}`
    const updated = new Promise<string>((resolve) => {
      mcp.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
        if (notification.params.uri === uri) resolve(notification.params.uri)
      })
    })
    await mcp.client.subscribeResource({ uri })

    await call('record_usage', { ...MODEL, budgetId: budget.id, inputTokens: 8_000, outputTokens: 500 })

    expect(await updated).toBe(uri)
    const after = await readJson(mcp, uri)
    expect(after.summary.policies[0].status).toBe('warning')
  })
})
