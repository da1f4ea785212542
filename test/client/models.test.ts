/**
 * The typed client's model operations against a running service: recommendations and
 * budget-aware routing, with the roles they need.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BudgetClient, BudgetError } from '../../src/client/index.js'
import { aBudgetWithPolicy, aKey, aTestServer, type TestServer } from '../support/http.js'

let t: TestServer
let admin: string
let writer: BudgetClient
let reader: BudgetClient

beforeAll(async () => {
  t = await aTestServer()
  admin = (await aKey(t.call, 'admin')).key
  writer = new BudgetClient({ baseUrl: t.url, apiKey: (await aKey(t.call, 'write', admin)).key })
  reader = new BudgetClient({ baseUrl: t.url, apiKey: (await aKey(t.call, 'read', admin)).key })
})

afterAll(async () => {
  await t.close()
})

const call = { provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputTokens: 1_000, maxOutputTokens: 500 }

describe('BudgetClient model operations', () => {
  it('recommends cheaper models of the same provider, cheapest first, with a read key', async () => {
    const result = await reader.recommendModels({ provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputTokens: 2_000, outputTokens: 500, limit: 3 })

    const costs = result.alternatives.map((a) => a.estimatedCostUsd ?? Infinity)
    expect(result.resolvedModel).not.toBeNull()
    expect(result.alternatives.length).toBeGreaterThan(0)
    expect(costs).toEqual([...costs].sort((a, b) => a - b))
    expect(Math.max(...costs)).toBeLessThan(result.estimatedCostUsd!)
    expect(result.alternatives.every((a) => a.provider === 'anthropic')).toBe(true)
  })

  it('knows no alternatives for a model the catalog does not know', async () => {
    const result = await reader.recommendModels({ provider: 'nobody', model: 'no-such-model' })

    expect(result).toMatchObject({ resolvedModel: null, estimatedCostUsd: null, alternatives: [] })
  })

  it('routes to the model asked for when it fits, keeping its reservation', async () => {
    const { budget } = await aBudgetWithPolicy(t.call, { tokenLimit: 1_000_000 }, admin)

    const routed = await writer.routeWithBudget({ ...call, budgetId: budget.id })

    expect(routed).toMatchObject({ model: call.model, downgraded: false, decision: { allowed: true, action: 'allow' } })
    expect(routed.tried).toHaveLength(1)
  })

  it('routes a blocked call to the first candidate that fits and keeps only its reservation', async () => {
    const { budget } = await aBudgetWithPolicy(t.call, { costLimitUsd: 0.005 }, admin)
    const candidates = [
      { provider: 'anthropic', model: 'claude-opus-4-20250514' },
      { provider: 'anthropic', model: 'claude-3-5-haiku-20241022' },
    ]

    const routed = await writer.routeWithBudget({ ...call, budgetId: budget.id, candidates })

    expect(routed).toMatchObject({ model: 'claude-3-5-haiku-20241022', downgraded: true, decision: { allowed: true } })
    expect(routed.tried.map((a) => [a.model, a.action])).toEqual([
      [call.model, 'block'],
      ['claude-opus-4-20250514', 'block'],
      ['claude-3-5-haiku-20241022', 'allow'],
    ])
    const active = await writer.listReservations({ budgetId: budget.id, status: 'active' })
    expect(active.map((r) => r.id)).toEqual([routed.decision.reservation!.id])
  })

  it('keeps the model asked for past a soft limit when no candidate fits either, with one reservation', async () => {
    const { budget } = await aBudgetWithPolicy(t.call, { type: 'soft_limit', costLimitUsd: 0.000001 }, admin)

    const routed = await writer.routeWithBudget({ ...call, budgetId: budget.id })

    expect(routed).toMatchObject({ model: call.model, downgraded: false, decision: { allowed: true, action: 'downgrade' } })
    expect(routed.tried.length).toBeGreaterThan(2)
    const active = await writer.listReservations({ budgetId: budget.id, status: 'active' })
    expect(active.map((r) => r.id)).toEqual([routed.decision.reservation!.id])
  })

  it('answers blocked, with no reservation left, when no candidate fits', async () => {
    const { budget } = await aBudgetWithPolicy(t.call, { tokenLimit: 10 }, admin)

    const routed = await writer.routeWithBudget({ ...call, budgetId: budget.id })

    expect(routed).toMatchObject({ model: call.model, downgraded: false, decision: { allowed: false, action: 'block', reservation: null } })
    expect(await writer.listReservations({ budgetId: budget.id, status: 'active' })).toEqual([])
  })

  it('refuses routing to a read key, which may not reserve', async () => {
    const error = await reader.routeWithBudget(call).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(BudgetError)
    expect((error as BudgetError).code).toBe('FORBIDDEN')
  })

  it('refuses a bad request with the field at fault', async () => {
    const error = (await writer.recommendModels({ provider: 'openai', model: 'gpt-4o', limit: 0 }).catch((e: unknown) => e)) as BudgetError

    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.details?.issues).toEqual([expect.objectContaining({ path: ['body', 'limit'] })])
  })
})
