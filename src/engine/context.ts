/**
 * What every engine operation is handed: the store, the price catalog, the clock and the
 * few settings that change results. Tests pass their own clock; nothing here is global.
 */
import type { EventBus } from '../events/bus.js'
import type { PriceCatalog } from '../pricing/catalog.js'
import type { Store } from '../store/store.js'

export interface EngineContext {
  readonly store: Store
  /**
   * Replaced whole when prices change (pricing/monitor.ts): read it at each use, never keep
   * a reference past one operation.
   */
  catalog: PriceCatalog
  readonly events: EventBus
  readonly timeZone: string
  readonly defaultTtlSeconds: number
  now(): number
}
