/**
 * The Rhetor adapter's requests and answers (TypeScript API and /api/v1/compat/rhetor),
 * in our JSON conventions. Rhetor's budgets were cost limits per period (daily, weekly,
 * monthly) and provider (or 'all') with an enforcement of ignore, warn or enforce.
 */
import { z } from 'zod'
import { Label, Timestamp, TokenCount } from '../../domain/common.js'
import { UsdAmount } from '../../domain/money.js'

export const RhetorPeriod = z.enum(['daily', 'weekly', 'monthly'])
export type RhetorPeriod = z.infer<typeof RhetorPeriod>
export const RHETOR_PERIODS = RhetorPeriod.options

export const Enforcement = z.enum(['ignore', 'warn', 'enforce'])
export type Enforcement = z.infer<typeof Enforcement>

/** A provider name, or 'all' for the limit across providers. */
export const ProviderKey = Label.default('all')

const Text = z.string().max(10_000_000)

export const CountTokensRequest = z.object({ text: Text, model: Label.optional() })
export const TokenCountResult = z.object({ tokens: z.number().int(), estimated: z.literal(true) })

export const CostRequest = z.object({ provider: Label, model: Label, inputText: Text, outputText: Text })
export type CostRequest = z.infer<typeof CostRequest>

export const EstimateRequest = z.object({
  provider: Label,
  model: Label,
  inputText: Text,
  estimatedOutputLength: z.number().int().nonnegative().max(10_000_000).default(500).describe('Characters of output expected'),
})
export type EstimateRequest = z.input<typeof EstimateRequest>

export const CostBreakdown = z.object({
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  inputCost: z.number().nullable(),
  outputCost: z.number().nullable(),
  totalCost: z.number().nullable().describe('Decimal USD; null when the model has no known price'),
  unpriced: z.boolean(),
  priceVersion: z.string().nullable(),
  tokensEstimated: z.literal(true),
})
export type CostBreakdown = z.infer<typeof CostBreakdown>

export const RhetorUsageInput = z.object({
  id: z.string().min(1).max(200).optional().describe('Idempotency key'),
  provider: Label,
  model: Label,
  component: Label.optional(),
  taskType: Label.optional(),
  contextId: Label.optional(),
  inputTokens: TokenCount,
  outputTokens: TokenCount,
  cost: UsdAmount.optional().describe("The caller's own cost, kept as metadata.rhetor.legacyCostUsd; ours is recomputed"),
  timestamp: Timestamp.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
})
export type RhetorUsageInput = z.input<typeof RhetorUsageInput>

export const CompletionInput = z.object({
  provider: Label,
  model: Label,
  inputText: Text,
  outputText: Text,
  component: Label.optional(),
  taskType: Label.optional(),
  contextId: Label.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
})
export type CompletionInput = z.input<typeof CompletionInput>

export const CompletionResult = CostBreakdown.extend({
  usageId: z.string(),
  provider: z.string(),
  model: z.string(),
  component: z.string().nullable(),
  taskType: z.string().nullable(),
  timestamp: Timestamp,
})
export type CompletionResult = z.infer<typeof CompletionResult>

export const UsageWindowQuery = z.object({
  period: z.enum(['daily', 'weekly', 'monthly', 'custom']).default('daily'),
  provider: Label.optional(),
  startDate: z.string().max(64).optional().describe('custom: ISO instant, or a naive local time in the server time zone'),
  endDate: z.string().max(64).optional(),
})
export type UsageWindowQuery = z.input<typeof UsageWindowQuery>

export const LimitSetting = z.object({
  period: RhetorPeriod,
  provider: z.string(),
  limit: z.number().describe('USD; 0 = no limit'),
  enforcement: Enforcement,
})
export type LimitSetting = z.infer<typeof LimitSetting>

export const SetLimitRequest = z.object({ limit: UsdAmount, provider: ProviderKey, enforcement: Enforcement.optional() })
export const SetEnforcementRequest = z.object({ policy: Enforcement, provider: ProviderKey })

export const CheckRequest = z.object({
  provider: Label,
  model: Label,
  inputText: Text,
  component: Label.optional(),
  taskType: Label.optional(),
})
export type CheckRequest = z.input<typeof CheckRequest>

export const CheckInfo = z
  .object({
    allowed: z.boolean(),
    reason: z.string().optional(),
    warnings: z.array(z.string()),
    period: RhetorPeriod.optional().describe('The period whose limit refused the request'),
    limitProvider: z.string().optional(),
    limit: z.number().optional(),
    usage: z.number().optional(),
    policy: Enforcement.optional(),
    dailyUsage: z.number(),
    weeklyUsage: z.number(),
    monthlyUsage: z.number(),
    dailyLimit: z.number(),
    weeklyLimit: z.number(),
    monthlyLimit: z.number(),
    estimatedCost: z.number().nullable(),
    costEstimate: CostBreakdown,
  })
  .describe('Usage and limits are decimal USD of the current windows; a limit of 0 is none')
export type CheckInfo = z.infer<typeof CheckInfo>

export const CheckResult = z.object({ allowed: z.boolean(), info: CheckInfo })
export type CheckResult = z.infer<typeof CheckResult>

export const GroupBy = z.enum(['provider', 'model', 'component', 'task_type', 'taskType'])

export const SummaryRequest = z.object({ period: RhetorPeriod.default('daily'), groupBy: GroupBy.default('provider') })

const GroupTotals = z.object({ cost: z.number(), inputTokens: z.number().int(), outputTokens: z.number().int(), count: z.number().int(), unpriced: z.number().int() })

export const RhetorUsageSummary = z.object({
  period: RhetorPeriod,
  groupBy: z.string(),
  totalCost: z.number(),
  totalInputTokens: z.number().int(),
  totalOutputTokens: z.number().int(),
  totalTokens: z.number().int(),
  count: z.number().int(),
  unpriced: z.number().int().describe('Records whose model has no known price (not in totalCost)'),
  groups: z.record(z.string(), GroupTotals),
})
export type RhetorUsageSummary = z.infer<typeof RhetorUsageSummary>

export const ModelCost = z.object({ provider: z.string(), model: z.string(), costPer1kTokens: z.number() })
export type ModelCost = z.infer<typeof ModelCost>

export const ModelTiers = z.object({ free: z.array(ModelCost), low: z.array(ModelCost), medium: z.array(ModelCost), high: z.array(ModelCost) })
export type ModelTiers = z.infer<typeof ModelTiers>

export const AlternativeRequest = z.object({ provider: Label, model: Label, taskType: Label.default('default') })
export const AlternativeResult = z.object({ alternative: ModelCost.nullable() })

export const RouteRequest = z.object({
  inputText: Text,
  taskType: Label.default('default'),
  defaultProvider: Label,
  defaultModel: Label,
  component: Label.optional(),
})
export type RouteRequest = z.input<typeof RouteRequest>

export const RouteResult = z.object({
  provider: z.string(),
  model: z.string(),
  warnings: z.array(z.string()),
  originalProvider: z.string(),
  originalModel: z.string(),
  isDowngraded: z.boolean(),
})
export type RouteResult = z.infer<typeof RouteResult>
