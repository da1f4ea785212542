import { z } from 'zod'
import { Scope, Timestamp } from './common.js'
import { BudgetId, PolicyId } from './ids.js'
import { PositiveUsdAmount } from './money.js'
import { Period } from './periods.js'

export const PolicyType = z.enum(['ignore', 'warn', 'soft_limit', 'hard_limit'])
export type PolicyType = z.infer<typeof PolicyType>

const MAX_WINDOW_SECONDS = 366 * 24 * 3600

const policyFields = {
  type: PolicyType,
  period: Period,
  windowSeconds: z.number().int().min(60).max(MAX_WINDOW_SECONDS).optional().describe('Length of a rolling window'),
  tokenLimit: z.number().int().positive().max(1e15).optional(),
  costLimitUsd: PositiveUsdAmount.optional(),
  warningThreshold: z.number().gt(0).lte(1).optional().describe('Utilization that raises a warning (default 0.8)'),
  actionThreshold: z.number().gt(0).lte(1).optional().describe('Utilization that calls for action (default 0.95)'),
  scope: Scope.optional(),
  enabled: z.boolean().optional(),
}

type PolicyShape = {
  type?: PolicyType
  period?: Period
  windowSeconds?: number | undefined
  tokenLimit?: number | undefined
  costLimitUsd?: number | undefined
  warningThreshold?: number | undefined
  actionThreshold?: number | undefined
}

/** Rules that span fields; applied to a new policy and to a policy after an update. */
export function policyProblems(p: PolicyShape): { path: string[]; message: string }[] {
  const problems: { path: string[]; message: string }[] = []
  if (p.type !== 'ignore' && p.tokenLimit === undefined && p.costLimitUsd === undefined) {
    problems.push({ path: ['tokenLimit'], message: 'a policy that is not "ignore" needs tokenLimit or costLimitUsd' })
  }
  if (p.period === 'rolling' && p.windowSeconds === undefined) {
    problems.push({ path: ['windowSeconds'], message: 'a rolling policy needs windowSeconds' })
  }
  if (p.period !== undefined && p.period !== 'rolling' && p.windowSeconds !== undefined) {
    problems.push({ path: ['windowSeconds'], message: 'windowSeconds applies only to period "rolling"' })
  }
  const warning = p.warningThreshold ?? 0.8
  const action = p.actionThreshold ?? 0.95
  if (warning > action) {
    problems.push({ path: ['warningThreshold'], message: `warningThreshold ${warning} is above actionThreshold ${action}` })
  }
  return problems
}

export const PolicyInput = z
  .object({ budgetId: z.string().min(1).max(200).describe('Budget id or name'), ...policyFields })
  .superRefine((p, ctx) => {
    for (const problem of policyProblems(p)) ctx.addIssue({ code: 'custom', ...problem })
  })
  .describe('A rule that limits what one budget may spend in a window')
export type PolicyInput = z.infer<typeof PolicyInput>

export const PolicyUpdate = z.object(policyFields).partial()
export type PolicyUpdate = z.infer<typeof PolicyUpdate>

export const Policy = z.object({
  id: PolicyId,
  budgetId: BudgetId,
  type: PolicyType,
  period: Period,
  windowSeconds: z.number().int().optional(),
  tokenLimit: z.number().int().optional(),
  costLimitUsd: z.number().optional(),
  warningThreshold: z.number(),
  actionThreshold: z.number(),
  scope: Scope,
  enabled: z.boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
})
export type Policy = z.infer<typeof Policy>

/** Policy types that can stop or redirect a call; `ignore` and `warn` only observe. */
export const isLimiting = (type: PolicyType) => type === 'hard_limit' || type === 'soft_limit'
