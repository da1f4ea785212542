/**
 * Reservation lifecycle, first half: check (reserve) and release. Recording usage, which
 * commits a reservation, is in record.ts.
 *
 * Owns "committed + active reservations ≤ hard limit" for every matching policy: a check
 * reads the counters and writes its holds in one write transaction that holds the
 * budgets' lock (SQLite: the database write lock; PostgreSQL: row locks), so no other
 * check or commit can slip in between the read and the write.
 */
import type { CheckDecision, CheckRequest } from '../domain/check.js'
import { conflict, notFound } from '../domain/errors.js'
import { newId, type ReservationId } from '../domain/ids.js'
import { nanoToUsd } from '../domain/money.js'
import type { Reservation, ReservationQuery } from '../domain/reservation.js'
import { enabledPolicies, type PolicyRow } from '../store/budgets.js'
import {
  closeReservation,
  findReservation,
  insertReservation,
  listReservations,
  type ReservationRow,
} from '../store/reservations.js'
import type { Executor } from '../store/schema.js'
import { type Amount, policiesCounters } from '../store/usage.js'
import { requireBudget } from './budgets.js'
import type { EngineContext } from './context.js'
import { type Estimate, judge, mostSevere, type PolicyState } from './decide.js'
import { applies, type Dimensions } from './policy-match.js'
import { readPoliciesUnderLock } from './policy-lock.js'
import { currentSpan } from './policy-window.js'

const ZERO: Amount = { tokens: 0, costNano: 0 }
const iso = (ms: number) => new Date(ms).toISOString()

export async function check(ctx: EngineContext, request: CheckRequest): Promise<CheckDecision> {
  // The request may name the budget by name; events carry its id.
  let budgetId: string | null = null
  const decision = await ctx.store.writes.write(async (trx, traits) => {
    const now = ctx.now()
    const budget = request.budgetId === undefined ? null : await requireBudget(trx, request.budgetId)
    budgetId = budget?.id ?? null
    const dims = dimensionsOf(request, budgetId)
    const policies = await readPoliciesUnderLock(
      { trx, traits, mode: 'check' },
      [budgetId],
      async () => (await enabledPolicies(trx, dims.budgetId)).filter((p) => applies(p, dims)),
      (read) => read.map((p) => p.budgetId),
    )

    const contextId = request.contextId ?? null
    const states = await statesOf(trx, ctx, policies, now, contextId)
    const estimate: Estimate = {
      tokens: request.inputTokens + request.maxOutputTokens,
      costNano: ctx.catalog.estimateNano(request.provider, request.model, request.inputTokens, request.maxOutputTokens, now),
    }
    const verdicts = states.map((state) => judge(state, estimate))
    const action = mostSevere(verdicts.map((v) => v.action))
    const reasons = verdicts.flatMap((v) => (v.reason === null ? [] : [v.reason]))
    const base = { action, reasons, estimatedCostUsd: estimate.costNano === null ? null : nanoToUsd(estimate.costNano) }

    if (action === 'block') {
      const headroom = states.map((state) => judge(state, { tokens: 0, costNano: 0 }).headroom)
      return { ...base, allowed: false, policies: headroom, reservation: null }
    }

    const ttlSeconds = request.ttlSeconds ?? ctx.defaultTtlSeconds
    const reservation = {
      id: newId('reservation'),
      budgetId: dims.budgetId,
      contextId,
      provider: request.provider,
      model: request.model,
      component: dims.component,
      taskType: dims.taskType,
      tier: dims.tier,
      priority: request.priority ?? 5,
      tokensReserved: estimate.tokens,
      costReservedNano: estimate.costNano,
      tokensUsed: 0,
      costUsedNano: 0,
      status: 'active',
      createdAt: now,
      expiresAt: now + ttlSeconds * 1000,
    }
    const holds = states.flatMap(({ policy }) => {
      const span = policy.type === 'ignore' ? null : currentSpan(policy, now, ctx.timeZone, contextId)
      if (span === null) return []
      return [{ reservationId: reservation.id, policyId: policy.id, scopeKey: span.scopeKey, tokens: estimate.tokens, costNano: estimate.costNano ?? 0, expiresAt: reservation.expiresAt }]
    })
    await insertReservation(trx, reservation, holds)
    return {
      ...base,
      allowed: true,
      policies: verdicts.map((v) => v.headroom),
      reservation: {
        id: reservation.id as ReservationId,
        expiresAt: iso(reservation.expiresAt),
        tokensReserved: reservation.tokensReserved,
        costReservedUsd: estimate.costNano === null ? null : nanoToUsd(estimate.costNano),
      },
    }
  })
  const withSuggestion = addSuggestion(ctx, request, decision)
  ctx.events.publish({ type: 'budget.check', topic: 'allocation_updates', budgetId, payload: withSuggestion })
  return withSuggestion
}

function dimensionsOf(request: CheckRequest, budgetId: string | null): Dimensions {
  return {
    budgetId,
    tier: request.tier ?? null,
    provider: request.provider,
    model: request.model,
    component: request.component ?? null,
    taskType: request.taskType ?? null,
  }
}

/** Every policy's standing in its current window, read in one query after the lock. */
async function statesOf(db: Executor, ctx: EngineContext, policies: readonly PolicyRow[], now: number, contextId: string | null): Promise<PolicyState[]> {
  const spans = policies.map((policy) => ({ policy, span: currentSpan(policy, now, ctx.timeZone, contextId) }))
  const counted = spans.flatMap(({ policy, span }) => (span === null ? [] : [{ policyId: policy.id, span }]))
  const counters = await policiesCounters(db, counted, now)
  let next = 0
  return spans.map(({ policy, span }) => (span === null ? { policy, used: ZERO, held: ZERO } : { policy, ...(counters[next++] as { used: Amount; held: Amount }) }))
}

/** On a downgrade or block, name the cheapest model of the same provider that would cost less. */
function addSuggestion(ctx: EngineContext, request: CheckRequest, decision: CheckDecision): CheckDecision {
  if (decision.action !== 'downgrade' && decision.action !== 'block') return decision
  const now = ctx.now()
  const [cheaper] = ctx.catalog.cheaperAlternatives(request.provider, request.model, now, 1)
  if (!cheaper) return decision
  const cost = ctx.catalog.estimateNano(cheaper.provider, cheaper.model, request.inputTokens, request.maxOutputTokens, now)
  if (cost === null) return decision
  return { ...decision, suggestedModel: { provider: cheaper.provider, model: cheaper.model, estimatedCostUsd: nanoToUsd(cost) } }
}

export async function release(ctx: EngineContext, id: string): Promise<Reservation> {
  const released = await ctx.store.writes.write(async (trx) => {
    const row = await findReservation(trx, id)
    if (!row) throw notFound('reservation', id)
    if (row.status === 'committed') throw conflict(`reservation ${id} is already committed`, { id, status: row.status })
    if (row.status === 'active' && !(await closeReservation(trx, id, { status: 'released' }))) {
      // Committed meanwhile, on another instance.
      throw conflict(`reservation ${id} is already committed`, { id, status: 'committed' })
    }
    return toReservation((await findReservation(trx, id)) as ReservationRow, ctx.now())
  })
  ctx.events.publish({ type: 'reservation.released', topic: 'allocation_updates', budgetId: released.budgetId, payload: released })
  return released
}

export async function getReservation(ctx: EngineContext, id: string): Promise<Reservation> {
  const row = await findReservation(ctx.store.db, id)
  if (!row) throw notFound('reservation', id)
  return toReservation(row, ctx.now())
}

export async function reservations(ctx: EngineContext, query: ReservationQuery): Promise<Reservation[]> {
  const budgetId = query.budgetId === undefined ? undefined : (await requireBudget(ctx.store.db, query.budgetId)).id
  const now = ctx.now()
  const rows = await listReservations(ctx.store.db, { ...query, budgetId, nowMs: now })
  return rows.map((row) => toReservation(row, now))
}

/** An active reservation past its expiry is expired: derived on read, nothing has to run. */
export function toReservation(row: ReservationRow, nowMs: number): Reservation {
  const expired = row.status === 'active' && Number(row.expiresAt) <= nowMs
  return {
    id: row.id as ReservationId,
    budgetId: row.budgetId as Reservation['budgetId'],
    contextId: row.contextId,
    provider: row.provider,
    model: row.model,
    component: row.component,
    taskType: row.taskType,
    priority: Number(row.priority) as Reservation['priority'],
    tokensReserved: Number(row.tokensReserved),
    costReservedUsd: row.costReservedNano === null ? null : nanoToUsd(row.costReservedNano),
    tokensUsed: Number(row.tokensUsed),
    costUsedUsd: nanoToUsd(row.costUsedNano),
    status: expired ? 'expired' : (row.status as Reservation['status']),
    createdAt: iso(Number(row.createdAt)),
    expiresAt: iso(Number(row.expiresAt)),
  }
}
