import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ActivityQuery, OutlookQuery, TopReportQuery } from '../../src/domain/report.js'
import { aRecord, aTestEngine, STORE_KINDS, type TestEngine } from '../support/engine.js'

const NOW = Date.parse('2026-03-10T12:00:00Z')
const at = (iso: string) => ({ timestamp: iso })
/** claude-sonnet-4: 1,000 input at $3/M + 500 output at $15/M. */
const RECORD_USD = 0.0105

describe.each(STORE_KINDS)('budgets, forecast, top and activity reports on %s', (store) => {
  let t: TestEngine

  beforeEach(async () => {
    t = await aTestEngine({ store, startMs: NOW })
  })

  afterEach(async () => {
    await t.dispose()
  })

  async function teamBudget() {
    const budget = await t.engine.createBudget({ name: 'team' })
    const daily = await t.engine.createPolicy({ budgetId: budget.id, type: 'hard_limit', period: 'daily', tokenLimit: 10_000 })
    const session = await t.engine.createPolicy({ budgetId: budget.id, type: 'warn', period: 'per_session', tokenLimit: 50_000 })
    return { budget, daily, session }
  }

  it('projects a daily window linearly from its window-to-date rate and reports both burn rates', async () => {
    const { budget, daily } = await teamBudget()
    await t.engine.recordBatch(['2026-03-10T00:30:00Z', '2026-03-10T06:30:00Z', '2026-03-10T11:30:00Z'].map((iso) => aRecord({ budgetId: budget.id, ...at(iso) })))

    const report = await t.engine.budgetsReport(OutlookQuery.parse({ recentHours: 6 }))

    const policy = report.budgets[0]?.policies.find((p) => p.policyId === daily.id)
    expect(policy).toMatchObject({
      tokensUsed: 4_500,
      remainingTokens: 5_500,
      utilizationPercent: 45,
      status: 'ok',
      // 4,500 tokens in 12 h of the day: 375 an hour, 9,000 by midnight, past the 80 % warning.
      burnRate: { windowToDate: { tokensPerHour: 375 }, recent: { tokensPerHour: 300 } },
      forecast: { tokens: 9_000, utilization: 0.9, status: 'warning' },
      // 5,500 left at 300 an hour lasts past midnight.
      exhaustionAt: null,
      exhaustsInWindow: false,
    })
    expect(report.method.name).toBe('linear')
  })

  it('says when the recent burn rate exhausts a limit inside the window', async () => {
    const { budget, daily } = await teamBudget()
    await t.engine.recordBatch([
      aRecord({ budgetId: budget.id, ...at('2026-03-10T00:30:00Z') }),
      aRecord({ budgetId: budget.id, inputTokens: 6_000, outputTokens: 1_000, ...at('2026-03-10T11:45:00Z') }),
    ])

    const forecast = await t.engine.forecastReport(OutlookQuery.parse({ recentHours: 6 }))

    // 7,000 tokens in the last 5 hours: 1,400 an hour; the 1,500 left last 1 h 4 min 17 s.
    const policy = forecast.policies.find((p) => p.policyId === daily.id)
    expect(policy).toMatchObject({ budgetName: 'team', tokensUsed: 8_500, exhaustsInWindow: true, exhaustionAt: '2026-03-10T13:04:17.143Z' })
  })

  it('makes no time forecast for a per_session policy, whose window is a session', async () => {
    const { session } = await teamBudget()

    const forecast = await t.engine.forecastReport(OutlookQuery.parse({}))

    expect(forecast.policies.find((p) => p.policyId === session.id)).toMatchObject({ forecast: null, exhaustionAt: null, exhaustsInWindow: false, windowStart: null })
  })

  it('projects the month-end cost from the month so far, per budget and in total', async () => {
    const { budget } = await teamBudget()
    await t.engine.recordBatch([aRecord({ budgetId: budget.id, ...at('2026-03-02T00:00:00Z') }), aRecord(at('2026-03-05T00:00:00Z')), aRecord(at('2026-02-27T00:00:00Z'))])

    const { monthEnd } = await t.engine.forecastReport(OutlookQuery.parse({}))

    // 9.5 of March's 31 days have passed.
    expect(monthEnd).toMatchObject({ monthStart: '2026-03-01T00:00:00.000Z', monthEnd: '2026-04-01T00:00:00.000Z', costToDateUsd: 2 * RECORD_USD })
    expect(monthEnd.projectedCostUsd).toBeCloseTo((2 * RECORD_USD * 31) / 9.5, 8)
    expect(monthEnd.byBudget).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ budgetId: budget.id, name: 'team', costToDateUsd: RECORD_USD }),
        expect.objectContaining({ budgetId: null, costToDateUsd: RECORD_USD }),
      ]),
    )
  })

  it('ranks the top models by cost against the previous period of equal length', async () => {
    await t.engine.recordBatch([
      aRecord({ provider: 'openai', model: 'gpt-4o', ...at('2026-03-09T10:00:00Z') }),
      aRecord({ provider: 'openai', model: 'gpt-4o', ...at('2026-03-08T10:00:00Z') }),
      aRecord({ provider: 'openai', model: 'gpt-4o', ...at('2026-03-01T10:00:00Z') }),
      aRecord(at('2026-03-10T09:00:00Z')),
    ])

    const top = await t.engine.topReport(TopReportQuery.parse({ period: 'this_week', by: 'model' }))

    // This week so far (Monday 9 March 00:00 to 12:00 on the 10th) against the 36 hours before.
    expect(top).toMatchObject({ from: '2026-03-09T00:00:00.000Z', to: '2026-03-10T12:00:00.000Z', previousFrom: '2026-03-07T12:00:00.000Z', previousTo: '2026-03-09T00:00:00.000Z' })
    expect(top.rows.map((r) => [r.rank, r.key, r.current.requests, r.previous.requests, r.change.percent])).toEqual([
      [1, 'claude-sonnet-4-20250514', 1, 0, null],
      [2, 'gpt-4o', 1, 1, 0],
    ])
  })

  it('puts usage on the local date of the report zone, and sessions in order of last activity', async () => {
    await t.engine.recordBatch([
      aRecord({ contextId: 'early', ...at('2026-03-09T18:29:00Z') }),
      aRecord({ contextId: 'late', ...at('2026-03-09T18:31:00Z') }),
      aRecord({ contextId: 'early', provider: 'openai', model: 'gpt-4o', ...at('2026-03-09T20:00:00Z') }),
    ])

    const daily = await t.engine.activityReport(ActivityQuery.parse({ by: 'day', timeZone: 'Asia/Kolkata' }))
    const sessions = await t.engine.activityReport(ActivityQuery.parse({ by: 'session', order: 'desc' }))

    expect(daily.rows.map((r) => [r.label, r.totals.requests, r.models])).toEqual([
      ['2026-03-09', 1, ['claude-sonnet-4-20250514']],
      ['2026-03-10', 2, ['claude-sonnet-4-20250514', 'gpt-4o']],
    ])
    expect(daily.totals.requests).toBe(3)
    expect(sessions.rows.map((r) => [r.label, r.lastActivity, r.models.length])).toEqual([
      ['early', '2026-03-09T20:00:00.000Z', 2],
      ['late', '2026-03-09T18:30:00.000Z', 1],
    ])
  })
})
