/**
 * Ids for alerts, channels and deliveries, shaped like the others (`<prefix>_<12 hex ms>
 * <16 hex>`, see ids.ts) and strictly increasing within a process: rows made in one
 * millisecond — the warning, action and exceeded alerts of one record, the attempts of a
 * fast retry — still sort in the order they were made, which keyset pages rely on.
 */
import { randomHex } from './ids.js'

let lastMs = 0
let sequence = 0

export function sortableId(prefix: string): string {
  const ms = Date.now()
  sequence = ms === lastMs ? (sequence + 1) & 0xffff : 0
  lastMs = ms
  return `${prefix}_${ms.toString(16).padStart(12, '0')}${sequence.toString(16).padStart(4, '0')}${randomHex(6)}`
}
