/**
 * Closing the gap between what an instance's messages were recorded with and what its
 * `result` says the run used. Assistant lines in stream-json carry placeholder output
 * counts, and `modelUsage` also counts requests that are never streamed, so the result is
 * larger; the difference is recorded as one `reconcile` record per model, so that the
 * store's totals for the session equal the result's.
 *
 * Per model, field by field, never negative (a result smaller than the messages would be a
 * Claude Code bug; the messages stand). `modelUsage` may name a model by an alias: a
 * message's model matches the key equal to it or a prefix either way, else the busiest key.
 */
import { addTokens, type ClaudeTokens, totalTokens, ZERO_TOKENS } from '../importers/claude-code/entry.js'
import type { LedgerEntry } from '../importers/claude-code/ledger.js'
import type { RunResult } from './stream-session.js'

export function reconcileDeltas(messages: Iterable<LedgerEntry>, result: RunResult, fallbackModel: string | null): Map<string, ClaudeTokens> {
  const recorded = new Map<string, ClaudeTokens>()
  for (const { entry } of messages) {
    let sum = recorded.get(entry.model)
    if (sum === undefined) recorded.set(entry.model, (sum = { ...ZERO_TOKENS }))
    addTokens(sum, entry.tokens)
  }
  const truth = truthPerModel(result, recorded, fallbackModel)
  const keys = [...truth.keys()]
  const busiest = keys.reduce<string | undefined>((best, k) => (best === undefined || totalTokens(truth.get(k) as ClaudeTokens) > totalTokens(truth.get(best) as ClaudeTokens) ? k : best), undefined)
  const deltas = new Map<string, ClaudeTokens>()
  for (const [model, t] of truth) deltas.set(model, { ...t })
  for (const [model, sum] of recorded) {
    const key = keys.find((k) => k === model) ?? keys.find((k) => k.startsWith(model) || model.startsWith(k)) ?? busiest
    const delta = key === undefined ? undefined : deltas.get(key)
    if (delta !== undefined) addTokens(delta, sum, -1)
  }
  const result1h = result.tokens?.cacheWrite1hTokens ?? 0
  const recorded1h = [...recorded.values()].reduce((s, t) => s + t.cacheWrite1hTokens, 0)
  for (const [model, d] of deltas) {
    d.inputTokens = Math.max(0, d.inputTokens)
    d.outputTokens = Math.max(0, d.outputTokens)
    d.cacheReadTokens = Math.max(0, d.cacheReadTokens)
    d.cacheWriteTokens = Math.max(0, d.cacheWriteTokens)
    // Only the main loop's usage says which writes had a 1-hour TTL.
    d.cacheWrite1hTokens = model === busiest ? Math.min(d.cacheWriteTokens, Math.max(0, result1h - recorded1h)) : 0
    if (totalTokens(d) === 0) deltas.delete(model)
  }
  return deltas
}

function truthPerModel(result: RunResult, recorded: Map<string, ClaudeTokens>, fallbackModel: string | null): Map<string, ClaudeTokens> {
  if (result.perModel !== null && result.perModel.size > 0) return result.perModel
  if (result.tokens === null) return new Map()
  const models = [...recorded.entries()].sort(([, a], [, b]) => totalTokens(b) - totalTokens(a))
  const model = models[0]?.[0] ?? fallbackModel
  return model === null ? new Map() : new Map([[model, result.tokens]])
}
