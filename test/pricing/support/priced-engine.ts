/**
 * An engine whose price sources are a feed server's fixtures, on a private database of
 * the kind asked for, with a clock the test moves, and a log of the events it publishes.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PriceSourceOverrides } from '../../../src/domain/price-monitoring.js'
import { type OpenEngine, openEngine } from '../../../src/engine/engine.js'
import type { BudgetEvent } from '../../../src/events/bus.js'
import { aDatabase, type StoreKind } from '../../support/engine.js'
import { FAST_FETCH } from './feed-server.js'

export interface PricedEngine extends OpenEngine {
  clock: { now: number }
  events: BudgetEvent[]
  dispose(): Promise<void>
}

export const START = Date.parse('2026-03-10T12:00:00Z')

export async function aPricedEngine(sources: PriceSourceOverrides, options: { store?: StoreKind; maxAutoChange?: number } = {}): Promise<PricedEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'budget-prices-'))
  const database = await aDatabase(options.store ?? 'sqlite', dir)
  const clock = { now: START }
  const opened = await openEngine({
    databaseUrl: database.url,
    now: () => clock.now,
    relayEvents: false,
    prices: { sources, fetch: FAST_FETCH, ...(options.maxAutoChange !== undefined && { maxAutoChange: options.maxAutoChange }) },
  })
  const events: BudgetEvent[] = []
  opened.engine.ctx.events.subscribe((event) => events.push(event))
  return {
    ...opened,
    clock,
    events,
    async dispose() {
      await opened.close()
      await database.drop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The price alerts the monitor asked for, by type. */
export const priceAlerts = (events: readonly BudgetEvent[], type: string) =>
  events.filter((e) => e.type === 'price.alert' && (e.payload as { type: string }).type === type).map((e) => e.payload as { type: string; message: string; provider?: string; model?: string; source?: string })
