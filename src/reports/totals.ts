/**
 * Metric sums as reports show them: UsageTotals (decimal USD at the edge, tokens by kind,
 * requests, unpriced requests), and adding totals up exactly (nano-USD as bigint).
 */
import { nanoToUsd } from '../domain/money.js'
import type { UsageTotals } from '../domain/usage.js'

export const METRICS = ['requests', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens', 'costNano', 'unpricedRequests'] as const
export type Metric = (typeof METRICS)[number]

/** Integer sums of one group; costNano in bigint so that any number of groups adds up exactly. */
export type Sums = Record<Exclude<Metric, 'costNano'>, number> & { costNano: bigint }

export const emptySums = (): Sums => ({
  requests: 0,
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  costNano: 0n,
  unpricedRequests: 0,
})

/** The sums of a result row (SQL sums arrive as numbers, or null over no rows). */
export function sumsOf(row: Record<string, unknown>): Sums {
  const n = (key: Metric) => Number(row[key] ?? 0)
  return {
    requests: n('requests'),
    inputTokens: n('inputTokens'),
    outputTokens: n('outputTokens'),
    cacheReadTokens: n('cacheReadTokens'),
    cacheWriteTokens: n('cacheWriteTokens'),
    reasoningTokens: n('reasoningTokens'),
    costNano: BigInt(n('costNano')),
    unpricedRequests: n('unpricedRequests'),
  }
}

export function addSums(into: Sums, more: Sums): Sums {
  for (const key of METRICS) {
    if (key === 'costNano') into.costNano += more.costNano
    else into[key] += more[key]
  }
  return into
}

export function toTotals(s: Sums): UsageTotals {
  return {
    requests: s.requests,
    inputTokens: s.inputTokens,
    outputTokens: s.outputTokens,
    cacheReadTokens: s.cacheReadTokens,
    cacheWriteTokens: s.cacheWriteTokens,
    reasoningTokens: s.reasoningTokens,
    totalTokens: s.inputTokens + s.outputTokens + s.cacheReadTokens + s.cacheWriteTokens,
    costUsd: nanoToUsd(s.costNano),
    unpricedRequests: s.unpricedRequests,
  }
}

/** The columns of UsageTotals in export order. */
export const TOTAL_COLUMNS = ['requests', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens', 'totalTokens', 'costUsd', 'unpricedRequests'] as const
