import { z } from 'zod'
import { Timestamp } from './common.js'
import { ApiKeyId } from './ids.js'

export const Role = z.enum(['admin', 'write', 'read'])
export type Role = z.infer<typeof Role>

export const ApiKeyInput = z.object({ name: z.string().trim().min(1).max(200), role: Role.default('write') })
export type ApiKeyInput = z.infer<typeof ApiKeyInput>

export const ApiKey = z.object({
  id: ApiKeyId,
  name: z.string(),
  role: Role,
  prefix: z.string().describe('First characters of the key, to recognise it'),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
})
export type ApiKey = z.infer<typeof ApiKey>

export const CreatedApiKey = ApiKey.extend({ key: z.string().describe('The secret, shown only once') })
export type CreatedApiKey = z.infer<typeof CreatedApiKey>

const RANK: Record<Role, number> = { read: 0, write: 1, admin: 2 }

/** Whether a key of role `has` may do what needs role `needs`. */
export const roleAllows = (has: Role, needs: Role) => RANK[has] >= RANK[needs]
