/**
 * A Claude Code message as one of our usage records: provider `anthropic`, the message's
 * model, component `claude-code`, the session as context, token fields already in our
 * convention (entry.ts), and the id derived from the message key — so recording the same
 * message again, from any machine or from `budget run` and a later import, is a duplicate.
 */
import type { UsageInput } from '../../domain/usage.js'
import { recordIdOf } from './entry.js'
import type { LedgerEntry } from './ledger.js'

export const COMPONENT = 'claude-code'
export const PROVIDER = 'anthropic'

export interface RecordContext {
  /** Used when the message's lines had no timestamp (stream-json). */
  fallbackTimestampMs: number
  budgetId?: string
  taskType?: string
  /** Used when the lines carry no session id. */
  contextId?: string
  metadata?: Record<string, unknown>
}

const label = (value: string | null | undefined) => {
  const trimmed = value?.trim()
  return trimmed === undefined || trimmed === '' ? undefined : trimmed.slice(0, 200)
}

export function toUsageInput(item: LedgerEntry, context: RecordContext): UsageInput {
  const { entry } = item
  const t = entry.tokens
  const timestampMs = item.firstTimestampMs ?? context.fallbackTimestampMs
  const contextId = label(entry.sessionId) ?? label(context.contextId)
  const taskType = label(context.taskType)
  const metadata: Record<string, unknown> = {
    ...context.metadata,
    ...(entry.messageId !== null && { messageId: entry.messageId }),
    ...(entry.requestId !== null && { requestId: entry.requestId }),
    ...(entry.agentId !== null && { agentId: entry.agentId }),
    ...(entry.isSidechain && { sidechain: true }),
    ...(entry.cwd !== null && { cwd: entry.cwd }),
  }
  return {
    id: recordIdOf(entry.key),
    provider: PROVIDER,
    model: entry.model.trim(),
    component: COMPONENT,
    ...(taskType !== undefined && { taskType }),
    ...(contextId !== undefined && { contextId }),
    ...(context.budgetId !== undefined && { budgetId: context.budgetId }),
    inputTokens: t.inputTokens,
    outputTokens: t.outputTokens,
    cacheReadTokens: t.cacheReadTokens,
    cacheWriteTokens: t.cacheWriteTokens,
    ...(t.cacheWrite1hTokens > 0 && { cacheWrite1hTokens: t.cacheWrite1hTokens }),
    timestamp: new Date(timestampMs).toISOString(),
    metadata,
  }
}
