/**
 * An allocation as callers see it (remaining tokens, usage percentage, expiry derived on
 * read), and how Apollo's token counts split into a usage record's input and output.
 */
import type { Tier } from '../../domain/common.js'
import type { AllocationRow } from '../../store/compat-allocations.js'
import type { Allocation, UsageType } from './schemas.js'

/** Tokens of one use, split the way a usage record needs them. */
export interface TokenSplit {
  inputTokens: number
  outputTokens: number
}

/**
 * Apollo recorded a count and a usage type, never both sides: input and output go to their
 * side, and `total` (which has no split) counts as input, the cheaper side, so that a
 * recomputed cost is never more than what was spent.
 */
export function splitByUsageType(tokens: number, usageType: UsageType | string): TokenSplit {
  return usageType === 'output' ? { inputTokens: 0, outputTokens: tokens } : { inputTokens: tokens, outputTokens: 0 }
}

/** An allocation that has passed its expiry is expired: derived on read, nothing has to run. */
export function toAllocation(row: AllocationRow, nowMs: number): Allocation {
  const allocated = Number(row.tokensAllocated)
  const used = Number(row.tokensUsed)
  const isExpired = Number(row.expiresAt) <= nowMs
  return {
    id: row.id,
    contextId: row.contextId,
    budgetId: row.budgetId,
    reservationId: row.reservationId,
    component: row.component,
    taskType: row.taskType,
    tier: row.tier as Tier,
    provider: row.provider,
    model: row.model,
    priority: Number(row.priority),
    tokensAllocated: allocated,
    tokensUsed: used,
    remainingTokens: Math.max(0, allocated - used),
    usagePercentage: allocated === 0 ? 0 : Math.round((used / allocated) * 10_000) / 10_000,
    isActive: Boolean(Number(row.isActive)) && !isExpired,
    isExpired,
    createdAt: new Date(Number(row.createdAt)).toISOString(),
    expiresAt: new Date(Number(row.expiresAt)).toISOString(),
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  }
}
