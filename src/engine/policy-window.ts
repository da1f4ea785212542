/**
 * Where a policy counts usage: which counter (scope key + bucket) a record at an instant
 * adds to, and which counters make up the policy's current window.
 *
 * Calendar periods keep one counter per window; rolling periods keep small buckets and
 * sum the ones inside the window; per_session keeps one counter per contextId; per_task
 * treats every reservation (or lone record) as its own window.
 */
import { bucketStart, calendarWindow, rollingBucketMs, rollingWindow } from '../domain/periods.js'
import type { PolicyRow } from '../store/budgets.js'

export interface CounterKey {
  scopeKey: string
  bucketStart: number
}

export interface WindowSpan {
  scopeKey: string
  fromBucket: number
  toBucket: number
  windowStartMs: number | null
  windowEndMs: number | null
}

type CountedPolicy = Pick<PolicyRow, 'period' | 'windowSeconds'>

/** The counter a record at `atMs` adds to, or null when the policy can't place it (a session policy and no contextId). */
export function counterFor(policy: CountedPolicy, atMs: number, timeZone: string, keys: { contextId: string | null; taskKey: string }): CounterKey | null {
  switch (policy.period) {
    case 'hourly':
    case 'daily':
    case 'weekly':
    case 'monthly':
      return { scopeKey: '', bucketStart: calendarWindow(policy.period, atMs, timeZone).startMs }
    case 'rolling':
      return { scopeKey: '', bucketStart: bucketStart(atMs, rollingBucketMs(policy.windowSeconds ?? 0)) }
    case 'per_session':
      return keys.contextId === null ? null : { scopeKey: keys.contextId, bucketStart: 0 }
    case 'per_task':
      return { scopeKey: `task:${keys.taskKey}`, bucketStart: 0 }
  }
}

/** The counters that make up the window in force at `atMs`; null for per_task (each task starts empty) or a session policy without contextId. */
export function currentSpan(policy: CountedPolicy, atMs: number, timeZone: string, contextId: string | null): WindowSpan | null {
  switch (policy.period) {
    case 'hourly':
    case 'daily':
    case 'weekly':
    case 'monthly': {
      const { startMs, endMs } = calendarWindow(policy.period, atMs, timeZone)
      return { scopeKey: '', fromBucket: startMs, toBucket: startMs + 1, windowStartMs: startMs, windowEndMs: endMs }
    }
    case 'rolling': {
      const { startMs, endMs } = rollingWindow(atMs, policy.windowSeconds ?? 0)
      return { scopeKey: '', fromBucket: startMs, toBucket: endMs, windowStartMs: startMs, windowEndMs: endMs }
    }
    case 'per_session':
      return contextId === null ? null : { scopeKey: contextId, fromBucket: 0, toBucket: 1, windowStartMs: null, windowEndMs: null }
    case 'per_task':
      return null
  }
}

/** The span a policy's counters should be rebuilt over when it is created or changed. */
export function rebuildSpan(policy: CountedPolicy, atMs: number, timeZone: string): { fromMs: number; toMs: number } | null {
  const span = currentSpan(policy, atMs, timeZone, null)
  if (span === null || span.windowStartMs === null || span.windowEndMs === null) return null
  return { fromMs: span.windowStartMs, toMs: span.windowEndMs }
}
