/**
 * Apollo's TokenBudgetManager on our engine: allocations per context, held by reservations
 * of the `apollo` budget and spent by usage records.
 *
 * Owns Apollo's contract:
 * - one allocation per context (a new allocation replaces the context's old one, whose
 *   reservation is released);
 * - an amount by task type and priority when none is asked for;
 * - refusal when a hard limit of the tier would be passed, unless the priority is critical
 *   (10): critical work is always granted, and when the limit leaves no room for it its
 *   allocation holds nothing back (the usage it records is still counted, as all usage is);
 * - recordUsage records at most what remains of the allocation and returns what it
 *   recorded; a used-up allocation becomes inactive.
 *
 * Where Apollo only refused once a hard limit was already exceeded, this refuses an
 * allocation that would pass one: our hard limits hold committed + reserved ≤ limit.
 * What remains of an allocation is held by one reservation at a time: recording usage
 * commits it and a new one is taken for the rest, so the budget never holds more than the
 * allocation still may spend.
 */
import { randomUUID } from 'node:crypto'
import { MAX_TTL_SECONDS } from '../../domain/check.js'
import type { Tier } from '../../domain/common.js'
import { BudgetError, invalid } from '../../domain/errors.js'
import type { BudgetEngine } from '../../engine/engine.js'
import {
  type AllocationRow,
  attachReservation,
  findAllocationByContext,
  findAllocationById,
  replaceAllocation,
  updateAllocation,
} from '../../store/compat-allocations.js'
import { ensureBudget } from '../budget-setup.js'
import { defaultAllocation, isCritical, priorityLevel } from './allocation-amounts.js'
import {
  AllocateRequest,
  type Allocation,
  type AllocationDecision,
  AllocationUpdate,
  AllocationUsage,
  type AllocationUsageResult,
  type ApolloBudgetSummary,
  ApolloSummaryQuery,
  type UsageType,
} from './schemas.js'
import { splitByUsageType, type TokenSplit, toAllocation } from './allocation-view.js'
import { apolloSummaries } from './summary.js'
import { type TierQuery, TierResolver } from './tiers.js'

export const APOLLO_BUDGET = 'apollo'
const DAY_MS = 86_400_000
const UNKNOWN = 'unknown'

export interface ApolloOptions {
  /** The budget that holds Apollo's policies and usage (default `apollo`). */
  budgetName?: string
  tiers?: TierResolver
}

/** Which allocation: by context (Apollo's key) or by allocation id (the legacy message API). */
export type AllocationRef = { contextId: string } | { allocationId: string }

export class ApolloBudget {
  readonly tiers: TierResolver
  private readonly budgetName: string
  private budgetId: Promise<string> | null = null

  constructor(
    private readonly engine: BudgetEngine,
    options: ApolloOptions = {},
  ) {
    this.budgetName = options.budgetName ?? APOLLO_BUDGET
    this.tiers = options.tiers ?? new TierResolver()
  }

  /** The id of Apollo's budget, created on first use. */
  ready(): Promise<string> {
    this.budgetId ??= ensureBudget(this.engine, this.budgetName, "Apollo's token budgets (Tekton compatibility)").then(
      (r) => r.budget.id,
      (error: unknown) => {
        this.budgetId = null
        throw error
      },
    )
    return this.budgetId
  }

  resolveTier(query: TierQuery): Tier {
    return this.tiers.resolve(query)
  }

  async allocateBudget(request: AllocateRequest): Promise<AllocationDecision> {
    const input = AllocateRequest.parse(request)
    const budgetId = await this.ready()
    const now = this.engine.ctx.now()
    const expiresAt = input.expiration === undefined ? now + DAY_MS : Date.parse(input.expiration)
    if (expiresAt <= now) throw invalid(`expiration ${input.expiration} has already passed`, { path: ['expiration'] })
    const row: AllocationRow = {
      id: randomUUID(),
      contextId: input.contextId,
      budgetId,
      reservationId: null,
      tier: input.tier ?? this.tiers.resolve(input),
      component: input.component,
      taskType: input.taskType,
      provider: input.provider ?? null,
      model: input.model ?? null,
      priority: input.priority,
      tokensAllocated: input.tokenCount ?? defaultAllocation(input.taskType, input.priority),
      tokensUsed: 0,
      isActive: 1,
      metadata: JSON.stringify(input.metadata ?? {}),
      createdAt: now,
      updatedAt: now,
      expiresAt,
    }

    const decision = await this.hold(row, row.tokensAllocated)
    if (!decision.allowed && !isCritical(row.priority)) return { allocated: false, allocation: null, reasons: decision.reasons }
    row.reservationId = decision.reservationId

    const replaced = await this.engine.ctx.store.writes.write(async (trx, traits) => {
      await traits.lockBudgets(trx, [budgetId], 'change')
      const previous = await findAllocationByContext(trx, row.contextId)
      await replaceAllocation(trx, row)
      return previous ?? null
    })
    if (replaced?.reservationId) await this.releaseQuietly(replaced.reservationId)
    const allocation = this.toAllocation(row)
    this.engine.ctx.events.publish({ type: 'allocation.created', topic: 'allocation_updates', budgetId, payload: allocation })
    return { allocated: true, allocation, reasons: decision.reasons }
  }

  async getAllocation(contextId: string): Promise<Allocation | null> {
    const row = await findAllocationByContext(this.engine.ctx.store.db, contextId)
    return row ? this.toAllocation(row) : null
  }

  async getAllocationById(allocationId: string): Promise<Allocation | null> {
    const row = await findAllocationById(this.engine.ctx.store.db, allocationId)
    return row ? this.toAllocation(row) : null
  }

  /** Adds tokens, extends the expiry or (de)activates; null when the context has no allocation. */
  async updateAllocation(contextId: string, update: AllocationUpdate): Promise<Allocation | null> {
    const changes = AllocationUpdate.parse(update)
    const budgetId = await this.ready()
    const now = this.engine.ctx.now()
    const taken = await this.engine.ctx.store.writes.write(async (trx, traits) => {
      await traits.lockBudgets(trx, [budgetId], 'change')
      const row = await findAllocationByContext(trx, contextId)
      if (!row) return null
      const next: AllocationRow = {
        ...row,
        tokensAllocated: Number(row.tokensAllocated) + (changes.additionalTokens ?? 0),
        expiresAt: Number(row.expiresAt) + (changes.extendExpirationSeconds ?? 0) * 1000,
        isActive: changes.isActive === undefined ? row.isActive : Number(changes.isActive),
        reservationId: null,
        updatedAt: now,
      }
      await updateAllocation(trx, row.id, next)
      return { next, heldBy: row.reservationId }
    })
    if (taken === null) return null
    if (taken.heldBy) await this.releaseQuietly(taken.heldBy)
    const held = await this.holdRemainder(taken.next)
    const allocation = this.toAllocation(held)
    this.engine.ctx.events.publish({ type: 'allocation.updated', topic: 'allocation_updates', budgetId, payload: allocation })
    return allocation
  }

  /** Apollo's record_usage: the tokens actually recorded, at most what remains of the context's allocation. */
  async recordUsage(contextId: string, tokens: number, usageType: UsageType = 'total', operationId?: string, metadata?: Record<string, unknown>): Promise<number> {
    const usage = AllocationUsage.parse({ tokens, usageType, operationId, metadata })
    const result = await this.consume({ contextId }, splitByUsageType(usage.tokens, usage.usageType), { usageType: usage.usageType, operationId: usage.operationId, metadata: usage.metadata })
    return result?.recordedTokens ?? 0
  }

  /**
   * Records usage against an allocation, capped at what remains of it: input tokens first,
   * then output. Null when there is no such allocation.
   */
  async consume(
    ref: AllocationRef,
    split: TokenSplit,
    details: { usageType?: string; operationId?: string | undefined; metadata?: Record<string, unknown> | undefined; id?: string } = {},
  ): Promise<AllocationUsageResult | null> {
    const budgetId = await this.ready()
    const now = this.engine.ctx.now()
    const requested = split.inputTokens + split.outputTokens
    const taken = await this.engine.ctx.store.writes.write(async (trx, traits) => {
      await traits.lockBudgets(trx, [budgetId], 'change')
      const row = 'contextId' in ref ? await findAllocationByContext(trx, ref.contextId) : await findAllocationById(trx, ref.allocationId)
      if (!row) return null
      const remaining = Number(row.tokensAllocated) - Number(row.tokensUsed)
      if (!row.isActive || Number(row.expiresAt) <= now || remaining <= 0 || requested <= 0) return { row, recorded: 0, heldBy: null }
      const recorded = Math.min(requested, remaining)
      const next: AllocationRow = { ...row, tokensUsed: Number(row.tokensUsed) + recorded, isActive: recorded < remaining ? 1 : 0, reservationId: null, updatedAt: now }
      await updateAllocation(trx, row.id, next)
      return { row: next, recorded, heldBy: row.reservationId }
    })
    if (taken === null) return null
    if (taken.recorded === 0) return { recordedTokens: 0, usageId: null, allocation: this.toAllocation(taken.row) }

    const inputTokens = Math.min(split.inputTokens, taken.recorded)
    const row = taken.row
    let usageId: string
    try {
      const { record } = await this.engine.recordUsage({
        ...(details.id !== undefined && { id: details.id }),
        budgetId,
        ...(taken.heldBy !== null && { reservationId: taken.heldBy }),
        contextId: row.contextId,
        provider: row.provider ?? UNKNOWN,
        model: row.model ?? UNKNOWN,
        component: row.component,
        taskType: row.taskType,
        tier: row.tier as Tier,
        ...(details.operationId !== undefined && { operation: details.operationId }),
        inputTokens,
        outputTokens: taken.recorded - inputTokens,
        metadata: {
          ...details.metadata,
          apollo: { allocationId: row.id, usageType: details.usageType ?? 'total', requestedTokens: requested, ...(details.operationId !== undefined && { operationId: details.operationId }) },
        },
      })
      usageId = record.id
    } catch (error) {
      await this.giveBack(budgetId, row.id, taken.recorded, taken.heldBy)
      throw error
    }
    const held = await this.holdRemainder(row)
    const allocation = this.toAllocation(held)
    this.engine.ctx.events.publish({ type: 'allocation.updated', topic: 'allocation_updates', budgetId, payload: allocation })
    return { recordedTokens: taken.recorded, usageId, allocation }
  }

  async getBudgetSummary(query: ApolloSummaryQuery = {}): Promise<ApolloBudgetSummary[]> {
    return apolloSummaries(this.engine, await this.ready(), ApolloSummaryQuery.parse(query))
  }

  /**
   * Reserves `tokens` for the allocation; a refusal is a decision, with its reasons. A hold
   * lives at most a day (MAX_TTL_SECONDS): a longer allocation takes a new one when it records.
   */
  private async hold(row: AllocationRow, tokens: number): Promise<{ allowed: boolean; reservationId: string | null; reasons: string[] }> {
    const ttlSeconds = Math.min(MAX_TTL_SECONDS, Math.floor((Number(row.expiresAt) - this.engine.ctx.now()) / 1000))
    if (tokens <= 0 || ttlSeconds < 1) return { allowed: true, reservationId: null, reasons: [] }
    const decision = await this.engine.check({
      budgetId: row.budgetId,
      contextId: row.contextId,
      provider: row.provider ?? UNKNOWN,
      model: row.model ?? UNKNOWN,
      component: row.component,
      taskType: row.taskType,
      tier: row.tier as Tier,
      inputTokens: tokens,
      maxOutputTokens: 0,
      priority: priorityLevel(row.priority),
      ttlSeconds,
    })
    return { allowed: decision.allowed, reservationId: decision.reservation?.id ?? null, reasons: decision.reasons }
  }

  /** Holds what remains of a live allocation with a new reservation, when the limits leave room. */
  private async holdRemainder(row: AllocationRow): Promise<AllocationRow> {
    const remaining = Number(row.tokensAllocated) - Number(row.tokensUsed)
    if (!row.isActive || Number(row.expiresAt) <= this.engine.ctx.now() || remaining <= 0) return row
    const { reservationId } = await this.hold(row, remaining)
    if (reservationId === null) return row
    const attached = await this.engine.ctx.store.writes.write((trx) => attachReservation(trx, reservationId, row))
    if (attached) return { ...row, reservationId }
    // Another writer changed the allocation meanwhile (and holds what remains itself), or replaced it.
    await this.releaseQuietly(reservationId)
    return row
  }

  /** Undoes a consume whose usage record failed, so the allocation keeps those tokens. */
  private async giveBack(budgetId: string, id: string, tokens: number, heldBy: string | null): Promise<void> {
    await this.engine.ctx.store.writes.write(async (trx, traits) => {
      await traits.lockBudgets(trx, [budgetId], 'change')
      const row = await findAllocationById(trx, id)
      if (!row) return
      await updateAllocation(trx, id, { tokensUsed: Math.max(0, Number(row.tokensUsed) - tokens), isActive: 1, ...(row.reservationId === null && { reservationId: heldBy }) })
    })
  }

  private async releaseQuietly(reservationId: string): Promise<void> {
    try {
      await this.engine.release(reservationId)
    } catch (error) {
      // Already committed (its usage is recorded) or gone: nothing is held any more.
      if (!(error instanceof BudgetError && (error.code === 'CONFLICT' || error.code === 'NOT_FOUND'))) throw error
    }
  }

  private toAllocation(row: AllocationRow): Allocation {
    return toAllocation(row, this.engine.ctx.now())
  }
}
