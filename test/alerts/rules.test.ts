/**
 * Alert rules and the burn-rate forecast, as pure functions: which types a window's
 * numbers call for, and when a linear rate reaches the limit.
 */
import { describe, expect, it } from 'vitest'
import { alertWindow, policyDedupKey } from '../../src/alerts/dedup.js'
import { forecastReach } from '../../src/alerts/forecast.js'
import { alertsFor, type WindowState } from '../../src/alerts/rules.js'

const HOUR = 3_600_000
const DAY_START = Date.parse('2026-03-10T00:00:00Z')

const aPolicy = (overrides: Partial<WindowState['policy']> = {}): WindowState['policy'] => ({
  id: 'pol_1',
  budgetId: 'bud_1',
  type: 'hard_limit',
  period: 'daily',
  tokenLimit: 1_000,
  costLimitNano: null,
  warningThreshold: 0.8,
  actionThreshold: 0.95,
  ...overrides,
})

function aWindowState(overrides: Partial<WindowState> = {}): WindowState {
  return {
    policy: aPolicy(),
    budgetName: 'research',
    window: { key: String(DAY_START), startMs: DAY_START, endMs: DAY_START + 24 * HOUR },
    used: { tokens: 0, costNano: 0 },
    held: { tokens: 0, costNano: 0 },
    contextId: null,
    atMs: DAY_START + 23 * HOUR,
    nowMs: DAY_START + 23 * HOUR,
    ...overrides,
  }
}

const typesOf = (state: WindowState) => alertsFor(state).map((a) => a.type)

describe('forecastReach', () => {
  it('says when a linear rate reaches the limit', () => {
    const forecast = forecastReach(300, 1_000, DAY_START, DAY_START + 24 * HOUR, DAY_START + 6 * HOUR)

    expect(forecast).toEqual({ reachAtMs: DAY_START + 20 * HOUR, projectedAtEnd: 1_200, ratePerHour: 50 })
  })

  it('says nothing when the rate reaches the limit only at or after the window end', () => {
    expect(forecastReach(250, 1_000, DAY_START, DAY_START + 24 * HOUR, DAY_START + 6 * HOUR)).toBeNull()
    expect(forecastReach(200, 1_000, DAY_START, DAY_START + 24 * HOUR, DAY_START + 6 * HOUR)).toBeNull()
  })

  it('waits for a tenth of the window before forecasting', () => {
    expect(forecastReach(900, 1_000, DAY_START, DAY_START + 24 * HOUR, DAY_START + 2 * HOUR)).toBeNull()
    expect(forecastReach(900, 1_000, DAY_START, DAY_START + 24 * HOUR, DAY_START + 3 * HOUR)).not.toBeNull()
  })

  it('says nothing once the limit is reached or when nothing was used', () => {
    expect(forecastReach(1_000, 1_000, DAY_START, DAY_START + 24 * HOUR, DAY_START + 6 * HOUR)).toBeNull()
    expect(forecastReach(0, 1_000, DAY_START, DAY_START + 24 * HOUR, DAY_START + 6 * HOUR)).toBeNull()
  })
})

describe('alertsFor', () => {
  it('raises warning at the warning threshold, action at the action threshold, exceeded at the limit', () => {
    expect(typesOf(aWindowState({ used: { tokens: 799, costNano: 0 } }))).toEqual([])
    expect(typesOf(aWindowState({ used: { tokens: 800, costNano: 0 } }))).toEqual(['warning'])
    expect(typesOf(aWindowState({ used: { tokens: 950, costNano: 0 } }))).toEqual(['warning', 'action'])
    expect(typesOf(aWindowState({ used: { tokens: 1_000, costNano: 0 } }))).toEqual(['warning', 'action', 'exceeded'])
  })

  it('counts reservations toward warning and action but not toward exceeded', () => {
    const state = aWindowState({ used: { tokens: 500, costNano: 0 }, held: { tokens: 500, costNano: 0 } })

    expect(typesOf(state)).toEqual(['warning', 'action'])
  })

  it('alerts on cost limits, naming the metric that is further along', () => {
    const state = aWindowState({ policy: aPolicy({ tokenLimit: 1_000, costLimitNano: 2_000_000_000 }), used: { tokens: 810, costNano: 1_900_000_000 } })

    const [warning] = alertsFor(state)

    expect(warning).toMatchObject({ type: 'warning', metric: 'cost', value: 1_900_000_000, limit: 2_000_000_000 })
  })

  it('raises a forecast with the instant the limit is reached', () => {
    const state = aWindowState({ used: { tokens: 300, costNano: 0 }, atMs: DAY_START + 6 * HOUR, nowMs: DAY_START + 6 * HOUR })

    const alerts = alertsFor(state)

    expect(alerts.map((a) => a.type)).toEqual(['forecast'])
    expect(alerts[0]?.details.reachAt).toBe('2026-03-10T20:00:00.000Z')
    expect(alerts[0]?.value).toBe(1_200)
  })

  it('never alerts for an ignore policy', () => {
    expect(alertsFor(aWindowState({ policy: aPolicy({ type: 'ignore' }), used: { tokens: 5_000, costNano: 0 } }))).toEqual([])
  })

  it('keys each alert by policy, window and type', () => {
    const [warning] = alertsFor(aWindowState({ used: { tokens: 800, costNano: 0 } }))

    expect(warning?.dedupKey).toBe(`policy:pol_1:${DAY_START}:warning`)
  })
})

describe('alertWindow', () => {
  it('gives rolling policies periods of the window length aligned to the epoch', () => {
    const policy = { period: 'rolling' as const, windowSeconds: 3_600 }
    const span = { windowStartMs: 0, windowEndMs: 0 }

    const early = alertWindow(policy, span, DAY_START + 10 * 60_000, null)
    const late = alertWindow(policy, span, DAY_START + 59 * 60_000, null)
    const next = alertWindow(policy, span, DAY_START + 61 * 60_000, null)

    expect(early).toEqual({ key: String(DAY_START), startMs: DAY_START, endMs: DAY_START + HOUR })
    expect(late).toEqual(early)
    expect(next?.startMs).toBe(DAY_START + HOUR)
  })

  it('keys session policies by session and skips per-task policies', () => {
    const window = alertWindow({ period: 'per_session', windowSeconds: null }, { windowStartMs: null, windowEndMs: null }, 0, 'ctx-7')

    expect(window && policyDedupKey('pol_1', window, 'exceeded')).toBe('policy:pol_1:session:ctx-7:exceeded')
    expect(alertWindow({ period: 'per_task', windowSeconds: null }, { windowStartMs: null, windowEndMs: null }, 0, 'ctx-7')).toBeNull()
  })
})
