/**
 * What a legacy source reads into, before anything is written: the policies and usage
 * records to create, each already valid, with what was read, skipped and why. Sources
 * (apollo-source.ts, rhetor-source.ts) build a plan; run.ts carries it out.
 *
 * Pure data and small helpers: no I/O.
 */
import { createHash } from 'node:crypto'
import type { Policy } from '../../domain/policy.js'
import type { UsageInput } from '../../domain/usage.js'
import type { PolicySpec } from '../budget-setup.js'

/** A problem with one row, file or table: it was skipped (or read in part), never fatal. */
export interface Issue {
  /** Where: `usage_records_1714567890.json#12`, `usage#57`, `budget_settings#3`. */
  where: string
  reason: string
}

/** One file or table of the source. */
export interface InputCount {
  name: string
  rows: number
  accepted: number
  skipped: number
}

/** A usage record to create, with the cost the legacy system had recorded for it (USD), if any. */
export interface PlannedRecord {
  input: UsageInput & { id: string; timestamp: string }
  legacyCostUsd: number | null
}

export interface MigrationPlan {
  source: 'apollo' | 'rhetor'
  path: string
  timeZone: string
  policies: PolicySpec[]
  /** Policies that an existing one occupies the place of (Rhetor: one setting per period and provider). */
  sameSlot?: (existing: Policy, spec: PolicySpec) => boolean
  records: PlannedRecord[]
  inputs: InputCount[]
  /** Legacy rows that named a record already read (Apollo's overlapping files). */
  duplicatesInSource: number
  policiesSkipped: number
  recordsSkipped: number
  issues: Issue[]
  /** Facts worth telling that are not problems (defaults used, inactive rows left out). */
  notes: string[]
}

export function emptyPlan(source: MigrationPlan['source'], path: string, timeZone: string): MigrationPlan {
  return { source, path, timeZone, policies: [], records: [], inputs: [], duplicatesInSource: 0, policiesSkipped: 0, recordsSkipped: 0, issues: [], notes: [] }
}

/** A record id from legacy keys: readable while short, hashed when it would pass 200 characters. */
export function legacyId(prefix: string, ...parts: (string | number)[]): string {
  const id = `${prefix}:${parts.join(':')}`
  return id.length <= 200 ? id : `${prefix}:${createHash('sha256').update(parts.join('\u0000')).digest('hex')}`
}

/** A short, stable fingerprint of some values. */
export const fingerprint = (...values: unknown[]): string => createHash('sha256').update(JSON.stringify(values)).digest('hex').slice(0, 12)

/** A legacy text field: trimmed, or undefined when null, empty or not text. */
export function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  return trimmed === '' ? undefined : trimmed
}

/** A whole number ≥ 0 from a legacy field (a number or numeric text), or undefined. */
export function count(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

/** A finite number ≥ 0 from a legacy field, or undefined. */
export function amount(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
