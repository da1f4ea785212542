/**
 * Budget and policy rows: reading, writing and mapping them to the domain's shape.
 */
import type { Kysely, Selectable } from 'kysely'
import type { Budget } from '../domain/budget.js'
import type { Scope } from '../domain/common.js'
import type { BudgetId, PolicyId } from '../domain/ids.js'
import { nanoToUsd, usdToNano } from '../domain/money.js'
import type { Period } from '../domain/periods.js'
import type { Policy, PolicyType } from '../domain/policy.js'
import { prepared } from './prepared.js'
import type { BudgetsTable, DB, Executor, PoliciesTable } from './schema.js'

const iso = (ms: number) => new Date(ms).toISOString()

export function toBudget(row: Selectable<BudgetsTable>): Budget {
  return {
    id: row.id as BudgetId,
    name: row.name,
    description: row.description,
    owner: row.owner,
    tags: JSON.parse(row.tags) as string[],
    createdAt: iso(Number(row.createdAt)),
    updatedAt: iso(Number(row.updatedAt)),
    archived: Boolean(row.archived),
  }
}

/** A budget by id, or by its unique name. */
const budgetByIdOrName = prepared((db, p: { id: string; name: string }) =>
  db
    .selectFrom('budgets')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', p.id), eb('name', '=', p.name)])),
)

export async function findBudget(db: Executor, idOrName: string): Promise<Selectable<BudgetsTable> | undefined> {
  const [row] = await budgetByIdOrName(db, { id: idOrName, name: idOrName })
  return row
}

export async function listBudgets(db: Executor, includeArchived: boolean): Promise<Selectable<BudgetsTable>[]> {
  let query = db.selectFrom('budgets').selectAll().orderBy('name')
  if (!includeArchived) query = query.where('archived', '=', 0)
  return query.execute()
}

/** The policy's internal form: limits in nano-USD, scope as a plain object. */
export interface PolicyRow {
  id: string
  budgetId: string
  type: PolicyType
  period: Period
  windowSeconds: number | null
  tokenLimit: number | null
  costLimitNano: number | null
  warningThreshold: number
  actionThreshold: number
  scope: Scope
  enabled: boolean
  createdAt: number
  updatedAt: number
}

export function fromPolicyTable(row: Selectable<PoliciesTable>): PolicyRow {
  const scope: Scope = {}
  if (row.scopeTier !== null) scope.tier = row.scopeTier as Scope['tier']
  if (row.scopeProvider !== null) scope.provider = row.scopeProvider
  if (row.scopeModel !== null) scope.model = row.scopeModel
  if (row.scopeComponent !== null) scope.component = row.scopeComponent
  if (row.scopeTaskType !== null) scope.taskType = row.scopeTaskType
  return {
    id: row.id,
    budgetId: row.budgetId,
    type: row.type as PolicyType,
    period: row.period as Period,
    windowSeconds: row.windowSeconds === null ? null : Number(row.windowSeconds),
    tokenLimit: row.tokenLimit === null ? null : Number(row.tokenLimit),
    costLimitNano: row.costLimitNano === null ? null : Number(row.costLimitNano),
    warningThreshold: Number(row.warningThreshold),
    actionThreshold: Number(row.actionThreshold),
    scope,
    enabled: Boolean(row.enabled),
    createdAt: Number(row.createdAt),
    updatedAt: Number(row.updatedAt),
  }
}

export function toPolicyTable(p: PolicyRow): Selectable<PoliciesTable> {
  return {
    id: p.id,
    budgetId: p.budgetId,
    type: p.type,
    period: p.period,
    windowSeconds: p.windowSeconds,
    tokenLimit: p.tokenLimit,
    costLimitNano: p.costLimitNano,
    warningThreshold: p.warningThreshold,
    actionThreshold: p.actionThreshold,
    scopeTier: p.scope.tier ?? null,
    scopeProvider: p.scope.provider ?? null,
    scopeModel: p.scope.model ?? null,
    scopeComponent: p.scope.component ?? null,
    scopeTaskType: p.scope.taskType ?? null,
    enabled: p.enabled ? 1 : 0,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  }
}

export function toPolicy(p: PolicyRow): Policy {
  const policy: Policy = {
    id: p.id as PolicyId,
    budgetId: p.budgetId as BudgetId,
    type: p.type,
    period: p.period,
    warningThreshold: p.warningThreshold,
    actionThreshold: p.actionThreshold,
    scope: p.scope,
    enabled: p.enabled,
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
  }
  if (p.windowSeconds !== null) policy.windowSeconds = p.windowSeconds
  if (p.tokenLimit !== null) policy.tokenLimit = p.tokenLimit
  if (p.costLimitNano !== null) policy.costLimitUsd = nanoToUsd(p.costLimitNano)
  return policy
}

export const costLimitNano = (usd: number | undefined) => (usd === undefined ? null : usdToNano(usd))

/** Enabled policies of one budget, or of every unarchived budget when `budgetId` is null. */
const enabled = (db: Kysely<DB>) =>
  db.selectFrom('policies').innerJoin('budgets', 'budgets.id', 'policies.budgetId').selectAll('policies').where('policies.enabled', '=', 1).where('budgets.archived', '=', 0)
const enabledOfBudget = prepared((db, p: { budgetId: string }) => enabled(db).where('policies.budgetId', '=', p.budgetId).orderBy('policies.id'))
const enabledOfAll = prepared((db) => enabled(db).orderBy('policies.id'))

/** The enabled policies of a budget that is not archived; with null, of every such budget. */
export async function enabledPolicies(db: Executor, budgetId: string | null): Promise<PolicyRow[]> {
  const rows = budgetId === null ? await enabledOfAll(db, {}) : await enabledOfBudget(db, { budgetId })
  return rows.map(fromPolicyTable)
}

export async function policiesOfBudget(db: Executor, budgetId: string): Promise<PolicyRow[]> {
  const rows = await db.selectFrom('policies').selectAll().where('budgetId', '=', budgetId).orderBy('createdAt').orderBy('id').execute()
  return rows.map(fromPolicyTable)
}

export async function findPolicy(db: Executor, id: string): Promise<PolicyRow | undefined> {
  const row = await db.selectFrom('policies').selectAll().where('id', '=', id).executeTakeFirst()
  return row && fromPolicyTable(row)
}
