import { z } from 'zod'
import { Timestamp } from './common.js'
import { BudgetId, PolicyId } from './ids.js'
import { Period } from './periods.js'
import { PolicyType } from './policy.js'

export const PolicyStatus = z.enum(['ok', 'warning', 'action', 'exceeded'])
export type PolicyStatus = z.infer<typeof PolicyStatus>

export const PolicyWindowUsage = z.object({
  policyId: PolicyId,
  type: PolicyType,
  period: Period,
  windowStart: Timestamp.nullable(),
  windowEnd: Timestamp.nullable(),
  tokensUsed: z.number().int(),
  costUsd: z.number(),
  tokensReserved: z.number().int(),
  costReservedUsd: z.number(),
  tokenLimit: z.number().int().optional(),
  costLimitUsd: z.number().optional(),
  utilization: z.number(),
  status: PolicyStatus,
})
export type PolicyWindowUsage = z.infer<typeof PolicyWindowUsage>

export const BudgetSummary = z.object({ budgetId: BudgetId, policies: z.array(PolicyWindowUsage) })
export type BudgetSummary = z.infer<typeof BudgetSummary>

export const SummaryQuery = z.object({
  period: Period.optional().describe('Only policies of this period'),
  contextId: z.string().max(200).optional().describe('Session whose per_session usage to show'),
  at: Timestamp.optional().describe('Show the windows containing this instant (default now)'),
})
export type SummaryQuery = z.infer<typeof SummaryQuery>
