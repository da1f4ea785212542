/**
 * Evaluating a refresh: for every model some source prices, the verdict across sources
 * (pricing/verify.ts), what it means for the price in effect (pricing/approval.ts), and
 * how it meets the changes already pending or rejected — as a plan the refresh then
 * writes in one transaction. Past periods a source records (backfill) become pending
 * changes where they disagree with the price then in effect.
 *
 * Reads the store (pending and rejected changes); writes nothing.
 */
import type { PriceVersion } from '../domain/price.js'
import { type PriceObservation, type PriceSourceConfig, type SourceEvidence, toPriceFigures } from '../domain/price-monitoring.js'
import { decodePoint, listChanges, type PriceChangeRow } from '../store/price-sources.js'
import type { Executor } from '../store/schema.js'
import { byModel, modelKey } from './apply.js'
import { type ApprovalRules, pointOf, propose, proposeBackfill, samePrice } from './approval.js'
import { changeRow } from './change-record.js'
import { inEffect } from './history.js'
import { isManual } from './sources/manual.js'
import { pricesAgree, type Verdict, verifyModel, type VerifyRules } from './verify.js'

export interface EvaluationSettings {
  db: Executor
  sources: readonly PriceSourceConfig[]
  rules: VerifyRules
  approval: ApprovalRules
}

/** Changes and notices a refresh decided, before they are written. */
export interface Plan {
  inserts: PriceChangeRow[]
  /** Pending changes applied by the system with their first proposal time. */
  promote: PriceChangeRow[]
  withdraw: { row: PriceChangeRow; why: string }[]
  verifiedFlags: Map<boolean, string[]>
  kept: PriceChangeRow[]
  conflicts: { key: string; verdict: Verdict }[]
  verified: number
  models: number
}

export async function evaluate(
  deps: EvaluationSettings,
  versions: readonly PriceVersion[],
  observations: readonly PriceObservation[],
  history: readonly (PriceObservation & { effectiveFromMs: number; effectiveToMs: number | null })[],
  nowMs: number,
): Promise<Plan> {
  const trust = new Map(deps.sources.map((s) => [s.id, s.trust]))
  const versionsOf = byModel(versions)
  const open = await listChanges(deps.db, { status: 'pending' })
  const rejected = await listChanges(deps.db, { status: 'rejected', limit: 10_000 })
  const pendingOf = groupRows(open.filter((r) => r.kind === 'new' || r.kind === 'update'))
  const rejectedOf = groupRows(rejected.filter((r) => r.decidedBy !== 'system'))
  const plan: Plan = { inserts: [], promote: [], withdraw: [], verifiedFlags: new Map([[true, []], [false, []]]), kept: [], conflicts: [], verified: 0, models: 0 }

  const byKey = new Map<string, PriceObservation[]>()
  for (const o of observations) byKey.set(modelKey(o.provider, o.model), [...(byKey.get(modelKey(o.provider, o.model)) ?? []), o])
  for (const [key, group] of byKey) {
    plan.models++
    const { provider, model } = group[0]!
    const own = versionsOf.get(key) ?? []
    const current = inEffect(own, nowMs)
    const manual = current !== undefined && isManual(current) ? pointOf(current) : undefined
    const votes = group.map((o) => ({ sourceId: o.sourceId, trust: trust.get(o.sourceId) ?? 0, sourceModelId: o.sourceModelId, price: o.price }))
    const verdict = verifyModel(votes, deps.rules, manual)
    if (verdict.status === 'verified') plan.verified++
    if (verdict.status === 'conflict') plan.conflicts.push({ key, verdict })
    if (verdict.status === 'manual') continue
    const proposal = propose(current, verdict, deps.approval)
    const pending = pendingOf.get(key) ?? []
    // The price in effect is verified only while the sources agree on it, not on a price waiting for approval.
    const currentVerified = verdict.verified && proposal === null
    if (current !== undefined && verdict.price !== null && (proposal === null || proposal.pending) && current.verified !== currentVerified) {
      plan.verifiedFlags.get(currentVerified)!.push(current.version)
    }
    if (proposal === null) {
      for (const row of pending) plan.withdraw.push({ row, why: 'the sources no longer propose it' })
      continue
    }
    const same = pending.find((row) => samePrice(decodePoint(row.price), proposal.price))
    for (const row of pending.filter((r) => r !== same)) plan.withdraw.push({ row, why: 'superseded by a newer proposal' })
    if (same !== undefined) {
      if (proposal.pending) plan.kept.push(same)
      else plan.promote.push(same)
      continue
    }
    if (proposal.pending && (rejectedOf.get(key) ?? []).some((row) => samePrice(decodePoint(row.price), proposal.price))) continue
    const evidence: SourceEvidence[] = votes.map((v) => ({
      source: v.sourceId,
      trust: v.trust,
      sourceModelId: v.sourceModelId,
      agrees: pricesAgree(v.price, proposal.price, deps.rules.tolerance),
      price: toPriceFigures(v.price),
    }))
    plan.inserts.push(
      changeRow(
        {
          provider: current?.provider ?? provider,
          model: current?.model ?? model,
          proposal,
          verified: verdict.verified,
          source: verdict.source ?? 'unknown',
          previous: current === undefined ? null : { version: current.version, price: pointOf(current) },
          effectiveFromMs: nowMs,
          effectiveToMs: null,
          evidence,
        },
        nowMs,
      ),
    )
  }
  planBackfill(deps, plan, versionsOf, history, [...open, ...rejected], nowMs)
  return plan
}

function planBackfill(
  deps: EvaluationSettings,
  plan: Plan,
  versionsOf: Map<string, PriceVersion[]>,
  history: readonly (PriceObservation & { effectiveFromMs: number; effectiveToMs: number | null })[],
  known: readonly PriceChangeRow[],
  nowMs: number,
): void {
  for (const period of history) {
    if (period.effectiveToMs === null) continue
    const key = modelKey(period.provider, period.model)
    const own = versionsOf.get(key) ?? []
    if (own.some(isManual)) continue
    const then = inEffect(own, period.effectiveFromMs)
    const proposal = proposeBackfill(then, period.price, period.sourceId, deps.rules.tolerance)
    if (proposal === null) continue
    const seen = known.some(
      (row) =>
        row.kind === 'backfill' &&
        modelKey(row.provider, row.model) === key &&
        Number(row.effectiveFrom) === period.effectiveFromMs &&
        Number(row.effectiveTo) === period.effectiveToMs &&
        samePrice(decodePoint(row.price), proposal.price),
    )
    if (seen) continue
    const trust = deps.sources.find((s) => s.id === period.sourceId)?.trust ?? 0
    plan.inserts.push(
      changeRow(
        {
          provider: then?.provider ?? period.provider,
          model: then?.model ?? period.model,
          proposal,
          verified: false,
          source: period.sourceId,
          previous: then === undefined ? null : { version: then.version, price: pointOf(then) },
          effectiveFromMs: period.effectiveFromMs,
          effectiveToMs: period.effectiveToMs,
          evidence: [{ source: period.sourceId, trust, sourceModelId: period.sourceModelId, agrees: true, price: toPriceFigures(period.price) }],
        },
        nowMs,
      ),
    )
  }
}

function groupRows(rows: readonly PriceChangeRow[]): Map<string, PriceChangeRow[]> {
  const map = new Map<string, PriceChangeRow[]>()
  for (const row of rows) {
    const key = modelKey(row.provider, row.model)
    map.set(key, [...(map.get(key) ?? []), row])
  }
  return map
}
