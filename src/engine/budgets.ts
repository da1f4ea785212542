/**
 * Budgets and their policies: create, read, change, delete. A policy's counters are
 * rebuilt from the records of its current window whenever it is created or changed, so
 * a limit added at 3 pm already counts the morning's spend.
 */
import type { Budget, BudgetInput, BudgetUpdate } from '../domain/budget.js'
import { conflict, invalid, notFound } from '../domain/errors.js'
import { newId } from '../domain/ids.js'
import { type Policy, type PolicyInput, policyProblems, type PolicyUpdate } from '../domain/policy.js'
import {
  costLimitNano,
  findBudget,
  findPolicy,
  fromPolicyTable,
  listBudgets,
  policiesOfBudget,
  type PolicyRow,
  toBudget,
  toPolicy,
  toPolicyTable,
} from '../store/budgets.js'
import type { Executor } from '../store/schema.js'
import { addPolicyUsage, clearPolicyUsage, type PolicyUsageDelta, usageInSpan } from '../store/usage.js'
import type { EngineContext } from './context.js'
import { counterFor, rebuildSpan } from './policy-window.js'
import { applies } from './policy-match.js'

export async function requireBudget(db: Executor, idOrName: string) {
  const row = await findBudget(db, idOrName)
  if (!row) throw notFound('budget', idOrName)
  return row
}

const isUniqueViolation = (error: unknown) => /UNIQUE|duplicate key/i.test(String((error as Error)?.message ?? error))

export async function createBudget(ctx: EngineContext, input: BudgetInput): Promise<Budget> {
  return ctx.store.writes.write(async (trx) => {
    if (await findBudget(trx, input.name)) throw conflict(`a budget named ${input.name} already exists`, { name: input.name })
    const now = ctx.now()
    const row = {
      id: newId('budget'),
      name: input.name,
      description: input.description ?? null,
      owner: input.owner ?? null,
      tags: JSON.stringify(input.tags ?? []),
      createdAt: now,
      updatedAt: now,
      archived: 0,
    }
    await trx.insertInto('budgets').values(row).execute()
    return toBudget(row)
  })
}

export async function getBudget(ctx: EngineContext, idOrName: string): Promise<Budget> {
  return toBudget(await requireBudget(ctx.store.db, idOrName))
}

export async function allBudgets(ctx: EngineContext, includeArchived = false): Promise<Budget[]> {
  return (await listBudgets(ctx.store.db, includeArchived)).map(toBudget)
}

export async function updateBudget(ctx: EngineContext, idOrName: string, update: BudgetUpdate): Promise<Budget> {
  return ctx.store.writes.write(async (trx) => {
    const current = await requireBudget(trx, idOrName)
    const next = {
      ...current,
      name: update.name ?? current.name,
      description: update.description ?? current.description,
      owner: update.owner ?? current.owner,
      tags: update.tags ? JSON.stringify(update.tags) : current.tags,
      archived: update.archived === undefined ? current.archived : Number(update.archived),
      updatedAt: ctx.now(),
    }
    try {
      await trx.updateTable('budgets').set(next).where('id', '=', current.id).execute()
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`a budget named ${next.name} already exists`, { name: next.name })
      throw error
    }
    return toBudget(next)
  })
}

/** Deletes a budget and its policies; its usage records stay, as history. */
export async function deleteBudget(ctx: EngineContext, idOrName: string): Promise<void> {
  await ctx.store.writes.write(async (trx, traits) => {
    const budget = await requireBudget(trx, idOrName)
    // Taken first, as checks and commits take it, so that they queue behind the delete.
    await traits.lockBudgets(trx, [budget.id], 'change')
    const policyIds = (await policiesOfBudget(trx, budget.id)).map((p) => p.id)
    if (policyIds.length > 0) {
      await trx.deleteFrom('policyUsage').where('policyId', 'in', policyIds).execute()
      await trx.deleteFrom('reservationHolds').where('policyId', 'in', policyIds).execute()
    }
    await trx.deleteFrom('policies').where('budgetId', '=', budget.id).execute()
    await trx.deleteFrom('budgets').where('id', '=', budget.id).execute()
  })
}

export async function createPolicy(ctx: EngineContext, input: PolicyInput): Promise<Policy> {
  return ctx.store.writes.write(async (trx, traits) => {
    const budget = await requireBudget(trx, input.budgetId)
    // Counters are rebuilt from the records: no commit on this budget may run meanwhile.
    await traits.lockBudgets(trx, [budget.id], 'change')
    const now = ctx.now()
    const policy: PolicyRow = {
      id: newId('policy'),
      budgetId: budget.id,
      type: input.type,
      period: input.period,
      windowSeconds: input.windowSeconds ?? null,
      tokenLimit: input.tokenLimit ?? null,
      costLimitNano: costLimitNano(input.costLimitUsd),
      warningThreshold: input.warningThreshold ?? 0.8,
      actionThreshold: input.actionThreshold ?? 0.95,
      scope: input.scope ?? {},
      enabled: input.enabled ?? true,
      createdAt: now,
      updatedAt: now,
    }
    await trx.insertInto('policies').values(toPolicyTable(policy)).execute()
    await rebuildCounters(ctx, trx, policy)
    return toPolicy(policy)
  })
}

export async function getPolicy(ctx: EngineContext, id: string): Promise<Policy> {
  const policy = await findPolicy(ctx.store.db, id)
  if (!policy) throw notFound('policy', id)
  return toPolicy(policy)
}

export async function listPolicies(ctx: EngineContext, budgetIdOrName?: string): Promise<Policy[]> {
  if (budgetIdOrName !== undefined) {
    const budget = await requireBudget(ctx.store.db, budgetIdOrName)
    return (await policiesOfBudget(ctx.store.db, budget.id)).map(toPolicy)
  }
  const rows = await ctx.store.db.selectFrom('policies').selectAll().orderBy('createdAt').orderBy('id').execute()
  return rows.map((row) => toPolicy(fromPolicyTable(row)))
}

export async function updatePolicy(ctx: EngineContext, id: string, update: PolicyUpdate): Promise<Policy> {
  return ctx.store.writes.write(async (trx, traits) => {
    const current = await findPolicy(trx, id)
    if (!current) throw notFound('policy', id)
    await traits.lockBudgets(trx, [current.budgetId], 'change')
    const merged = { ...toPolicy(current), ...update }
    const problems = policyProblems(merged)
    if (problems.length > 0) throw invalid(problems.map((p) => p.message).join('; '), { issues: problems })
    const next: PolicyRow = {
      ...current,
      type: merged.type,
      period: merged.period,
      windowSeconds: merged.windowSeconds ?? null,
      tokenLimit: merged.tokenLimit ?? null,
      costLimitNano: costLimitNano(merged.costLimitUsd),
      warningThreshold: merged.warningThreshold,
      actionThreshold: merged.actionThreshold,
      scope: merged.scope,
      enabled: merged.enabled,
      updatedAt: ctx.now(),
    }
    await trx.updateTable('policies').set(toPolicyTable(next)).where('id', '=', id).execute()
    await rebuildCounters(ctx, trx, next)
    return toPolicy(next)
  })
}

export async function deletePolicy(ctx: EngineContext, id: string): Promise<void> {
  await ctx.store.writes.write(async (trx) => {
    const result = await trx.deleteFrom('policies').where('id', '=', id).executeTakeFirst()
    if (result.numDeletedRows === 0n) throw notFound('policy', id)
    await trx.deleteFrom('policyUsage').where('policyId', '=', id).execute()
    await trx.deleteFrom('reservationHolds').where('policyId', '=', id).execute()
  })
}

/**
 * Recounts a policy's current window from the raw records. This is the one place that
 * scans records, and only when a policy is created or changed; checks read the counters.
 */
async function rebuildCounters(ctx: EngineContext, trx: Executor, policy: PolicyRow): Promise<void> {
  await clearPolicyUsage(trx, policy.id)
  const span = rebuildSpan(policy, ctx.now(), ctx.timeZone)
  if (span === null) return
  const deltas = new Map<string, PolicyUsageDelta>()
  for (const row of await usageInSpan(trx, policy.budgetId, span.fromMs, span.toMs)) {
    if (!applies(policy, row)) continue
    const key = counterFor(policy, Number(row.timestamp), ctx.timeZone, { contextId: row.contextId, taskKey: row.reservationId ?? row.id })
    if (key === null) continue
    const id = `${key.scopeKey}\u0000${key.bucketStart}`
    const delta = deltas.get(id) ?? { policyId: policy.id, ...key, tokens: 0, costNano: 0 }
    delta.tokens += countedTokens(row)
    delta.costNano += Number(row.costNano ?? 0)
    deltas.set(id, delta)
  }
  await addPolicyUsage(trx, deltas.values())
}

/** The tokens a policy counts for a record: every input, cache and output token. */
export function countedTokens(r: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number }): number {
  return Number(r.inputTokens) + Number(r.outputTokens) + Number(r.cacheReadTokens) + Number(r.cacheWriteTokens)
}
