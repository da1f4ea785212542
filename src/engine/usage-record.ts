/**
 * A stored usage record as the API shows it: decimal USD, ISO timestamp, parsed metadata.
 */
import type { UsageId } from '../domain/ids.js'
import { nanoToUsd } from '../domain/money.js'
import type { UsageRecord } from '../domain/usage.js'
import type { UsageRow } from '../store/usage.js'

export function toUsageRecord(row: UsageRow): UsageRecord {
  return {
    id: row.id as UsageId,
    timestamp: new Date(Number(row.timestamp)).toISOString(),
    budgetId: row.budgetId,
    reservationId: row.reservationId,
    contextId: row.contextId,
    provider: row.provider,
    model: row.model,
    component: row.component,
    taskType: row.taskType,
    tier: row.tier as UsageRecord['tier'],
    operation: row.operation,
    inputTokens: Number(row.inputTokens),
    outputTokens: Number(row.outputTokens),
    cacheReadTokens: Number(row.cacheReadTokens),
    cacheWriteTokens: Number(row.cacheWriteTokens),
    cacheWrite1hTokens: Number(row.cacheWrite1hTokens),
    reasoningTokens: Number(row.reasoningTokens),
    costUsd: row.costNano === null ? null : nanoToUsd(row.costNano),
    unpriced: row.costNano === null,
    priceVersion: row.priceVersion,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  }
}
