/**
 * Alerts raised by recording usage through the engine: thresholds per window, one alert
 * per policy, window and type, a new window alerting again, reservations, batches, and
 * evaluation on demand.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Alert } from '../../src/domain/alert.js'
import { aBudgetWithPolicy, aCall, aRecord, aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'

const HOUR = 3_600_000
const MINUTE = 60_000
const BASE = Date.parse('2026-03-10T00:00:00Z')

let t: TestEngine

/** Every alert of one budget, oldest first. */
async function alertsOf(budgetId: string): Promise<Alert[]> {
  const page = await t.engine.listAlerts({ budgetId, limit: 1000 })
  return [...page.items].reverse()
}

/** Records tokens (input only) at an instant and waits for alerting to settle. */
async function recordAt(budgetId: string, atMs: number, tokens: number) {
  t.clock.now = atMs
  await t.engine.recordUsage({ ...aRecord({ budgetId, inputTokens: tokens, outputTokens: 0 }) } as never)
  await t.engine.alerts.idle()
}

/** The forecast rule, restated: linear rate over the hour so far reaches the limit before the hour ends. */
function forecastDue(used: number, limit: number, windowStart: number, at: number): boolean {
  const elapsed = at - windowStart
  if (used <= 0 || used >= limit || elapsed < HOUR / 10) return false
  return windowStart + Math.ceil((elapsed * limit) / used) < windowStart + HOUR
}

describe.each(STORE_KINDS)('threshold alerts on %s', (store) => {
  beforeAll(async () => {
    t = await aTestEngine({ store, startMs: BASE })
  })

  afterAll(async () => {
    await t.dispose()
  })

  it('raises each type once per window, exactly when that window crosses its threshold', async () => {
    const aRecordPlan = fc.record({ minute: fc.integer({ min: 0, max: 239 }), tokens: fc.integer({ min: 1, max: 450 }) })
    await fc.assert(
      fc.asyncProperty(fc.array(aRecordPlan, { minLength: 1, maxLength: 14 }), async (plan) => {
        const { budget, policy } = await aBudgetWithPolicy(t, { type: 'warn', period: 'hourly', tokenLimit: 1_000, warningThreshold: 0.5, actionThreshold: 0.8 })
        const expected = new Set<string>()
        const usedByHour = new Map<number, number>()

        for (const { minute, tokens } of [...plan].sort((a, b) => a.minute - b.minute)) {
          const at = BASE + minute * MINUTE
          const hour = Math.floor(at / HOUR) * HOUR
          const used = (usedByHour.get(hour) ?? 0) + tokens
          usedByHour.set(hour, used)
          if (used >= 500) expected.add(`${hour}:warning`)
          if (used >= 800) expected.add(`${hour}:action`)
          if (used >= 1_000) expected.add(`${hour}:exceeded`)
          if (forecastDue(used, 1_000, hour, at)) expected.add(`${hour}:forecast`)
          await recordAt(budget.id, at, tokens)
        }

        const alerts = await alertsOf(budget.id)
        const raised = alerts.map((a) => `${Date.parse(a.windowStart as string)}:${a.type}`)
        expect(new Set(raised).size).toBe(raised.length)
        expect(new Set(raised)).toEqual(expected)
        expect(alerts.every((a) => a.policyId === policy.id && Date.parse(a.windowEnd as string) - Date.parse(a.windowStart as string) === HOUR)).toBe(true)
      }),
      { numRuns: 25 },
    )
  })

  it('alerts again in the next window, and not again in the same one', async () => {
    const { budget } = await aBudgetWithPolicy(t, { period: 'hourly', tokenLimit: 1_000 })

    await recordAt(budget.id, BASE + 5 * MINUTE, 850)
    await recordAt(budget.id, BASE + 7 * MINUTE, 10)
    await t.engine.checkAlerts({ budgetId: budget.id })
    await recordAt(budget.id, BASE + HOUR + 5 * MINUTE, 850)

    const warnings = (await alertsOf(budget.id)).filter((a) => a.type === 'warning')
    expect(warnings.map((a) => [a.type, a.windowStart])).toEqual([
      ['warning', '2026-03-10T00:00:00.000Z'],
      ['warning', '2026-03-10T01:00:00.000Z'],
    ])
  })

  it('judges the record that closes a window in that window, even when evaluated later', async () => {
    const { budget } = await aBudgetWithPolicy(t, { period: 'hourly', tokenLimit: 1_000 })
    t.clock.now = BASE + HOUR + MINUTE

    await t.engine.recordUsage(aRecord({ budgetId: budget.id, inputTokens: 1_000, outputTokens: 0, timestamp: new Date(BASE + HOUR - 1).toISOString() }) as never)
    await t.engine.alerts.idle()

    const alerts = await alertsOf(budget.id)
    expect(alerts.map((a) => a.type)).toEqual(['warning', 'action', 'exceeded'])
    expect(alerts.every((a) => a.windowStart === '2026-03-10T00:00:00.000Z')).toBe(true)
  })

  it('warns when a check reserves past the warning threshold, before any usage', async () => {
    const { budget } = await aBudgetWithPolicy(t, { period: 'daily', tokenLimit: 10_000 })
    t.clock.now = BASE + 23 * HOUR

    const decision = await t.engine.check(aCall({ budgetId: budget.id, inputTokens: 6_000, maxOutputTokens: 2_500 }) as never)
    await t.engine.alerts.idle()

    expect(decision.allowed).toBe(true)
    expect((await alertsOf(budget.id)).map((a) => [a.type, a.metric, a.value])).toEqual([['warning', 'tokens', 8_500]])
  })

  it('evaluates the budgets a batch touched', async () => {
    const { budget } = await aBudgetWithPolicy(t, { period: 'daily', tokenLimit: 10_000 })
    t.clock.now = BASE + 23 * HOUR

    await t.engine.recordBatch([aRecord({ budgetId: budget.id, inputTokens: 6_000, outputTokens: 0 }), aRecord({ budgetId: budget.id, inputTokens: 5_000, outputTokens: 0 })] as never)
    await t.engine.alerts.idle()

    expect((await alertsOf(budget.id)).map((a) => a.type)).toEqual(['warning', 'action', 'exceeded'])
  })

  it('raises on demand what events did not, and nothing twice', async () => {
    const { budget, policy } = await aBudgetWithPolicy(t, { period: 'daily', tokenLimit: 10_000 })
    t.clock.now = BASE + 23 * HOUR
    await t.engine.recordUsage(aRecord({ budgetId: budget.id, inputTokens: 8_000, outputTokens: 0 }) as never)
    await t.engine.alerts.idle()
    await t.engine.updatePolicy(policy.id, { warningThreshold: 0.5, actionThreshold: 0.7 })

    const first = await t.engine.checkAlerts({ budgetId: budget.id })
    const second = await t.engine.checkAlerts({ budgetId: budget.id })

    expect(first.raised.map((a) => a.type)).toEqual(['action'])
    expect(second.raised).toEqual([])
  })

  it('reports a cost alert in decimal USD', async () => {
    const { budget } = await aBudgetWithPolicy(t, { period: 'daily', tokenLimit: undefined, costLimitUsd: 0.01 })
    t.clock.now = BASE + 23 * HOUR

    await t.engine.recordUsage(aRecord({ budgetId: budget.id, inputTokens: 3_000, outputTokens: 0 }) as never)
    await t.engine.alerts.idle()

    expect(await alertsOf(budget.id)).toMatchObject([{ type: 'warning', metric: 'cost', value: 0.009, limit: 0.01 }])
  })
})
