/**
 * Per-session policies: each session is its own window, so each session alerts once per
 * type; records of several sessions coalesced into one evaluation each get theirs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aBudgetWithPolicy, aRecord, aTestEngine, type TestEngine } from '../support/engine.js'

let t: TestEngine

beforeAll(async () => {
  t = await aTestEngine()
})

afterAll(async () => {
  await t.dispose()
})

describe('per-session alerts', () => {
  it('alerts once per session and type, for sessions recorded together', async () => {
    const { budget } = await aBudgetWithPolicy(t, { type: 'warn', period: 'per_session', tokenLimit: 1_000 })
    const record = (contextId: string, inputTokens: number) => t.engine.recordUsage(aRecord({ budgetId: budget.id, contextId, inputTokens, outputTokens: 0 }) as never)

    await Promise.all([record('s-1', 900), record('s-2', 1_200), record('s-3', 100)])
    await record('s-1', 40)
    await t.engine.alerts.idle()

    const alerts = (await t.engine.listAlerts({ budgetId: budget.id, limit: 100 })).items
    const raised = alerts.map((a) => `${String(a.details.contextId)}:${a.type}`).sort()
    expect(raised).toEqual(['s-1:warning', 's-2:action', 's-2:exceeded', 's-2:warning'])
    expect(alerts.every((a) => a.windowStart === null)).toBe(true)
  })
})
