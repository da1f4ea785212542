/**
 * Prices: the versioned price of one model, in two forms.
 *
 * `ModelPrice` is the JSON edge form (decimal USD per million tokens, ISO dates), validated
 * by zod. `PriceVersion` is the form the pricing code computes with: every price an integer
 * nano-USD per million tokens, every instant epoch milliseconds, tiers sorted. The two
 * converters below are the only place one becomes the other, so a price read back from JSON
 * prices a request to the same nano as before.
 *
 * Pure types and conversions: no pricing rules (pricing/cost.ts), no lookup (pricing/catalog.ts).
 */
import { z } from 'zod'
import { nanoToUsd, usdToNano, UsdAmount } from './money.js'
import { Timestamp, TokenCount } from './common.js'

/** How genai-prices recognises a model or provider id (matched case-insensitively, see pricing/match.ts). */
export type MatchLogic =
  | { equals: string }
  | { starts_with: string }
  | { ends_with: string }
  | { contains: string }
  | { regex: string }
  | { and: MatchLogic[] }
  | { or: MatchLogic[] }

export const MatchLogic: z.ZodType<MatchLogic> = z.lazy(() =>
  z.union([
    z.strictObject({ equals: z.string() }),
    z.strictObject({ starts_with: z.string() }),
    z.strictObject({ ends_with: z.string() }),
    z.strictObject({ contains: z.string() }),
    z.strictObject({ regex: z.string() }),
    z.strictObject({ and: z.array(MatchLogic) }),
    z.strictObject({ or: z.array(MatchLogic) }),
  ]),
)

export const PriceComponents = z.object({
  inputPerMtok: UsdAmount,
  outputPerMtok: UsdAmount,
  cacheReadPerMtok: UsdAmount.optional(),
  cacheWritePerMtok: UsdAmount.optional(),
  cacheWrite1hPerMtok: UsdAmount.optional(),
}).describe('Token prices in decimal USD per million tokens; an absent cache price is unknown, not free')
export type PriceComponents = z.infer<typeof PriceComponents>

export const PriceTier = PriceComponents.extend({
  aboveInputTokens: z.number().int().nonnegative(),
}).describe('Prices for the whole request once input + cache read + cache write tokens pass aboveInputTokens')
export type PriceTier = z.infer<typeof PriceTier>

export const ModelPrice = PriceComponents.extend({
  provider: z.string().min(1),
  model: z.string().min(1),
  tiers: z.array(PriceTier).optional(),
  effectiveFrom: z.iso.datetime({ offset: true }),
  effectiveTo: z.iso.datetime({ offset: true }).optional(),
  source: z.string().min(1),
  verified: z.boolean(),
  version: z.string().min(1),
}).describe('One version of a model price, in effect from effectiveFrom (inclusive) to effectiveTo (exclusive)')
export type ModelPrice = z.infer<typeof ModelPrice>

/** Token counts of one request. The fields never overlap (DESIGN "Core wire contract"). */
export const TokenUsage = z.object({
  /** Input tokens neither read from nor written to a prompt cache. */
  inputTokens: z.number().int().nonnegative(),
  /** Includes reasoning tokens. */
  outputTokens: z.number().int().nonnegative(),
  cacheReadTokens: z.number().int().nonnegative(),
  /** All cache writes, whatever their TTL. */
  cacheWriteTokens: z.number().int().nonnegative(),
  /** The part of cacheWriteTokens written with a 1-hour TTL. */
  cacheWrite1hTokens: z.number().int().nonnegative().optional(),
}).refine((u) => (u.cacheWrite1hTokens ?? 0) <= u.cacheWriteTokens, {
  message: 'cacheWrite1hTokens is part of cacheWriteTokens and cannot exceed it',
  path: ['cacheWrite1hTokens'],
})
export type TokenUsage = z.infer<typeof TokenUsage>

/** Integer nano-USD per million tokens; null = the source gives no price for that kind of token. */
export interface PriceTierNano {
  aboveInputTokens: number
  inputNano: number
  outputNano: number
  cacheReadNano: number | null
  cacheWriteNano: number | null
  cacheWrite1hNano: number | null
}

/** A price version as the pricing code uses it; every *Nano is integer nano-USD per million tokens. */
export interface PriceVersion {
  version: string
  provider: string
  model: string
  inputNano: number
  outputNano: number
  cacheReadNano: number | null
  cacheWriteNano: number | null
  cacheWrite1hNano: number | null
  /** Sorted by aboveInputTokens, ascending. */
  tiers: PriceTierNano[]
  effectiveFromMs: number
  /** Exclusive; null = still in effect. */
  effectiveToMs: number | null
  source: string
  verified: boolean
  /** Other ids this model answers to (genai-prices match logic). */
  match?: MatchLogic
  /** The source marks the model as retired: never suggested as an alternative. */
  deprecated?: boolean
}

/**
 * What a provider id answers to besides itself (`gemini`, `vertex` → google) and which
 * providers' models it also serves (azure → openai, …), as genai-prices records them.
 */
export interface ProviderRule {
  id: string
  match?: MatchLogic
  fallbackProviders?: string[]
}

type NanoComponents = Omit<PriceTierNano, 'aboveInputTokens'>

export function componentsToUsd(c: NanoComponents): PriceComponents {
  return {
    inputPerMtok: nanoToUsd(c.inputNano),
    outputPerMtok: nanoToUsd(c.outputNano),
    ...(c.cacheReadNano !== null && { cacheReadPerMtok: nanoToUsd(c.cacheReadNano) }),
    ...(c.cacheWriteNano !== null && { cacheWritePerMtok: nanoToUsd(c.cacheWriteNano) }),
    ...(c.cacheWrite1hNano !== null && { cacheWrite1hPerMtok: nanoToUsd(c.cacheWrite1hNano) }),
  }
}

export function componentsToNano(c: PriceComponents): NanoComponents {
  const optional = (usd: number | undefined) => (usd === undefined ? null : usdToNano(usd))
  return {
    inputNano: usdToNano(c.inputPerMtok),
    outputNano: usdToNano(c.outputPerMtok),
    cacheReadNano: optional(c.cacheReadPerMtok),
    cacheWriteNano: optional(c.cacheWritePerMtok),
    cacheWrite1hNano: optional(c.cacheWrite1hPerMtok),
  }
}

export function toModelPrice(v: PriceVersion): ModelPrice {
  return {
    provider: v.provider,
    model: v.model,
    ...componentsToUsd(v),
    ...(v.tiers.length > 0 && {
      tiers: v.tiers.map((t) => ({ aboveInputTokens: t.aboveInputTokens, ...componentsToUsd(t) })),
    }),
    effectiveFrom: new Date(v.effectiveFromMs).toISOString(),
    ...(v.effectiveToMs !== null && { effectiveTo: new Date(v.effectiveToMs).toISOString() }),
    source: v.source,
    verified: v.verified,
    version: v.version,
  }
}

/** The inverse of toModelPrice; `match` travels beside the JSON form, which has no field for it. */
export function fromModelPrice(p: ModelPrice, match?: MatchLogic): PriceVersion {
  const tiers = (p.tiers ?? [])
    .map((t) => ({ aboveInputTokens: t.aboveInputTokens, ...componentsToNano(t) }))
    .sort((a, b) => a.aboveInputTokens - b.aboveInputTokens)
  return {
    version: p.version,
    provider: p.provider,
    model: p.model,
    ...componentsToNano(p),
    tiers,
    effectiveFromMs: Date.parse(p.effectiveFrom),
    effectiveToMs: p.effectiveTo === undefined ? null : Date.parse(p.effectiveTo),
    source: p.source,
    verified: p.verified,
    ...(match !== undefined && { match }),
  }
}

export const CostRequest = z
  .object({
    provider: z.string().trim().min(1).max(200),
    model: z.string().trim().min(1).max(200),
    inputTokens: TokenCount,
    outputTokens: TokenCount,
    cacheReadTokens: TokenCount.optional(),
    cacheWriteTokens: TokenCount.optional(),
    cacheWrite1hTokens: TokenCount.optional(),
    timestamp: Timestamp.optional().describe('Price in effect at this instant (default now)'),
  })
  .describe('Token counts of one call to price')
export type CostRequest = z.infer<typeof CostRequest>

export const CostResult = z.object({
  provider: z.string(),
  model: z.string(),
  resolvedModel: z.string().nullable().describe('The catalog model the id resolved to'),
  costUsd: z.number().nullable(),
  unpriced: z.boolean(),
  priceVersion: z.string().nullable(),
  price: ModelPrice.nullable(),
})
export type CostResult = z.infer<typeof CostResult>

export const PriceQuery = z.object({
  provider: z.string().max(200).optional(),
  search: z.string().max(200).optional().describe('Substring of the model id'),
})
export type PriceQuery = z.infer<typeof PriceQuery>
