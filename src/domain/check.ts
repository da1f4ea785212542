import { z } from 'zod'
import { Label, Priority, Tier, Timestamp, TokenCount } from './common.js'
import { PolicyId, ReservationId } from './ids.js'
import { Period } from './periods.js'
import { PolicyType } from './policy.js'

export const MAX_TTL_SECONDS = 24 * 3600

export const CheckRequest = z
  .object({
    budgetId: z.string().min(1).max(200).optional().describe('Budget id or name; absent = every budget'),
    contextId: Label.optional().describe('Session or conversation id (per_session policies)'),
    provider: Label,
    model: Label,
    component: Label.optional(),
    taskType: Label.optional(),
    tier: Tier.optional(),
    inputTokens: TokenCount,
    maxOutputTokens: TokenCount,
    priority: Priority.optional(),
    ttlSeconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional().describe('Reservation lifetime (default 600)'),
  })
  .describe('An estimate of one LLM call, to reserve budget for before making it')
export type CheckRequest = z.infer<typeof CheckRequest>

export const CheckAction = z.enum(['allow', 'warn', 'downgrade', 'block'])
export type CheckAction = z.infer<typeof CheckAction>

export const PolicyHeadroom = z.object({
  policyId: PolicyId,
  type: PolicyType,
  period: Period,
  remainingTokens: z.number().int().optional(),
  remainingUsd: z.number().optional(),
  utilization: z.number().describe('Projected utilization with this request, 0..1+'),
})
export type PolicyHeadroom = z.infer<typeof PolicyHeadroom>

export const SuggestedModel = z.object({ provider: z.string(), model: z.string(), estimatedCostUsd: z.number() })

export const CheckDecision = z.object({
  allowed: z.boolean(),
  action: CheckAction,
  reasons: z.array(z.string()),
  policies: z.array(PolicyHeadroom),
  reservation: z
    .object({
      id: ReservationId,
      expiresAt: Timestamp,
      tokensReserved: z.number().int(),
      costReservedUsd: z.number().nullable(),
    })
    .nullable(),
  estimatedCostUsd: z.number().nullable(),
  suggestedModel: SuggestedModel.optional(),
})
export type CheckDecision = z.infer<typeof CheckDecision>
