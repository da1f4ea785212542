/**
 * What every feed adapter produces: the prices of one document, as the source spells its
 * ids, before normalisation (pricing/normalize.ts). Adapters are pure parsers — fetching is
 * pricing/fetch.ts — so each can be tested on a fixture string.
 *
 * An adapter reads defensively: an entry it cannot read is counted in `skipped`, never
 * guessed; a document it does not recognise at all throws SourceFormatError, which the
 * refresh reports as a source failure.
 */
import type { PricePoint } from '../../domain/price-monitoring.js'

export interface RawObservation {
  /** The provider as the source names it (LiteLLM's litellm_provider, a page's provider column); null when the id carries it (`vendor/model`). */
  sourceProvider: string | null
  /** The model id (or, on web pages, the model's name) as the source writes it. */
  sourceModelId: string
  price: PricePoint
}

/** A price the source says applied over a past period. */
export interface HistoricalObservation extends RawObservation {
  effectiveFromMs: number
  /** Exclusive; null = still in effect. */
  effectiveToMs: number | null
}

export interface ParsedFeed<T extends RawObservation = RawObservation> {
  observations: T[]
  /** Entries that looked like prices but could not be read. */
  skipped: number
}

/** The document is not in the format the adapter reads: a layout change, a truncated file, an error page. */
export class SourceFormatError extends Error {
  override readonly name = 'SourceFormatError'
}

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

export function parseJson(body: string, what: string): unknown {
  try {
    return JSON.parse(body)
  } catch (error) {
    throw new SourceFormatError(`${what} is not JSON (${(error as Error).message})`, { cause: error })
  }
}

/** A price with only input and output known. */
export function basePrice(inputNano: number, outputNano: number): PricePoint {
  return { inputNano, outputNano, cacheReadNano: null, cacheWriteNano: null, cacheWrite1hNano: null, tiers: [] }
}

/** Refuses a document from which nothing could be read, or mostly nothing: a layout change must not pass for a small feed. */
export function requireReadable<T extends RawObservation>(feed: ParsedFeed<T>, what: string): ParsedFeed<T> {
  if (feed.observations.length === 0) throw new SourceFormatError(`${what}: no readable price in the document (${feed.skipped} entries skipped)`)
  if (feed.skipped > feed.observations.length) {
    throw new SourceFormatError(`${what}: ${feed.skipped} of ${feed.skipped + feed.observations.length} entries unreadable; the format has probably changed`)
  }
  return feed
}
