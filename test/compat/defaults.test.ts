/**
 * The Tekton defaults (`budget init --tekton-defaults`) and the settings the compatibility
 * layer reads from the environment through config.ts.
 */
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.js'
import { apolloDefaultPolicies, tektonDefaultPolicies } from '../../src/compat/defaults.js'

describe('Tekton defaults', () => {
  it.each([
    ['local_lightweight', [1_000_000, 10_000_000, 50_000_000, 200_000_000, 8_000]],
    ['local_midweight', [500_000, 5_000_000, 25_000_000, 100_000_000, 16_000]],
    ['remote_heavyweight', [100_000, 1_000_000, 5_000_000, 20_000_000, 32_000]],
  ])('limits %s to %j tokens (hourly, daily, weekly, monthly, per session)', (tier, limits) => {
    const policies = tektonDefaultPolicies().filter((p) => p.scope?.tier === tier)

    expect(['hourly', 'daily', 'weekly', 'monthly', 'per_session'].map((period) => policies.find((p) => p.period === period)?.tokenLimit)).toEqual(limits)
  })

  it('limits cost across tiers to $0.50 an hour, $5 a day, $25 a week and $100 a month', () => {
    const costs = tektonDefaultPolicies('hard_limit').filter((p) => p.costLimitUsd !== undefined)

    expect(costs.map((p) => [p.period, p.costLimitUsd, p.type, p.scope])).toEqual([
      ['hourly', 0.5, 'hard_limit', undefined],
      ['daily', 5, 'hard_limit', undefined],
      ['weekly', 25, 'hard_limit', undefined],
      ['monthly', 100, 'hard_limit', undefined],
    ])
  })

  it("has Apollo's own defaults: warn per tier for hourly, daily and per session", () => {
    const policies = apolloDefaultPolicies()

    expect(policies).toHaveLength(9)
    expect(policies.every((p) => p.type === 'warn' && ['hourly', 'daily', 'per_session'].includes(p.period))).toBe(true)
  })
})

describe('settings from the environment', () => {
  it("reads Rhetor's RHETOR_BUDGET_* variables", () => {
    const config = loadConfig({ env: { RHETOR_BUDGET_POLICY: 'enforce', RHETOR_BUDGET_DAILY_LIMIT: '2.5', RHETOR_BUDGET_MONTHLY_LIMIT: '40' }, cwd: '/' })

    expect(config).toMatchObject({ rhetorBudgetPolicy: 'enforce', rhetorBudgetDailyLimit: 2.5, rhetorBudgetMonthlyLimit: 40 })
    expect(config.rhetorBudgetWeeklyLimit).toBeUndefined()
  })

  it("defaults Rhetor's enforcement to warn and the Hermes heartbeat to 30 seconds", () => {
    const config = loadConfig({ env: {}, cwd: '/' })

    expect(config).toMatchObject({ rhetorBudgetPolicy: 'warn', hermesHeartbeatSeconds: 30 })
  })

  it('refuses a bad value, naming the variable', () => {
    expect(() => loadConfig({ env: { RHETOR_BUDGET_POLICY: 'block' }, cwd: '/' })).toThrow(ConfigError)
    expect(() => loadConfig({ env: { RHETOR_BUDGET_DAILY_LIMIT: '-1' }, cwd: '/' })).toThrow(/RHETOR_BUDGET_DAILY_LIMIT/)
  })
})
