/**
 * The Apollo adapter's requests and answers (TypeScript API and /api/v1/compat/apollo),
 * in our JSON conventions: camelCase, ISO instants. An *allocation* is Apollo's word for
 * what it granted one context; here it is backed by a reservation of the `apollo` budget.
 */
import { z } from 'zod'
import { Label, Tier, Timestamp, TokenCount } from '../../domain/common.js'
import { Period } from '../../domain/periods.js'

/** Apollo's priorities: 1–10 (low 1, normal 5, high 8, critical 10). */
export const ApolloPriority = z.number().int().min(1).max(10)

export const AllocateRequest = z
  .object({
    contextId: Label.describe('One allocation per context: a new one replaces the old'),
    component: Label,
    taskType: Label.default('default'),
    provider: Label.optional(),
    model: Label.optional(),
    priority: ApolloPriority.default(5),
    tokenCount: z.number().int().positive().max(1_000_000_000).optional().describe('Tokens to grant; default by task type and priority'),
    expiration: Timestamp.optional().describe('When the allocation lapses (default 24 hours from now)'),
    tier: Tier.optional().describe('Overrides the tier Apollo would resolve from model, component and provider'),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .describe("An Apollo allocation request (TokenBudgetManager.allocate_budget)")
export type AllocateRequest = z.input<typeof AllocateRequest>

export const Allocation = z.object({
  id: z.string(),
  contextId: z.string(),
  budgetId: z.string(),
  reservationId: z.string().nullable().describe('The reservation holding what remains; null when none could be made'),
  component: z.string(),
  taskType: z.string(),
  tier: Tier,
  provider: z.string().nullable(),
  model: z.string().nullable(),
  priority: z.number().int(),
  tokensAllocated: z.number().int(),
  tokensUsed: z.number().int(),
  remainingTokens: z.number().int(),
  usagePercentage: z.number().describe('tokensUsed / tokensAllocated, 0..1'),
  isActive: z.boolean().describe('False once used up, expired or deactivated'),
  isExpired: z.boolean(),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  metadata: z.record(z.string(), z.unknown()),
})
export type Allocation = z.infer<typeof Allocation>

export const AllocationDecision = z.object({
  allocated: z.boolean(),
  allocation: Allocation.nullable(),
  reasons: z.array(z.string()).describe('Why it was refused, or the limits a critical allocation passes'),
})
export type AllocationDecision = z.infer<typeof AllocationDecision>

export const AllocationUpdate = z.object({
  additionalTokens: z.number().int().positive().max(1_000_000_000).optional(),
  extendExpirationSeconds: z.number().int().positive().max(366 * 86_400).optional(),
  isActive: z.boolean().optional(),
})
export type AllocationUpdate = z.infer<typeof AllocationUpdate>

export const UsageType = z.enum(['input', 'output', 'total'])
export type UsageType = z.infer<typeof UsageType>

export const AllocationUsage = z.object({
  tokens: TokenCount,
  usageType: UsageType.default('total'),
  operationId: Label.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
})
export type AllocationUsage = z.input<typeof AllocationUsage>

export const AllocationUsageResult = z.object({
  recordedTokens: z.number().int().describe('Tokens recorded: at most what remained of the allocation'),
  usageId: z.string().nullable(),
  allocation: Allocation,
})
export type AllocationUsageResult = z.infer<typeof AllocationUsageResult>

export const ApolloPeriod = Period.exclude(['rolling'])

export const ApolloSummaryQuery = z.object({
  tier: Tier.optional(),
  period: ApolloPeriod.default('daily'),
  component: Label.optional(),
  taskType: Label.optional(),
})
export type ApolloSummaryQuery = z.input<typeof ApolloSummaryQuery>

export const ApolloBudgetSummary = z.object({
  period: ApolloPeriod,
  tier: Tier,
  component: z.string().nullable(),
  taskType: z.string().nullable(),
  policyId: z.string(),
  policyType: z.string(),
  totalAllocated: z.number().int(),
  totalUsed: z.number().int(),
  limit: z.number().int(),
  remaining: z.number().int(),
  usagePercentage: z.number(),
  isExceeded: z.boolean(),
  activeAllocations: z.number().int(),
  startTime: Timestamp.nullable(),
  endTime: Timestamp.nullable(),
})
export type ApolloBudgetSummary = z.infer<typeof ApolloBudgetSummary>

export const TierQuery = z.object({ model: Label.optional(), component: Label.optional(), provider: Label.optional() })
