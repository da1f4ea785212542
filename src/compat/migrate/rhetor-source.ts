/**
 * Reads Rhetor's SQLite database (`rhetor.db`) into a migration plan, opened read-only:
 *
 * - `usage(id, timestamp, provider, model, component, task_type, input_tokens,
 *   output_tokens, cost, metadata)`: one record per row. Its id here is
 *   `rhetor:<id>:<fingerprint of the row>`, so migrating again finds it, and two
 *   databases' row 1 stay two records. The cost Rhetor computed (from its own price table,
 *   wrong for some models) is kept as metadata.migratedFrom.legacyCostUsd, beside ours.
 * - `budget_settings(id, period, provider, limit_amount, enforcement, start_date, active)`:
 *   each active row becomes a cost policy of its period, scoped to its provider ('all':
 *   none); enforce → hard_limit, warn → warn, ignore → ignore. When several active rows
 *   name one period and provider, the newest wins. A limit of 0 was Rhetor's "no limit".
 *
 * Timestamps are naive local times, read in the zone the caller names. Rows that cannot
 * be read are skipped and reported; a missing table is reported and the other still read.
 */
import Database from 'better-sqlite3'
import { BudgetError } from '../../domain/errors.js'
import { PolicyInput } from '../../domain/policy.js'
import { UsageInput } from '../../domain/usage.js'
import type { PolicySpec } from '../budget-setup.js'
import { parseLegacyTimestamp } from '../legacy-time.js'
import { Enforcement, RhetorPeriod } from '../rhetor/schemas.js'
import { ALL_PROVIDERS, isSetting } from '../rhetor/settings.js'
import { amount, count, emptyPlan, fingerprint, type InputCount, isObject, legacyId, type MigrationPlan, type PlannedRecord, text } from './plan.js'

const MAX_FUTURE_MS = 24 * 3_600_000
const POLICY_TYPE = { ignore: 'ignore', warn: 'warn', enforce: 'hard_limit' } as const

export interface RhetorSourceOptions {
  timeZone: string
  nowMs: number
}

type Row = Record<string, unknown>

export function readRhetorDb(path: string, options: RhetorSourceOptions): MigrationPlan {
  let db: Database.Database
  try {
    db = new Database(path, { readonly: true, fileMustExist: true })
  } catch (error) {
    throw new BudgetError('VALIDATION_FAILED', `cannot open ${path} as a SQLite database: ${(error as Error).message}`, { path }, { cause: error })
  }
  try {
    const plan = emptyPlan('rhetor', path, options.timeZone)
    plan.sameSlot = (existing, spec) => {
      const provider = spec.scope?.provider ?? ALL_PROVIDERS
      return (spec.period === 'daily' || spec.period === 'weekly' || spec.period === 'monthly') && isSetting(existing, spec.period, provider)
    }
    const tables = new Set((db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map((t) => t.name))
    for (const table of ['budget_settings', 'usage']) {
      if (!tables.has(table)) plan.issues.push({ where: table, reason: `no table ${table} in ${path}` })
    }
    if (tables.has('budget_settings')) readSettings(plan, db.prepare('select * from budget_settings order by id').all() as Row[])
    if (tables.has('usage')) readUsage(plan, db.prepare('select * from usage order by id').iterate() as Iterable<Row>, options)
    return plan
  } finally {
    db.close()
  }
}

function readSettings(plan: MigrationPlan, rows: Row[]): void {
  const input: InputCount = { name: 'budget_settings', rows: rows.length, accepted: 0, skipped: 0 }
  plan.inputs.push(input)
  const bySlot = new Map<string, { where: string; spec: PolicySpec }>()
  let inactive = 0
  const skip = (where: string, reason: string) => {
    plan.issues.push({ where, reason })
    input.skipped += 1
    plan.policiesSkipped += 1
  }
  for (const row of rows) {
    const where = `budget_settings#${String(row.id)}`
    if (Number(row.active) !== 1) {
      inactive += 1
      input.accepted += 1
      continue
    }
    const period = RhetorPeriod.safeParse(row.period)
    if (!period.success) {
      skip(where, `unknown period ${JSON.stringify(row.period)}`)
      continue
    }
    const enforcement = Enforcement.safeParse(row.enforcement)
    if (!enforcement.success) {
      skip(where, `unknown enforcement ${JSON.stringify(row.enforcement)}`)
      continue
    }
    const limit = amount(row.limit_amount)
    if (limit === undefined) {
      skip(where, `limit_amount ${JSON.stringify(row.limit_amount)} is not an amount of USD`)
      continue
    }
    const provider = text(row.provider) ?? ALL_PROVIDERS
    const slot = `${period.data}\u0000${provider}`
    if (limit === 0) {
      plan.notes.push(`${where}: limit 0 (Rhetor's "no limit") for ${period.data} ${provider}: nothing to migrate`)
      bySlot.delete(slot)
      input.accepted += 1
      continue
    }
    const spec: PolicySpec = { type: POLICY_TYPE[enforcement.data], period: period.data, costLimitUsd: limit, scope: provider === ALL_PROVIDERS ? {} : { provider } }
    const valid = PolicyInput.safeParse({ ...spec, budgetId: 'rhetor' })
    if (!valid.success) {
      skip(where, valid.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
      continue
    }
    const earlier = bySlot.get(slot)
    if (earlier) plan.notes.push(`${earlier.where} and ${where} are both active for ${period.data} ${provider}: the newer one is migrated`)
    bySlot.set(slot, { where, spec })
    input.accepted += 1
  }
  if (inactive > 0) plan.notes.push(`${inactive} inactive budget setting(s) are history: not migrated`)
  plan.policies.push(...[...bySlot.values()].map((s) => s.spec))
}

function readUsage(plan: MigrationPlan, rows: Iterable<Row>, options: RhetorSourceOptions): void {
  const input: InputCount = { name: 'usage', rows: 0, accepted: 0, skipped: 0 }
  plan.inputs.push(input)
  for (const row of rows) {
    input.rows += 1
    const result = toRecord(row, options)
    if (typeof result === 'string') {
      plan.issues.push({ where: `usage#${String(row.id)}`, reason: result })
      input.skipped += 1
      plan.recordsSkipped += 1
      continue
    }
    if (result.metadataIssue) plan.issues.push({ where: `usage#${String(row.id)}`, reason: result.metadataIssue })
    plan.records.push(result.record)
    input.accepted += 1
  }
}

function toRecord(row: Row, options: RhetorSourceOptions): { record: PlannedRecord; metadataIssue: string | null } | string {
  const id = count(row.id)
  if (id === undefined) return `id ${JSON.stringify(row.id)} is not a row id`
  const rawTime = text(row.timestamp)
  const timestampMs = rawTime === undefined ? null : parseLegacyTimestamp(rawTime, options.timeZone)
  if (timestampMs === null) return `timestamp ${JSON.stringify(row.timestamp)} is not a date`
  if (timestampMs > options.nowMs + MAX_FUTURE_MS) return `timestamp ${rawTime} is in the future`
  const inputTokens = count(row.input_tokens)
  if (inputTokens === undefined) return `input_tokens ${JSON.stringify(row.input_tokens)} is not a number of tokens`
  const outputTokens = count(row.output_tokens)
  if (outputTokens === undefined) return `output_tokens ${JSON.stringify(row.output_tokens)} is not a number of tokens`
  const provider = text(row.provider) ?? 'unknown'
  const model = text(row.model) ?? 'unknown'
  const component = text(row.component)
  const taskType = text(row.task_type)
  const legacyCostUsd = amount(row.cost) ?? null
  const { metadata, issue } = parseMetadata(row.metadata)
  const candidate = {
    id: legacyId('rhetor', id, fingerprint(rawTime, provider, model, inputTokens, outputTokens)),
    timestamp: new Date(timestampMs).toISOString(),
    provider,
    model,
    ...(component !== undefined && { component }),
    ...(taskType !== undefined && { taskType }),
    inputTokens,
    outputTokens,
    metadata: { ...metadata, migratedFrom: { system: 'rhetor', rowId: id, timestamp: rawTime, legacyCostUsd } },
  }
  const valid = UsageInput.safeParse(candidate)
  if (!valid.success) return valid.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
  return { record: { input: { ...valid.data, id: candidate.id, timestamp: candidate.timestamp }, legacyCostUsd }, metadataIssue: issue }
}

/** Rhetor's metadata column is JSON text; anything else is kept as it was, and reported. */
function parseMetadata(value: unknown): { metadata: Record<string, unknown>; issue: string | null } {
  if (value === null || value === undefined || value === '') return { metadata: {}, issue: null }
  try {
    const parsed: unknown = JSON.parse(String(value))
    if (isObject(parsed)) return { metadata: parsed, issue: null }
  } catch {
    // not JSON: kept as text below
  }
  return { metadata: { legacyMetadata: String(value) }, issue: 'metadata is not a JSON object: kept as text in metadata.legacyMetadata' }
}
