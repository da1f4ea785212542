/**
 * Small schemas shared by several resources: timestamps, token counts, tiers, priorities,
 * scope fields and pagination. Kept here so every resource speaks them the same way.
 */
import { z } from 'zod'

const EARLIEST_MS = Date.UTC(1970, 0, 1)
const LATEST_MS = Date.UTC(9000, 0, 1)

/** ISO-8601 instant with a zone offset (or Z), as every timestamp on the wire; 1970 to 8999. */
export const Timestamp = z.iso.datetime({ offset: true }).refine((value) => {
  const ms = Date.parse(value)
  return ms >= EARLIEST_MS && ms < LATEST_MS
}, 'must lie between 1970 and 8999')

/** At most a billion a field: keeps one record's cost below 2^53 nano-USD at any price. */
export const TokenCount = z.number().int().nonnegative().max(1_000_000_000)

export const Tier = z.enum(['local_lightweight', 'local_midweight', 'remote_heavyweight'])
export type Tier = z.infer<typeof Tier>

/** Tekton's task priorities: low, normal, high, critical. */
export const Priority = z.union([z.literal(1), z.literal(5), z.literal(8), z.literal(10)])
export type Priority = z.infer<typeof Priority>

const label = z.string().trim().min(1).max(200)

/** The request fields a policy's scope may name; equal values mean the policy applies. */
export const ScopeFields = {
  tier: Tier.optional(),
  provider: label.optional(),
  model: label.optional(),
  component: label.optional(),
  taskType: label.optional(),
}
export const Scope = z.object(ScopeFields).describe('Fields a request must equal for the policy to apply')
export type Scope = z.infer<typeof Scope>

export const SCOPE_KEYS = ['tier', 'provider', 'model', 'component', 'taskType'] as const

export const Label = label

export const Limit = z.coerce.number().int().min(1).max(1000).default(100)

export const Cursor = z.string().max(500).optional().describe('Opaque cursor from the previous page')

export const ok = z.object({ ok: z.literal(true) })
