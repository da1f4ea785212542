/**
 * Reads Apollo's budget data directory into a migration plan:
 *
 * - `budget_policies.json`: a list of {policy_id, type, period, tier, component, task_type,
 *   limit (tokens), warning_threshold, action_threshold, start_date, end_date, enabled,
 *   metadata}. Each becomes a token policy scoped to its tier (and component / task type);
 *   one whose end_date has passed is migrated disabled, as Apollo ignored it. When the file
 *   is missing, Apollo ran on its defaults (warn per tier, hourly / daily / per session):
 *   those are planned instead.
 * - every `usage_records_<unix seconds>.json`, oldest first: lists of {record_id,
 *   allocation_id, context_id, component, provider, model, task_type, tokens_used,
 *   usage_type, timestamp, operation_id, metadata}. Each file held the last 1000 records at
 *   one shutdown, so files overlap: a record_id is read once. Its id here is
 *   `apollo:<record_id>`, so migrating again finds it already there.
 *
 * Timestamps are naive local times, read in the zone the caller names. A row that cannot
 * be read (nulls where values belong, unknown periods or tiers, bad numbers, dates that
 * are not dates) is skipped and reported; the rest is still read.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Tier } from '../../domain/common.js'
import { PolicyInput, PolicyType } from '../../domain/policy.js'
import { UsageInput } from '../../domain/usage.js'
import { ApolloPeriod, UsageType } from '../apollo/schemas.js'
import { splitByUsageType } from '../apollo/allocation-view.js'
import { TierResolver } from '../apollo/tiers.js'
import { apolloDefaultPolicies } from '../defaults.js'
import { parseLegacyTimestamp } from '../legacy-time.js'
import type { PolicySpec } from '../budget-setup.js'
import { count, emptyPlan, type InputCount, isObject, legacyId, type MigrationPlan, text } from './plan.js'

const POLICY_FILE = 'budget_policies.json'
const USAGE_FILE = /^usage_records_(\d+)\.json$/
/** The engine refuses records further in the future than this (clock drift allowance). */
const MAX_FUTURE_MS = 24 * 3_600_000

export interface ApolloSourceOptions {
  timeZone: string
  nowMs: number
  tiers?: TierResolver
}

export function readApolloDir(dir: string, options: ApolloSourceOptions): MigrationPlan {
  const plan = emptyPlan('apollo', dir, options.timeZone)
  readPolicies(plan, dir, options)
  readUsage(plan, dir, options)
  return plan
}

function readJsonList(plan: MigrationPlan, path: string, name: string): unknown[] | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    plan.issues.push({ where: name, reason: `not readable JSON (${(error as Error).message}): file skipped` })
    return null
  }
  if (!Array.isArray(parsed)) {
    plan.issues.push({ where: name, reason: 'not a JSON list: file skipped' })
    return null
  }
  return parsed
}

function readPolicies(plan: MigrationPlan, dir: string, options: ApolloSourceOptions): void {
  const path = join(dir, POLICY_FILE)
  if (!existsSync(path)) {
    plan.policies.push(...apolloDefaultPolicies())
    plan.notes.push(`${POLICY_FILE} is missing: Apollo ran on its default policies (warn per tier for hourly, daily and per session), which are planned instead`)
    return
  }
  const rows = readJsonList(plan, path, POLICY_FILE)
  const input: InputCount = { name: POLICY_FILE, rows: rows?.length ?? 0, accepted: 0, skipped: 0 }
  plan.inputs.push(input)
  for (const [index, row] of (rows ?? []).entries()) {
    const where = `${POLICY_FILE}#${index}`
    const result = toPolicy(row, options)
    if (typeof result === 'string') {
      plan.issues.push({ where, reason: result })
      input.skipped += 1
      plan.policiesSkipped += 1
      continue
    }
    if (result.expired) plan.notes.push(`${where}: end_date has passed, migrated disabled`)
    plan.policies.push(result.spec)
    input.accepted += 1
  }
}

/** A policy spec, or why the row cannot be one. */
function toPolicy(row: unknown, options: ApolloSourceOptions): { spec: PolicySpec; expired: boolean } | string {
  if (!isObject(row)) return 'not an object'
  const type = PolicyType.safeParse(row.type)
  if (!type.success) return `unknown policy type ${JSON.stringify(row.type)}`
  const period = ApolloPeriod.safeParse(row.period)
  if (!period.success) return `unknown period ${JSON.stringify(row.period)}`
  const tier = Tier.safeParse(row.tier)
  if (!tier.success) return `unknown tier ${JSON.stringify(row.tier)}`
  const limit = count(row.limit)
  if (limit === undefined || limit === 0) return `limit ${JSON.stringify(row.limit)} is not a positive number of tokens`
  const endMs = text(row.end_date) === undefined ? null : parseLegacyTimestamp(String(row.end_date), options.timeZone)
  if (text(row.end_date) !== undefined && endMs === null) return `end_date ${JSON.stringify(row.end_date)} is not a date`
  const expired = endMs !== null && endMs <= options.nowMs
  const component = text(row.component)
  const taskType = text(row.task_type)
  const spec: PolicySpec = {
    type: type.data,
    period: period.data,
    tokenLimit: limit,
    ...(typeof row.warning_threshold === 'number' && { warningThreshold: row.warning_threshold }),
    ...(typeof row.action_threshold === 'number' && { actionThreshold: row.action_threshold }),
    enabled: row.enabled !== false && !expired,
    scope: { tier: tier.data, ...(component !== undefined && { component }), ...(taskType !== undefined && { taskType }) },
  }
  const valid = PolicyInput.safeParse({ ...spec, budgetId: 'apollo' })
  if (!valid.success) return valid.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
  return { spec, expired }
}

function readUsage(plan: MigrationPlan, dir: string, options: ApolloSourceOptions): void {
  const files = readdirSync(dir)
    .map((name) => ({ name, match: USAGE_FILE.exec(name) }))
    .filter((f): f is { name: string; match: RegExpExecArray } => f.match !== null)
    .sort((a, b) => Number(a.match[1]) - Number(b.match[1]) || a.name.localeCompare(b.name))
  if (files.length === 0) plan.notes.push('no usage_records_*.json files: no usage to migrate')
  const tiers = options.tiers ?? new TierResolver()
  const seen = new Map<string, string>()
  for (const file of files) {
    const rows = readJsonList(plan, join(dir, file.name), file.name)
    const input: InputCount = { name: file.name, rows: rows?.length ?? 0, accepted: 0, skipped: 0 }
    plan.inputs.push(input)
    for (const [index, row] of (rows ?? []).entries()) {
      const where = `${file.name}#${index}`
      const recordId = isObject(row) ? text(row.record_id) : undefined
      if (recordId !== undefined && seen.has(recordId)) {
        // The same record saved at several shutdowns: read once, from the oldest file.
        if (seen.get(recordId) !== JSON.stringify(row)) plan.issues.push({ where, reason: `record ${recordId} differs from its copy in an older file; the older copy is kept` })
        plan.duplicatesInSource += 1
        input.accepted += 1
        continue
      }
      const result = toRecord(row, file.name, tiers, options)
      if (typeof result === 'string') {
        plan.issues.push({ where, reason: result })
        input.skipped += 1
        plan.recordsSkipped += 1
        continue
      }
      seen.set(recordId ?? result.input.id, JSON.stringify(row))
      plan.records.push(result)
      input.accepted += 1
    }
  }
}

function toRecord(row: unknown, file: string, tiers: TierResolver, options: ApolloSourceOptions): MigrationPlan['records'][number] | string {
  if (!isObject(row)) return 'not an object'
  const recordId = text(row.record_id)
  if (recordId === undefined) return 'no record_id'
  const tokens = count(row.tokens_used)
  if (tokens === undefined) return `tokens_used ${JSON.stringify(row.tokens_used)} is not a number of tokens`
  const rawTime = text(row.timestamp)
  const timestampMs = rawTime === undefined ? null : parseLegacyTimestamp(rawTime, options.timeZone)
  if (timestampMs === null) return `timestamp ${JSON.stringify(row.timestamp)} is not a date`
  if (timestampMs > options.nowMs + MAX_FUTURE_MS) return `timestamp ${rawTime} is in the future`
  const usageType = UsageType.safeParse(row.usage_type).data ?? 'total'
  const provider = text(row.provider) ?? 'unknown'
  const model = text(row.model) ?? 'unknown'
  const component = text(row.component)
  const taskType = text(row.task_type)
  const contextId = text(row.context_id)
  const operation = text(row.operation_id)
  const candidate = {
    id: legacyId('apollo', recordId),
    timestamp: new Date(timestampMs).toISOString(),
    provider,
    model,
    ...(component !== undefined && { component }),
    ...(taskType !== undefined && { taskType }),
    ...(contextId !== undefined && { contextId }),
    ...(operation !== undefined && { operation }),
    tier: tiers.resolve({ model, component, provider }),
    ...splitByUsageType(tokens, usageType),
    metadata: {
      ...(isObject(row.metadata) ? row.metadata : {}),
      migratedFrom: {
        system: 'apollo',
        file,
        recordId,
        allocationId: text(row.allocation_id) ?? null,
        usageType: text(row.usage_type) ?? null,
        timestamp: rawTime,
      },
    },
  }
  const valid = UsageInput.safeParse(candidate)
  if (!valid.success) return valid.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
  return { input: { ...valid.data, id: candidate.id, timestamp: candidate.timestamp }, legacyCostUsd: null }
}
