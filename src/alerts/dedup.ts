/**
 * Deduplication: one alert per policy, window and type. The key names the three; the
 * store's unique index on it is what decides between instances (store/alerts.ts). The
 * window of a rolling policy moves every instant, so its alerts count in periods of the
 * window's length aligned to the epoch: at most one of each type per such period.
 *
 * `RecentKeys` only spares the store a write for keys this process has already seen
 * raised; forgetting one is harmless.
 */
import type { AlertType } from '../domain/alert.js'
import type { PolicyRow } from '../store/budgets.js'

export interface AlertWindow {
  /** The part of the dedup key that names the window. */
  key: string
  startMs: number | null
  endMs: number | null
}

type WindowedPolicy = Pick<PolicyRow, 'period' | 'windowSeconds'>

/**
 * The window an alert about `policy` at `atMs` belongs to; null for per_task policies
 * (each task is its own window, too small to alert on) and for a session policy without
 * a session.
 */
export function alertWindow(policy: WindowedPolicy, span: { windowStartMs: number | null; windowEndMs: number | null }, atMs: number, contextId: string | null): AlertWindow | null {
  switch (policy.period) {
    case 'hourly':
    case 'daily':
    case 'weekly':
    case 'monthly':
      return span.windowStartMs === null ? null : { key: String(span.windowStartMs), startMs: span.windowStartMs, endMs: span.windowEndMs }
    case 'rolling': {
      const lengthMs = (policy.windowSeconds ?? 0) * 1000
      if (lengthMs <= 0) return null
      const startMs = Math.floor(atMs / lengthMs) * lengthMs
      return { key: String(startMs), startMs, endMs: startMs + lengthMs }
    }
    case 'per_session':
      return contextId === null ? null : { key: `session:${contextId}`, startMs: null, endMs: null }
    case 'per_task':
      return null
  }
}

export const policyDedupKey = (policyId: string, window: AlertWindow, type: AlertType) => `policy:${policyId}:${window.key}:${type}`

export const priceDedupKey = (key: string) => `price:${key}`

/** A bounded memory of dedup keys known to be raised; the oldest are forgotten first. */
export class RecentKeys {
  private readonly keys = new Set<string>()

  constructor(private readonly capacity = 10_000) {}

  has(key: string): boolean {
    return this.keys.has(key)
  }

  add(key: string): void {
    if (this.keys.has(key)) return
    this.keys.add(key)
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.values().next().value
      if (oldest !== undefined) this.keys.delete(oldest)
    }
  }
}
