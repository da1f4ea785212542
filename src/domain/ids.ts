/**
 * Identifiers: branded strings so that a budget id can't stand in for a policy id.
 * New ids are time-ordered (a millisecond prefix, then randomness) so that they sort by
 * creation and make good cursor keys.
 */
import { randomBytes } from 'node:crypto'
import { z } from 'zod'

const idString = z.string().min(1).max(128)

export const BudgetId = idString.brand<'BudgetId'>()
export type BudgetId = z.infer<typeof BudgetId>
export const PolicyId = idString.brand<'PolicyId'>()
export type PolicyId = z.infer<typeof PolicyId>
export const ReservationId = idString.brand<'ReservationId'>()
export type ReservationId = z.infer<typeof ReservationId>
export const UsageId = idString.brand<'UsageId'>()
export type UsageId = z.infer<typeof UsageId>
export const ApiKeyId = idString.brand<'ApiKeyId'>()
export type ApiKeyId = z.infer<typeof ApiKeyId>

const PREFIX = { budget: 'bud', policy: 'pol', reservation: 'res', usage: 'use', key: 'key' } as const

/** A new sortable id: `<prefix>_<12 hex ms><16 hex random>`. */
export function newId(kind: keyof typeof PREFIX): string {
  const time = Date.now().toString(16).padStart(12, '0')
  return `${PREFIX[kind]}_${time}${randomBytes(8).toString('hex')}`
}
