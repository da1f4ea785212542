import { z } from 'zod'
import { Cursor, Label, Tier, Timestamp, TokenCount } from './common.js'
import { UsageId } from './ids.js'

export const MAX_BATCH = 10_000

export const UsageInput = z
  .object({
    id: z.string().min(1).max(200).optional().describe('Idempotency key: the same id twice is one record'),
    reservationId: z.string().min(1).max(200).optional(),
    budgetId: z.string().min(1).max(200).optional().describe('Budget id or name'),
    contextId: Label.optional(),
    provider: Label,
    model: Label,
    component: Label.optional(),
    taskType: Label.optional(),
    tier: Tier.optional(),
    operation: Label.optional(),
    inputTokens: TokenCount.describe('Input tokens neither read from nor written to a prompt cache'),
    outputTokens: TokenCount.describe('Output tokens, reasoning included'),
    cacheReadTokens: TokenCount.optional(),
    cacheWriteTokens: TokenCount.optional(),
    cacheWrite1hTokens: TokenCount.optional().describe('Part of cacheWriteTokens written with a 1-hour TTL'),
    reasoningTokens: TokenCount.optional(),
    timestamp: Timestamp.optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((u, ctx) => {
    if ((u.cacheWrite1hTokens ?? 0) > (u.cacheWriteTokens ?? 0)) {
      ctx.addIssue({ code: 'custom', path: ['cacheWrite1hTokens'], message: 'cacheWrite1hTokens cannot exceed cacheWriteTokens' })
    }
    if ((u.reasoningTokens ?? 0) > u.outputTokens) {
      ctx.addIssue({ code: 'custom', path: ['reasoningTokens'], message: 'reasoningTokens are part of outputTokens and cannot exceed them' })
    }
  })
  .describe('What one LLM call really used')
export type UsageInput = z.infer<typeof UsageInput>

export const UsageBatch = z.object({ records: z.array(UsageInput).min(1).describe(`Up to ${MAX_BATCH} records; more is 413`) })
export type UsageBatch = z.infer<typeof UsageBatch>

export const UsageRecord = z.object({
  id: UsageId,
  timestamp: Timestamp,
  budgetId: z.string().nullable(),
  reservationId: z.string().nullable(),
  contextId: z.string().nullable(),
  provider: z.string(),
  model: z.string(),
  component: z.string().nullable(),
  taskType: z.string().nullable(),
  tier: Tier.nullable(),
  operation: z.string().nullable(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheReadTokens: z.number().int(),
  cacheWriteTokens: z.number().int(),
  cacheWrite1hTokens: z.number().int(),
  reasoningTokens: z.number().int(),
  costUsd: z.number().nullable(),
  unpriced: z.boolean(),
  priceVersion: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
})
export type UsageRecord = z.infer<typeof UsageRecord>

export const BatchResult = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  ids: z.array(z.string()),
})
export type BatchResult = z.infer<typeof BatchResult>

const csv = z
  .string()
  .max(2000)
  .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))

export const UsageQuery = z.object({
  budgetId: z.string().max(200).optional(),
  contextId: z.string().max(200).optional(),
  provider: z.string().max(200).optional(),
  model: z.string().max(200).optional(),
  component: z.string().max(200).optional(),
  taskType: z.string().max(200).optional(),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: Cursor,
})
export type UsageQuery = z.infer<typeof UsageQuery>

export const UsagePage = z.object({ items: z.array(UsageRecord), nextCursor: z.string().nullable() })
export type UsagePage = z.infer<typeof UsagePage>

export const GROUP_KEYS = ['budgetId', 'provider', 'model', 'component', 'taskType'] as const
export type GroupKey = (typeof GROUP_KEYS)[number]

export const UsageSummaryQuery = z.object({
  groupBy: csv.pipe(z.array(z.enum(GROUP_KEYS)).max(5)).optional().describe('Comma list of budgetId,provider,model,component,taskType'),
  budgetId: z.string().max(200).optional(),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
})
export type UsageSummaryQuery = z.infer<typeof UsageSummaryQuery>

export const UsageTotals = z.object({
  requests: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheReadTokens: z.number().int(),
  cacheWriteTokens: z.number().int(),
  reasoningTokens: z.number().int(),
  totalTokens: z.number().int(),
  costUsd: z.number(),
  unpricedRequests: z.number().int(),
})
export type UsageTotals = z.infer<typeof UsageTotals>

export const UsageSummary = z.object({
  from: Timestamp.nullable(),
  to: Timestamp.nullable(),
  groupBy: z.array(z.enum(GROUP_KEYS)),
  groups: z.array(z.object({ key: z.record(z.string(), z.string().nullable()), totals: UsageTotals })),
  totals: UsageTotals,
})
export type UsageSummary = z.infer<typeof UsageSummary>
