/**
 * Every usage record a listing matches, newest first, for exports: the listing's own
 * keyset pages (engine/usage-query.ts), walked to the end. Raw records, as record
 * listings must be; one page in memory at a time.
 */
import type { UsageQuery, UsageRecord } from '../domain/usage.js'
import type { EngineContext } from '../engine/context.js'
import { listUsage } from '../engine/usage-query.js'

const EXPORT_PAGE = 5_000

export async function* usageRecords(ctx: EngineContext, query: UsageQuery): AsyncGenerator<UsageRecord> {
  let cursor = query.cursor
  for (;;) {
    const page = await listUsage(ctx, { ...query, limit: EXPORT_PAGE, cursor })
    yield* page.items
    if (page.nextCursor === null) return
    cursor = page.nextCursor
  }
}

/** CSV columns of a usage record; metadata is written as JSON text. */
export const USAGE_RECORD_COLUMNS = [
  'id',
  'timestamp',
  'budgetId',
  'reservationId',
  'contextId',
  'provider',
  'model',
  'component',
  'taskType',
  'tier',
  'operation',
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'cacheWrite1hTokens',
  'reasoningTokens',
  'costUsd',
  'unpriced',
  'priceVersion',
  'metadata',
] as const satisfies readonly (keyof UsageRecord)[]
