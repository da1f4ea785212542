/**
 * Rhetor's budget settings as policies of the `rhetor` budget. A setting is a cost limit
 * for one period (daily / weekly / monthly) and one provider, or 'all', with an
 * enforcement; it is the budget's policy of that period whose scope names that provider
 * (or nothing, for 'all') and that has a cost limit:
 *
 *   ignore → ignore, warn → warn, enforce → hard_limit (soft_limit reads back as warn).
 *
 * Rhetor's "limit 0" means no limit: the policy is disabled, not deleted. An enforcement
 * chosen while there is no limit is remembered in the meta table
 * (`compat.rhetor.enforcement.<period>.<provider>`), as Rhetor kept it in a limitless row.
 */
import type { Policy, PolicyType } from '../../domain/policy.js'
import type { BudgetEngine } from '../../engine/engine.js'
import { getMeta, setMeta } from '../../store/prices.js'
import { type Enforcement, type LimitSetting, RHETOR_PERIODS, type RhetorPeriod } from './schemas.js'

export const ALL_PROVIDERS = 'all'

const TYPE_OF: Record<Enforcement, PolicyType> = { ignore: 'ignore', warn: 'warn', enforce: 'hard_limit' }

export function enforcementOf(type: PolicyType): Enforcement {
  if (type === 'hard_limit') return 'enforce'
  return type === 'ignore' ? 'ignore' : 'warn'
}

const metaKey = (period: RhetorPeriod, provider: string) => `compat.rhetor.enforcement.${period}.${provider}`

/** Whether `policy` is the setting for (period, provider). */
export function isSetting(policy: Policy, period: RhetorPeriod, provider: string): boolean {
  const { scope } = policy
  if (policy.period !== period || policy.costLimitUsd === undefined) return false
  if (scope.tier !== undefined || scope.model !== undefined || scope.component !== undefined || scope.taskType !== undefined) return false
  return provider === ALL_PROVIDERS ? scope.provider === undefined : scope.provider === provider
}

export class RhetorSettings {
  constructor(
    private readonly engine: BudgetEngine,
    private readonly budgetId: () => Promise<string>,
    readonly defaultEnforcement: Enforcement,
  ) {}

  /** The policy behind a setting, enabled or not; the first when several match. */
  async policyOf(period: RhetorPeriod, provider: string): Promise<Policy | undefined> {
    const policies = await this.engine.listPolicies(await this.budgetId())
    const matching = policies.filter((p) => isSetting(p, period, provider))
    return matching.find((p) => p.enabled) ?? matching[0]
  }

  async get(period: RhetorPeriod, provider: string): Promise<LimitSetting> {
    const policy = await this.policyOf(period, provider)
    const limit = policy?.enabled ? (policy.costLimitUsd ?? 0) : 0
    return { period, provider, limit, enforcement: await this.enforcement(period, provider, policy ?? null) }
  }

  /** The provider's own setting and the one across providers, for every period, from one read of the policies. */
  async forProvider(provider: string): Promise<Record<RhetorPeriod, { own: LimitSetting; all: LimitSetting }>> {
    const policies = await this.engine.listPolicies(await this.budgetId())
    const settingOf = async (period: RhetorPeriod, key: string): Promise<LimitSetting> => {
      const matching = policies.filter((p) => isSetting(p, period, key))
      const policy = matching.find((p) => p.enabled) ?? matching[0]
      return { period, provider: key, limit: policy?.enabled ? (policy.costLimitUsd ?? 0) : 0, enforcement: await this.enforcement(period, key, policy ?? null) }
    }
    const result = {} as Record<RhetorPeriod, { own: LimitSetting; all: LimitSetting }>
    for (const period of RHETOR_PERIODS) result[period] = { own: await settingOf(period, provider), all: await settingOf(period, ALL_PROVIDERS) }
    return result
  }

  /** `policy` null: known to have none; undefined: look it up. */
  async enforcement(period: RhetorPeriod, provider: string, policy?: Policy | null): Promise<Enforcement> {
    const current = policy === undefined ? await this.policyOf(period, provider) : policy
    if (current?.enabled) return enforcementOf(current.type)
    const remembered = await getMeta(this.engine.ctx.store.db, metaKey(period, provider))
    return (remembered as Enforcement | undefined) ?? this.defaultEnforcement
  }

  /** Rhetor's set_budget_limit: the enforcement is the one given, else the default (not the previous one). */
  async setLimit(period: RhetorPeriod, limit: number, provider: string, enforcement?: Enforcement): Promise<LimitSetting> {
    const chosen = enforcement ?? this.defaultEnforcement
    await this.remember(period, provider, chosen)
    const policy = await this.policyOf(period, provider)
    if (limit <= 0) {
      if (policy?.enabled) await this.engine.updatePolicy(policy.id, { enabled: false })
    } else if (policy) {
      await this.engine.updatePolicy(policy.id, { type: TYPE_OF[chosen], costLimitUsd: limit, enabled: true })
    } else {
      await this.engine.createPolicy({
        budgetId: await this.budgetId(),
        type: TYPE_OF[chosen],
        period,
        costLimitUsd: limit,
        scope: provider === ALL_PROVIDERS ? {} : { provider },
      })
    }
    return { period, provider, limit: Math.max(0, limit), enforcement: chosen }
  }

  async setEnforcement(period: RhetorPeriod, enforcement: Enforcement, provider: string): Promise<LimitSetting> {
    await this.remember(period, provider, enforcement)
    const policy = await this.policyOf(period, provider)
    if (policy?.enabled && policy.type !== TYPE_OF[enforcement]) await this.engine.updatePolicy(policy.id, { type: TYPE_OF[enforcement] })
    return this.get(period, provider)
  }

  private async remember(period: RhetorPeriod, provider: string, enforcement: Enforcement): Promise<void> {
    await this.engine.ctx.store.writes.write((trx) => setMeta(trx, metaKey(period, provider), enforcement))
  }
}
