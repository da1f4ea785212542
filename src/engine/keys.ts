/**
 * API keys: created with a random secret shown once, stored as a SHA-256 hash (the secret
 * has 192 bits of entropy, so a slow hash would add nothing), checked on every request.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Selectable } from 'kysely'
import type { ApiKey, ApiKeyInput, CreatedApiKey, Role } from '../domain/api-key.js'
import { notFound } from '../domain/errors.js'
import { type ApiKeyId, newId } from '../domain/ids.js'
import type { ApiKeysTable } from '../store/schema.js'
import type { EngineContext } from './context.js'

const SECRET_PREFIX = 'tbk_'
/** lastUsedAt is for people, not for accounting: writing it at most once a minute keeps reads cheap. */
const LAST_USED_RESOLUTION_MS = 60_000

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex')
const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString())

function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  return {
    id: row.id as ApiKeyId,
    name: row.name,
    role: row.role as Role,
    prefix: row.prefix,
    createdAt: iso(row.createdAt) as string,
    lastUsedAt: iso(row.lastUsedAt),
    revokedAt: iso(row.revokedAt),
  }
}

export async function createKey(ctx: EngineContext, input: ApiKeyInput): Promise<CreatedApiKey> {
  const secret = SECRET_PREFIX + randomBytes(24).toString('base64url')
  const row = {
    id: newId('key'),
    name: input.name,
    role: input.role,
    hash: hashOf(secret),
    prefix: secret.slice(0, SECRET_PREFIX.length + 6),
    createdAt: ctx.now(),
    lastUsedAt: null,
    revokedAt: null,
  }
  await ctx.store.writes.write((trx) => trx.insertInto('apiKeys').values(row).execute())
  return { ...toApiKey(row), key: secret }
}

export async function listKeys(ctx: EngineContext): Promise<ApiKey[]> {
  const rows = await ctx.store.db.selectFrom('apiKeys').selectAll().orderBy('createdAt').execute()
  return rows.map(toApiKey)
}

export async function revokeKey(ctx: EngineContext, id: string): Promise<ApiKey> {
  return ctx.store.writes.write(async (trx) => {
    const row = await trx.selectFrom('apiKeys').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw notFound('api key', id)
    const revoked = { ...row, revokedAt: row.revokedAt ?? ctx.now() }
    await trx.updateTable('apiKeys').set({ revokedAt: revoked.revokedAt }).where('id', '=', id).execute()
    return toApiKey(revoked)
  })
}

/** Whether any key that is not revoked exists: with none, a loopback server is open. */
export async function hasActiveKeys(ctx: EngineContext): Promise<boolean> {
  const row = await ctx.store.db.selectFrom('apiKeys').select('id').where('revokedAt', 'is', null).limit(1).executeTakeFirst()
  return row !== undefined
}

/** The key a secret belongs to, or undefined when it is unknown or revoked. */
export async function authenticate(ctx: EngineContext, secret: string): Promise<ApiKey | undefined> {
  const row = await ctx.store.db.selectFrom('apiKeys').selectAll().where('hash', '=', hashOf(secret)).executeTakeFirst()
  if (!row || row.revokedAt !== null) return undefined
  const now = ctx.now()
  if (row.lastUsedAt === null || now - Number(row.lastUsedAt) > LAST_USED_RESOLUTION_MS) {
    void ctx.store.writes.write((trx) => trx.updateTable('apiKeys').set({ lastUsedAt: now }).where('id', '=', row.id).execute()).catch(() => {})
  }
  return toApiKey(row)
}
