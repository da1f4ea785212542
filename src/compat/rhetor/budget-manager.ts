/**
 * Rhetor's BudgetManager on our engine: its usage is recorded in the `rhetor` budget and
 * its limits are that budget's policies (settings.ts); costs come from our price catalog.
 *
 * Owns Rhetor's check: the request's estimated cost (input text + 500 characters of
 * output) added to what was spent this day / week / month, against the limit of the
 * request's provider and the limit across providers ('all'): `enforce` refuses, `warn`
 * allows with a warning, `ignore` allows. Rhetor only looked at the provider's own limit,
 * so its 'all' limits (the ones its environment variables set) never refused anything;
 * here both count. A model with no known price is not "free" (Rhetor let those through
 * always): it is checked with an estimate of nothing, so it is refused only once an
 * enforced limit is already passed, and allowed with a warning that its cost cannot be
 * checked.
 *
 * A check reserves nothing (Rhetor recorded usage without naming a check), so spending
 * that is on its way is not counted until it is recorded.
 */
import { invalid } from '../../domain/errors.js'
import { nanoToUsd, usdToNano } from '../../domain/money.js'
import { calendarWindow, type TimeWindow } from '../../domain/periods.js'
import type { UsageRecord } from '../../domain/usage.js'
import type { BudgetEngine } from '../../engine/engine.js'
import { ensureBudget } from '../budget-setup.js'
import { parseLegacyTimestamp } from '../legacy-time.js'
import { cheaperAlternative, cheapestModel, modelTiers } from './model-choice.js'
import { priceTokens } from './pricing.js'
import { routeWithinBudget } from './routing.js'
import { type SpentByProvider, spentByProvider, usageByGroup } from './usage-totals.js'
import {
  type CheckInfo,
  CheckRequest,
  type CheckResult,
  CompletionInput,
  type CompletionResult,
  type CostBreakdown,
  type Enforcement,
  EstimateRequest,
  type LimitSetting,
  type ModelCost,
  type ModelTiers,
  RHETOR_PERIODS,
  type RhetorPeriod,
  RhetorUsageInput,
  type RhetorUsageSummary,
  RouteRequest,
  type RouteResult,
  UsageWindowQuery,
} from './schemas.js'
import { ALL_PROVIDERS, RhetorSettings } from './settings.js'
import { estimateTokens, estimateTokensOfLength } from './token-estimate.js'

export const RHETOR_BUDGET = 'rhetor'
const LISTING_PAGE = 1_000

/** How Rhetor was configured from its environment (RHETOR_BUDGET_*), via config.ts. */
export interface RhetorEnvSettings {
  /** RHETOR_BUDGET_POLICY: the enforcement of settings that name none. */
  policy?: Enforcement
  /** RHETOR_BUDGET_{DAILY,WEEKLY,MONTHLY}_LIMIT: limits across providers set when none is. */
  limits?: Partial<Record<RhetorPeriod, number>>
}

export interface RhetorOptions extends RhetorEnvSettings {
  budgetName?: string
  /** Where routing goes when nothing affordable is left; Rhetor's was its local Llama 3. */
  freeModels?: readonly { provider: string; model: string }[]
}

const RHETOR_FREE_MODELS = [{ provider: 'ollama', model: 'llama3' }] as const

const capitalized: Record<RhetorPeriod, string> = { daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly' }

export class RhetorBudget {
  readonly settings: RhetorSettings
  private readonly budgetName: string
  private readonly envLimits: Partial<Record<RhetorPeriod, number>>
  private readonly freeModels: readonly { provider: string; model: string }[]
  private budgetId: Promise<string> | null = null

  constructor(
    private readonly engine: BudgetEngine,
    options: RhetorOptions = {},
  ) {
    this.budgetName = options.budgetName ?? RHETOR_BUDGET
    this.envLimits = options.limits ?? {}
    this.freeModels = options.freeModels ?? RHETOR_FREE_MODELS
    this.settings = new RhetorSettings(engine, () => this.ready(), options.policy ?? 'warn')
  }

  /** The id of Rhetor's budget, created on first use with the limits from the environment. */
  ready(): Promise<string> {
    this.budgetId ??= this.prepare().catch((error: unknown) => {
      this.budgetId = null
      throw error
    })
    return this.budgetId
  }

  private async prepare(): Promise<string> {
    const { budget } = await ensureBudget(this.engine, this.budgetName, "Rhetor's cost budgets (Tekton compatibility)")
    // Rhetor's _set_budget_if_not_exists: an environment limit never overrides a limit already set.
    const settings = new RhetorSettings(this.engine, async () => budget.id, this.settings.defaultEnforcement)
    for (const period of RHETOR_PERIODS) {
      const limit = this.envLimits[period]
      if (limit === undefined || limit <= 0) continue
      const existing = await settings.policyOf(period, ALL_PROVIDERS)
      if (!existing) await settings.setLimit(period, limit, ALL_PROVIDERS)
    }
    return budget.id
  }

  countTokens(text: string): number {
    return estimateTokens(text)
  }

  async calculateCost(provider: string, model: string, inputText: string, outputText: string): Promise<CostBreakdown> {
    return priceTokens(this.engine, provider, model, estimateTokens(inputText), estimateTokens(outputText))
  }

  async estimateCost(request: EstimateRequest): Promise<CostBreakdown> {
    const input = EstimateRequest.parse(request)
    return priceTokens(this.engine, input.provider, input.model, estimateTokens(input.inputText), estimateTokensOfLength(input.estimatedOutputLength))
  }

  /** Rhetor's record_usage. A cost the caller gives is kept as metadata.rhetor.legacyCostUsd; ours is recomputed. */
  async recordUsage(usage: RhetorUsageInput): Promise<UsageRecord> {
    const input = RhetorUsageInput.parse(usage)
    const { cost, metadata, ...rest } = input
    const { record } = await this.engine.recordUsage({
      ...rest,
      budgetId: await this.ready(),
      metadata: { ...metadata, ...(cost !== undefined && { rhetor: { legacyCostUsd: cost } }) },
    })
    return record
  }

  /** Rhetor's record_completion: counts the texts' tokens (an estimate), prices and records them. */
  async recordCompletion(completion: CompletionInput): Promise<CompletionResult> {
    const input = CompletionInput.parse(completion)
    const inputTokens = estimateTokens(input.inputText)
    const outputTokens = estimateTokens(input.outputText)
    const { record } = await this.engine.recordUsage({
      budgetId: await this.ready(),
      provider: input.provider,
      model: input.model,
      ...(input.component !== undefined && { component: input.component }),
      ...(input.taskType !== undefined && { taskType: input.taskType }),
      ...(input.contextId !== undefined && { contextId: input.contextId }),
      inputTokens,
      outputTokens,
      metadata: { ...input.metadata, tokensEstimated: true },
    })
    const cost = await priceTokens(this.engine, input.provider, input.model, inputTokens, outputTokens, record.timestamp)
    return { ...cost, usageId: record.id, provider: record.provider, model: record.model, component: record.component, taskType: record.taskType, timestamp: record.timestamp }
  }

  /** Rhetor's get_usage: the records of the current window (or a custom span), newest first. */
  async getUsage(query: UsageWindowQuery = {}): Promise<UsageRecord[]> {
    const q = UsageWindowQuery.parse(query)
    const span = q.period === 'custom' ? this.customSpan(q.startDate, q.endDate) : this.window(q.period)
    const budgetId = await this.ready()
    const items: UsageRecord[] = []
    let cursor: string | undefined
    do {
      const page = await this.engine.listUsage({
        budgetId,
        ...(q.provider !== undefined && { provider: q.provider }),
        from: new Date(span.startMs).toISOString(),
        to: new Date(span.endMs).toISOString(),
        limit: LISTING_PAGE,
        ...(cursor !== undefined && { cursor }),
      })
      items.push(...page.items)
      cursor = page.nextCursor ?? undefined
    } while (cursor !== undefined)
    return items
  }

  /** What was spent in the current window, decimal USD; records without a known price add nothing. */
  async getCurrentUsageTotal(period: RhetorPeriod = 'daily', provider?: string): Promise<number> {
    const totals = await this.spentByProvider(period)
    return nanoToUsd(provider === undefined || provider === ALL_PROVIDERS ? totals.all : (totals.byProvider.get(provider) ?? 0))
  }

  async getBudgetLimit(period: RhetorPeriod, provider = ALL_PROVIDERS): Promise<number> {
    return (await this.settings.get(period, provider)).limit
  }

  async setBudgetLimit(period: RhetorPeriod, limit: number, provider = ALL_PROVIDERS, enforcement?: Enforcement): Promise<LimitSetting> {
    if (!Number.isFinite(limit) || limit < 0) throw invalid(`limit must be a number of USD ≥ 0, got ${limit}`, { path: ['limit'] })
    await this.ready()
    return this.settings.setLimit(period, limit, provider, enforcement)
  }

  async getEnforcementPolicy(period: RhetorPeriod, provider = ALL_PROVIDERS): Promise<Enforcement> {
    return this.settings.enforcement(period, provider)
  }

  async setEnforcementPolicy(period: RhetorPeriod, policy: Enforcement, provider = ALL_PROVIDERS): Promise<LimitSetting> {
    await this.ready()
    return this.settings.setEnforcement(period, policy, provider)
  }

  async checkBudget(request: CheckRequest): Promise<CheckResult> {
    const input = CheckRequest.parse(request)
    const costEstimate = await this.estimateCost({ provider: input.provider, model: input.model, inputText: input.inputText })
    const estimateNano = costEstimate.totalCost === null ? 0 : usdToNano(costEstimate.totalCost)
    const warnings: string[] = []
    if (costEstimate.unpriced) warnings.push(`${input.provider}/${input.model} has no known price: its cost cannot be checked against the limits`)

    const usage = {} as Record<RhetorPeriod, number>
    const limits = {} as Record<RhetorPeriod, number>
    const evaluations: { period: RhetorPeriod; setting: LimitSetting; spentNano: number }[] = []
    const settings = await this.settings.forProvider(input.provider)
    for (const period of RHETOR_PERIODS) {
      const spent = await this.spentByProvider(period)
      const { own, all } = settings[period]
      usage[period] = nanoToUsd(spent.byProvider.get(input.provider) ?? 0)
      limits[period] = own.limit > 0 ? own.limit : all.limit
      evaluations.push({ period, setting: own, spentNano: spent.byProvider.get(input.provider) ?? 0 }, { period, setting: all, spentNano: spent.all })
    }
    const base = { dailyUsage: usage.daily, weeklyUsage: usage.weekly, monthlyUsage: usage.monthly, dailyLimit: limits.daily, weeklyLimit: limits.weekly, monthlyLimit: limits.monthly, estimatedCost: costEstimate.totalCost, costEstimate }

    for (const { period, setting, spentNano } of costEstimate.totalCost === 0 ? [] : evaluations) {
      if (setting.limit <= 0 || setting.enforcement === 'ignore' || spentNano + estimateNano <= usdToNano(setting.limit)) continue
      if (setting.enforcement === 'enforce') {
        const info: CheckInfo = {
          allowed: false,
          reason: `${capitalized[period]} budget limit exceeded`,
          warnings,
          period,
          limitProvider: setting.provider,
          limit: setting.limit,
          usage: nanoToUsd(spentNano),
          policy: setting.enforcement,
          ...base,
        }
        return { allowed: false, info }
      }
      const scope = setting.provider === ALL_PROVIDERS ? 'across providers' : `for ${setting.provider}`
      warnings.push(`${capitalized[period]} budget limit of $${setting.limit.toFixed(2)} ${scope} will be exceeded (current: $${nanoToUsd(spentNano).toFixed(2)})`)
    }
    const info: CheckInfo = { allowed: true, ...(costEstimate.totalCost === 0 && { reason: 'Free model' }), warnings, ...base }
    return { allowed: true, info }
  }

  async getUsageSummary(period: RhetorPeriod = 'daily', groupBy = 'provider'): Promise<RhetorUsageSummary> {
    return usageByGroup(this.engine, await this.ready(), period, this.window(period), groupBy)
  }

  getModelTiers(provider?: string): ModelTiers {
    return modelTiers(this.engine.ctx.catalog, this.engine.ctx.now(), provider)
  }

  findCheaperAlternative(provider: string, model: string, taskType = 'default'): ModelCost | null {
    return cheaperAlternative(this.engine.ctx.catalog, provider, model, taskType, this.engine.ctx.now())
  }

  /** Rhetor's route_with_budget_awareness: the default model if the budget allows it, else something cheaper, else something free. */
  async routeWithBudgetAwareness(request: RouteRequest): Promise<RouteResult> {
    return routeWithinBudget(RouteRequest.parse(request), {
      check: (r) => this.checkBudget(r),
      cheaperAlternative: (provider, model, taskType) => this.findCheaperAlternative(provider, model, taskType),
      freeModels: this.freeModels,
      cheapest: () => cheapestModel(this.engine.ctx.catalog, this.engine.ctx.now()),
    })
  }

  /** Nano-USD spent in the current window of `period`, per provider and in all. */
  private async spentByProvider(period: RhetorPeriod): Promise<SpentByProvider> {
    return spentByProvider(this.engine, await this.ready(), this.window(period))
  }

  private window(period: RhetorPeriod): TimeWindow {
    return calendarWindow(period, this.engine.ctx.now(), this.engine.ctx.timeZone)
  }

  private customSpan(start: string | undefined, end: string | undefined): TimeWindow {
    if (start === undefined) throw invalid('a custom period needs startDate', { path: ['startDate'] })
    const parse = (text: string, field: string) => {
      const ms = parseLegacyTimestamp(text, this.engine.ctx.timeZone)
      if (ms === null) throw invalid(`${field} ${text} is not an ISO date or time`, { path: [field] })
      return ms
    }
    return { startMs: parse(start, 'startDate'), endMs: end === undefined ? this.engine.ctx.now() + 1 : parse(end, 'endDate') }
  }
}
