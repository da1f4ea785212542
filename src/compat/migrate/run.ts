/**
 * Carries out a migration plan on a BudgetService (the embedded engine or a server):
 * the budget, its policies, then the usage records in batches. Without `apply` it only
 * reads, and reports what it would create.
 *
 * Idempotent: the budget is found by name, policies by content (budget-setup.ts) and
 * records by their deterministic ids, so a second run creates nothing. The report sets the
 * legacy systems' recorded costs against ours (recomputed from our catalog at each
 * record's time), per model.
 */
import type { BudgetService } from '../../client/service.js'
import { nanoToUsd, usdToNano } from '../../domain/money.js'
import type { UsageInput } from '../../domain/usage.js'
import { ensureBudget, ensurePolicies, findBudget, samePolicy } from '../budget-setup.js'
import type { Issue, MigrationPlan, PlannedRecord } from './plan.js'

export type MigrationService = Pick<BudgetService, 'getBudget' | 'createBudget' | 'listPolicies' | 'createPolicy' | 'recordBatch' | 'listUsage' | 'calculateCost'>

export interface Progress {
  phase: 'pricing' | 'checking' | 'writing'
  done: number
  total: number
}

export interface MigrationOptions {
  budgetName: string
  apply: boolean
  /** Records per batch written (default 1,000). */
  batchSize?: number
  onProgress?: (progress: Progress) => void
}

/** Our cost against the legacy system's for one model, decimal USD. */
export interface CostDifference {
  provider: string
  model: string
  records: number
  legacyUsd: number
  recomputedUsd: number
  /** recomputed − legacy. */
  differenceUsd: number
  /** Records we have no price for (not in recomputedUsd). */
  unpriced: number
}

export interface MigrationReport {
  source: 'apollo' | 'rhetor'
  path: string
  dryRun: boolean
  timeZone: string
  budget: { name: string; id: string | null; created: boolean }
  inputs: MigrationPlan['inputs']
  policies: { planned: number; created: number; existing: number; conflicting: number; skipped: number }
  records: { valid: number; duplicatesInSource: number; skipped: number; created: number; existing: number }
  tokens: { input: number; output: number }
  costUsd: number
  unpricedRecords: number
  /** Null when the source recorded no costs (Apollo counted tokens only). */
  legacyCost: { records: number; legacyUsd: number; recomputedUsd: number; differenceUsd: number; byModel: CostDifference[] } | null
  issues: Issue[]
  issueCount: number
  notes: string[]
}

const MAX_ISSUES = 200
const PAGE = 1_000

export async function runMigration(service: MigrationService, plan: MigrationPlan, options: MigrationOptions): Promise<MigrationReport> {
  const existing = await findBudget(service, options.budgetName)
  const budget = existing ?? (options.apply ? (await ensureBudget(service, options.budgetName, `Migrated from ${plan.source} (Tekton)`)).budget : null)
  const budgetId = budget?.id ?? null

  const issues = [...plan.issues]
  const current = budgetId === null ? [] : await service.listPolicies(budgetId)
  const conflicting = plan.sameSlot ? plan.policies.filter((spec) => current.some((p) => plan.sameSlot?.(p, spec) && !samePolicy(p, spec))) : []
  for (const spec of conflicting) {
    issues.push({ where: `policy ${spec.period} ${spec.scope?.provider ?? 'all'}`, reason: 'the budget already has a different limit for this period and provider; it was kept' })
  }
  const ensured = await ensurePolicies(service, budgetId, plan.policies.filter((spec) => !conflicting.includes(spec)), !options.apply)

  const costs = await priceRecords(service, plan.records, options.onProgress)
  let created: number
  if (options.apply && budgetId !== null) {
    created = await writeRecords(service, budgetId, plan.records, options)
  } else {
    const already = await existingIds(service, budgetId, plan.records, options.onProgress)
    created = plan.records.filter((r) => !already.has(r.input.id)).length
  }

  return {
    source: plan.source,
    path: plan.path,
    dryRun: !options.apply,
    timeZone: plan.timeZone,
    budget: { name: options.budgetName, id: budgetId, created: existing === null },
    inputs: plan.inputs,
    policies: { planned: plan.policies.length, created: ensured.created.length, existing: ensured.existing, conflicting: conflicting.length, skipped: plan.policiesSkipped },
    records: { valid: plan.records.length, duplicatesInSource: plan.duplicatesInSource, skipped: plan.recordsSkipped, created, existing: plan.records.length - created },
    tokens: { input: sum(plan.records.map((r) => r.input.inputTokens)), output: sum(plan.records.map((r) => r.input.outputTokens)) },
    costUsd: nanoToUsd(sum(costs.map((c) => c ?? 0))),
    unpricedRecords: costs.filter((c) => c === null).length,
    legacyCost: compareCosts(plan.records, costs),
    issues: issues.slice(0, MAX_ISSUES),
    issueCount: issues.length,
    notes: plan.notes,
  }
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)

/** Our cost of each record at its own time, nano-USD; null where we have no price. */
async function priceRecords(service: MigrationService, records: readonly PlannedRecord[], onProgress: MigrationOptions['onProgress']): Promise<(number | null)[]> {
  const costs: (number | null)[] = []
  for (const [index, { input }] of records.entries()) {
    const result = await service.calculateCost({
      provider: input.provider,
      model: input.model,
      inputTokens: input.inputTokens,
      outputTokens: input.outputTokens,
      ...(input.cacheReadTokens !== undefined && { cacheReadTokens: input.cacheReadTokens }),
      ...(input.cacheWriteTokens !== undefined && { cacheWriteTokens: input.cacheWriteTokens }),
      timestamp: input.timestamp,
    })
    costs.push(result.costUsd === null ? null : usdToNano(result.costUsd))
    if (index % 500 === 499 || index === records.length - 1) onProgress?.({ phase: 'pricing', done: index + 1, total: records.length })
  }
  return costs
}

/** Ids of the planned records the budget already holds: those of the records it has in their time span. */
async function existingIds(service: MigrationService, budgetId: string | null, records: readonly PlannedRecord[], onProgress: MigrationOptions['onProgress']): Promise<Set<string>> {
  const found = new Set<string>()
  if (budgetId === null || records.length === 0) return found
  const wanted = new Set(records.map((r) => r.input.id))
  let fromMs = Infinity
  let toMs = -Infinity
  for (const r of records) {
    const ms = Date.parse(r.input.timestamp)
    fromMs = Math.min(fromMs, ms)
    toMs = Math.max(toMs, ms)
  }
  let cursor: string | undefined
  let read = 0
  do {
    const page = await service.listUsage({
      budgetId,
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs + 1).toISOString(),
      limit: PAGE,
      ...(cursor !== undefined && { cursor }),
    })
    for (const item of page.items) if (wanted.has(item.id)) found.add(item.id)
    read += page.items.length
    onProgress?.({ phase: 'checking', done: read, total: Math.max(read, records.length) })
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return found
}

/** Writes the records in batches; returns how many were new. */
async function writeRecords(service: MigrationService, budgetId: string, records: readonly PlannedRecord[], options: MigrationOptions): Promise<number> {
  const size = Math.max(1, options.batchSize ?? 1_000)
  let accepted = 0
  for (let start = 0; start < records.length; start += size) {
    const batch: UsageInput[] = records.slice(start, start + size).map((r) => ({ ...r.input, budgetId }))
    accepted += (await service.recordBatch(batch)).accepted
    options.onProgress?.({ phase: 'writing', done: Math.min(records.length, start + size), total: records.length })
  }
  return accepted
}

function compareCosts(records: readonly PlannedRecord[], costs: readonly (number | null)[]): MigrationReport['legacyCost'] {
  const byModel = new Map<string, { provider: string; model: string; records: number; legacyNano: number; oursNano: number; unpriced: number }>()
  for (const [index, record] of records.entries()) {
    if (record.legacyCostUsd === null) continue
    const key = `${record.input.provider}\u0000${record.input.model}`
    const entry = byModel.get(key) ?? { provider: record.input.provider, model: record.input.model, records: 0, legacyNano: 0, oursNano: 0, unpriced: 0 }
    const ours = costs[index] ?? null
    entry.records += 1
    entry.legacyNano += usdToNano(record.legacyCostUsd)
    entry.oursNano += ours ?? 0
    entry.unpriced += ours === null ? 1 : 0
    byModel.set(key, entry)
  }
  if (byModel.size === 0) return null
  const rows = [...byModel.values()]
    .map((e) => ({
      provider: e.provider,
      model: e.model,
      records: e.records,
      legacyUsd: nanoToUsd(e.legacyNano),
      recomputedUsd: nanoToUsd(e.oursNano),
      differenceUsd: nanoToUsd(e.oursNano - e.legacyNano),
      unpriced: e.unpriced,
    }))
    .sort((a, b) => Math.abs(b.differenceUsd) - Math.abs(a.differenceUsd) || a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model))
  const legacyNano = sum([...byModel.values()].map((e) => e.legacyNano))
  const oursNano = sum([...byModel.values()].map((e) => e.oursNano))
  return { records: sum(rows.map((r) => r.records)), legacyUsd: nanoToUsd(legacyNano), recomputedUsd: nanoToUsd(oursNano), differenceUsd: nanoToUsd(oursNano - legacyNano), byModel: rows }
}
