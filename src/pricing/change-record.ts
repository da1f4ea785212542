/**
 * A price change as stored (nano-USD JSON, ms instants) and as the API shows it (decimal
 * USD, ISO instants); and the id of a new one (`pch_<12 hex ms><16 hex random>`, sortable
 * like every other id).
 */
import { randomHex } from '../domain/ids.js'
import { type PriceChange, type PriceChangeKind, type PricePoint, type SourceEvidence, toPriceFigures } from '../domain/price-monitoring.js'
import { decodePoint, encodePoint, type PriceChangeRow } from '../store/price-sources.js'
import type { Proposal } from './approval.js'

export const newChangeId = () => `pch_${Date.now().toString(16).padStart(12, '0')}${randomHex(8)}`

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString())

export function toPriceChange(row: PriceChangeRow): PriceChange {
  return {
    id: row.id,
    provider: row.provider,
    model: row.model,
    kind: row.kind as PriceChangeKind,
    status: row.status as PriceChange['status'],
    verified: Boolean(row.verified),
    source: row.source,
    price: toPriceFigures(decodePoint(row.price)),
    previous: row.previous === null ? null : toPriceFigures(decodePoint(row.previous)),
    previousVersion: row.previousVersion,
    changeRatio: row.changeRatio === null ? null : Number(row.changeRatio),
    effectiveFrom: iso(Number(row.effectiveFrom))!,
    effectiveTo: iso(row.effectiveTo === null ? null : Number(row.effectiveTo)),
    reason: row.reason,
    evidence: JSON.parse(row.evidence) as SourceEvidence[],
    createdAt: iso(Number(row.createdAt))!,
    decidedAt: iso(row.decidedAt === null ? null : Number(row.decidedAt)),
    decidedBy: row.decidedBy,
    appliedVersion: row.appliedVersion,
  }
}

export interface NewChange {
  provider: string
  model: string
  proposal: Proposal
  verified: boolean
  source: string
  previous: { version: string; price: PricePoint } | null
  effectiveFromMs: number
  effectiveToMs: number | null
  evidence: SourceEvidence[]
}

/** The row of a change the monitor just proposed: pending, or applied by the system. */
export function changeRow(change: NewChange, nowMs: number): PriceChangeRow {
  const applied = !change.proposal.pending
  return {
    id: newChangeId(),
    provider: change.provider,
    model: change.model,
    kind: change.proposal.kind,
    status: applied ? 'applied' : 'pending',
    verified: change.verified ? 1 : 0,
    source: change.source,
    price: encodePoint(change.proposal.price),
    previous: change.previous === null ? null : encodePoint(change.previous.price),
    previousVersion: change.previous?.version ?? null,
    changeRatio: change.proposal.changeRatio,
    effectiveFrom: change.effectiveFromMs,
    effectiveTo: change.effectiveToMs,
    reason: change.proposal.reason,
    evidence: JSON.stringify(change.evidence),
    createdAt: nowMs,
    decidedAt: applied ? nowMs : null,
    decidedBy: applied ? 'system' : null,
    appliedVersion: null,
  }
}

