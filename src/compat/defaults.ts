/**
 * The default limits of the original Tekton budget component and of Apollo, as policies
 * (reference/TEKTON.md):
 *
 * - per-tier token limits (hourly / daily / weekly / monthly / per session):
 *   lightweight 1M / 10M / 50M / 200M / 8K; midweight 500K / 5M / 25M / 100M / 16K;
 *   heavyweight 100K / 1M / 5M / 20M / 32K;
 * - cost limits across tiers: $0.50 an hour, $5 a day, $25 a week, $100 a month;
 * - Apollo's own defaults, written when its policy file was missing: one `warn` policy per
 *   tier for hourly, daily and per_session.
 *
 * Data only: budget-setup.ts creates them, once.
 */
import type { Tier } from '../domain/common.js'
import type { Period } from '../domain/periods.js'
import type { PolicyType } from '../domain/policy.js'
import type { PolicySpec } from './budget-setup.js'

type TokenPeriod = Extract<Period, 'hourly' | 'daily' | 'weekly' | 'monthly' | 'per_session'>

export const TIER_TOKEN_LIMITS: Readonly<Record<Tier, Readonly<Record<TokenPeriod, number>>>> = {
  local_lightweight: { hourly: 1_000_000, daily: 10_000_000, weekly: 50_000_000, monthly: 200_000_000, per_session: 8_000 },
  local_midweight: { hourly: 500_000, daily: 5_000_000, weekly: 25_000_000, monthly: 100_000_000, per_session: 16_000 },
  remote_heavyweight: { hourly: 100_000, daily: 1_000_000, weekly: 5_000_000, monthly: 20_000_000, per_session: 32_000 },
}

export const COST_LIMITS_USD: Readonly<Record<Extract<Period, 'hourly' | 'daily' | 'weekly' | 'monthly'>, number>> = {
  hourly: 0.5,
  daily: 5,
  weekly: 25,
  monthly: 100,
}

export const TIERS: readonly Tier[] = ['local_lightweight', 'local_midweight', 'remote_heavyweight']

/** The name `budget init --tekton-defaults` gives its budget unless told otherwise. */
export const TEKTON_BUDGET = 'tekton'

/** Every per-tier token limit and every default cost limit, as policies of type `type`. */
export function tektonDefaultPolicies(type: PolicyType = 'warn'): PolicySpec[] {
  const tokens = TIERS.flatMap((tier) =>
    (Object.entries(TIER_TOKEN_LIMITS[tier]) as [TokenPeriod, number][]).map(([period, tokenLimit]) => ({ type, period, tokenLimit, scope: { tier } })),
  )
  const costs = (Object.entries(COST_LIMITS_USD) as [TokenPeriod, number][]).map(([period, costLimitUsd]) => ({ type, period, costLimitUsd }))
  return [...tokens, ...costs]
}

/** What Apollo wrote when budget_policies.json was missing: warn per tier, hourly, daily and per session. */
export function apolloDefaultPolicies(): PolicySpec[] {
  return TIERS.flatMap((tier) =>
    (['hourly', 'daily', 'per_session'] as const).map((period) => ({
      type: 'warn' as const,
      period,
      tokenLimit: TIER_TOKEN_LIMITS[tier][period],
      warningThreshold: 0.8,
      actionThreshold: 0.95,
      scope: { tier },
    })),
  )
}
