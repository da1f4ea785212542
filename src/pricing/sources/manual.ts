/**
 * Manual prices: set by a person through the API or CLI (pricing/decisions.ts), stored as
 * price versions of source `manual`, verified, and winning over every feed until removed:
 * a refresh leaves a model with a manual price in effect alone.
 */
import type { PriceVersion } from '../../domain/price.js'

export const MANUAL_SOURCE = 'manual'

export const isManual = (v: Pick<PriceVersion, 'source'>) => v.source === MANUAL_SOURCE
