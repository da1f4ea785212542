/**
 * Price monitoring: the sources prices come from, what each source observed, the changes
 * the monitor proposes (and who decided them), refresh reports and price history.
 *
 * `PricePoint` is the computing form of one price (integer nano-USD per million tokens, as
 * in PriceVersion); `PriceFigures` is its JSON form (decimal USD per million tokens). The
 * two converters below are the only place one becomes the other.
 *
 * Pure types and conversions: no fetching (pricing/fetch.ts), no verification rules
 * (pricing/verify.ts), no approval rules (pricing/approval.ts).
 */
import { z } from 'zod'
import { Timestamp } from './common.js'
import { componentsToNano, componentsToUsd, ModelPrice, PriceComponents, PriceTier, type PriceVersion } from './price.js'

export const SourceKind = z.enum(['bundled', 'litellm', 'llmprices', 'openrouter', 'llmprices_html', 'pretrained_html', 'manual'])
export type SourceKind = z.infer<typeof SourceKind>

const SourceId = z.string().trim().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ and -')

/** How a setting (config file or BUDGET_PRICE_SOURCES) changes or adds a source. */
export const PriceSourceSettings = z
  .object({
    kind: SourceKind.optional().describe('Required for a source that is not one of the defaults'),
    url: z.url().optional(),
    historyUrl: z.url().optional().describe('llmprices: historical-v1.json, read by a backfill'),
    trust: z.number().min(0).max(1).optional(),
    enabled: z.boolean().optional(),
    refreshCron: z.string().min(1).max(100).optional().describe('Own schedule; default: the global BUDGET_PRICE_REFRESH'),
  })
  .strict()
export type PriceSourceSettings = z.infer<typeof PriceSourceSettings>

export const PriceSourceOverrides = z.record(SourceId, PriceSourceSettings)
export type PriceSourceOverrides = z.infer<typeof PriceSourceOverrides>

/** A source as the monitor uses it: defaults merged with settings. */
export interface PriceSourceConfig {
  id: string
  kind: SourceKind
  url: string | null
  historyUrl: string | null
  trust: number
  enabled: boolean
  refreshCron: string | null
}

export const PriceSource = z
  .object({
    id: z.string(),
    kind: SourceKind,
    url: z.string().nullable(),
    trust: z.number().describe('0..1: the weight of this source when sources are compared'),
    enabled: z.boolean(),
    refreshCron: z.string().nullable(),
    lastAttemptAt: Timestamp.nullable(),
    lastSuccessAt: Timestamp.nullable(),
    lastErrorAt: Timestamp.nullable(),
    lastError: z.string().nullable(),
    observations: z.number().int().describe('Models priced by this source at its last success'),
    skipped: z.number().int().describe('Entries of its last document that could not be read'),
  })
  .describe('A feed prices are read from, with the outcome of its last refresh')
export type PriceSource = z.infer<typeof PriceSource>

/** One price in integer nano-USD per million tokens; null = the source gives no such price. */
export type PricePoint = Pick<PriceVersion, 'inputNano' | 'outputNano' | 'cacheReadNano' | 'cacheWriteNano' | 'cacheWrite1hNano' | 'tiers'>

/** What one source says about one model, normalised to the catalog's (provider, model). */
export interface PriceObservation {
  sourceId: string
  provider: string
  model: string
  /** The id as the source spells it. */
  sourceModelId: string
  price: PricePoint
  observedAtMs: number
}

export const PriceFigures = PriceComponents.extend({ tiers: z.array(PriceTier).optional() }).describe('USD per million tokens')
export type PriceFigures = z.infer<typeof PriceFigures>


export function toPriceFigures(p: PricePoint): PriceFigures {
  return {
    ...componentsToUsd(p),
    ...(p.tiers.length > 0 && { tiers: p.tiers.map((t) => ({ aboveInputTokens: t.aboveInputTokens, ...componentsToUsd(t) })) }),
  }
}

export function fromPriceFigures(f: PriceFigures): PricePoint {
  const tiers = (f.tiers ?? []).map((t) => ({ aboveInputTokens: t.aboveInputTokens, ...componentsToNano(t) })).sort((a, b) => a.aboveInputTokens - b.aboveInputTokens)
  return { ...componentsToNano(f), tiers }
}

export const PriceChangeStatus = z
  .enum(['pending', 'approved', 'rejected', 'applied'])
  .describe('pending: waits for a person; applied: in the catalog (an approval applies at once, so "approved" is not kept); rejected: by a person, or withdrawn by "system"')
export type PriceChangeStatus = z.infer<typeof PriceChangeStatus>

export const PriceChangeKind = z
  .enum(['new', 'update', 'backfill', 'manual_set', 'manual_unset'])
  .describe('new: a model without a price; update: a new current price; backfill: a past period; manual_*: a person set or removed a price')
export type PriceChangeKind = z.infer<typeof PriceChangeKind>

export const SourceEvidence = z.object({
  source: z.string(),
  trust: z.number(),
  sourceModelId: z.string(),
  agrees: z.boolean().describe('Within ±10 % of the stored price'),
  price: PriceFigures,
})
export type SourceEvidence = z.infer<typeof SourceEvidence>

export const PriceChange = z
  .object({
    id: z.string(),
    provider: z.string(),
    model: z.string(),
    kind: PriceChangeKind,
    status: PriceChangeStatus,
    verified: z.boolean(),
    source: z.string().describe('The source whose price this is'),
    price: PriceFigures,
    previous: PriceFigures.nullable(),
    previousVersion: z.string().nullable(),
    changeRatio: z.number().nullable().describe('Largest relative move of any price, 0.25 = 25 %; null for a new model'),
    effectiveFrom: Timestamp,
    effectiveTo: Timestamp.nullable(),
    reason: z.string().describe('Why this price won and why it is pending or was applied'),
    evidence: z.array(SourceEvidence),
    createdAt: Timestamp,
    decidedAt: Timestamp.nullable(),
    decidedBy: z.string().nullable().describe('Who approved or rejected it; "system" for automatic decisions'),
    appliedVersion: z.string().nullable(),
  })
  .describe('A price the monitor proposes, and what became of it')
export type PriceChange = z.infer<typeof PriceChange>

export const PriceChangeQuery = z.object({
  status: PriceChangeStatus.optional(),
  provider: z.string().max(200).optional(),
  model: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})
export type PriceChangeQuery = z.infer<typeof PriceChangeQuery>

export const PriceDecision = z.object({ reason: z.string().trim().max(500).optional() })
export type PriceDecision = z.infer<typeof PriceDecision>

export const RefreshRequest = z.object({
  sources: z.array(z.string().min(1).max(64)).optional().describe('Source ids; default every enabled source'),
  backfill: z.boolean().default(false).describe('Also read the sources\' price history (llm-prices historical-v1)'),
})
export type RefreshRequest = z.input<typeof RefreshRequest>

export const SourceRefreshStatus = z.enum(['ok', 'unchanged', 'failed', 'skipped'])
export type SourceRefreshStatus = z.infer<typeof SourceRefreshStatus>

export const SourceRefresh = z.object({
  id: z.string(),
  kind: SourceKind,
  status: SourceRefreshStatus,
  observations: z.number().int(),
  skipped: z.number().int(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
})
export type SourceRefresh = z.infer<typeof SourceRefresh>

export const RefreshSummary = z.object({
  models: z.number().int().describe('Models at least one source priced'),
  verified: z.number().int().describe('Models whose sources holding ≥ 80 % of the trust agree'),
  conflicts: z.number().int(),
  new: z.number().int().describe('New models priced (applied)'),
  changed: z.number().int().describe('Prices changed (applied)'),
  pending: z.number().int().describe('Changes waiting for approval'),
  failed: z.number().int().describe('Sources that failed'),
})
export type RefreshSummary = z.infer<typeof RefreshSummary>

export const RefreshReport = z.object({
  startedAt: Timestamp,
  finishedAt: Timestamp,
  sources: z.array(SourceRefresh),
  summary: RefreshSummary,
  changes: z.array(PriceChange).describe('Changes this refresh applied or left pending'),
  repriced: z.number().int().describe('Usage records whose cost changed'),
})
export type RefreshReport = z.infer<typeof RefreshReport>

/** Per-source progress of a refresh, for progress displays. */
export interface RefreshProgress {
  source: string
  status: SourceRefreshStatus | 'started'
  observations?: number
  error?: string | null
}

export const ManualPriceInput = PriceFigures.extend({
  provider: z.string().trim().min(1).max(200),
  model: z.string().trim().min(1).max(200),
  effectiveFrom: Timestamp.optional().describe('Default now'),
  reason: z.string().trim().max(500).optional(),
}).describe('A price a person sets: it wins over every feed until removed')
export type ManualPriceInput = z.infer<typeof ManualPriceInput>

export const ModelKey = z.object({ provider: z.string().trim().min(1).max(200), model: z.string().trim().min(1).max(200) })
export type ModelKey = z.infer<typeof ModelKey>

export const PriceHistory = z.object({
  provider: z.string(),
  model: z.string(),
  versions: z.array(ModelPrice).describe('Every applied version, oldest first'),
  timeline: z
    .array(z.object({ from: Timestamp, to: Timestamp.nullable(), version: z.string() }))
    .describe('Which version was in effect when: consecutive periods, oldest first'),
  changes: z.array(PriceChange),
})
export type PriceHistory = z.infer<typeof PriceHistory>

export const RepriceRequest = z.object({
  since: Timestamp.optional().describe('Only records at or after this instant; default all'),
})
export type RepriceRequest = z.infer<typeof RepriceRequest>

export const RepriceResult = z.object({
  scanned: z.number().int(),
  repriced: z.number().int().describe('Records whose cost or price version changed'),
  newlyPriced: z.number().int().describe('Of those, records that had no price before'),
  costDeltaUsd: z.number().describe('Sum of the cost changes'),
})
export type RepriceResult = z.infer<typeof RepriceResult>

export interface RepriceProgress {
  done: number
  total: number
}
