/**
 * API-key authentication and roles. GET needs `read`, other methods `write`, key
 * management `admin`. With no active key and a loopback host the API is open, which
 * is what a developer running the service on a laptop wants; the first key created
 * closes it.
 *
 * Keys and the "any key exists" answer are cached for a few seconds so that the hot path
 * does not query for them on every request; a revoked key stops working within that time.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ApiKey, Role } from '../domain/api-key.js'
import { roleAllows } from '../domain/api-key.js'
import { BudgetError } from '../domain/errors.js'
import type { BudgetEngine } from '../engine/engine.js'

const CACHE_MS = 5_000

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKey | null
  }
  interface FastifyContextConfig {
    role?: Role
  }
}

/** The secret a request carries: `Authorization: Bearer …` or `X-API-Key: …`. */
export function secretOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (typeof header === 'string' && header.toLowerCase().startsWith('bearer ')) return header.slice(7).trim()
  const key = request.headers['x-api-key']
  return typeof key === 'string' ? key : undefined
}

export interface AuthOptions {
  engine: BudgetEngine
  /** True when the server listens on a loopback address or was started with --insecure. */
  openWithoutKeys: boolean
}

export function registerAuth(app: FastifyInstance, options: AuthOptions): { invalidate(): void } {
  const keyCache = new Map<string, { key: ApiKey | undefined; until: number }>()
  let anyKeys: { value: boolean; until: number } | null = null

  async function hasKeys(): Promise<boolean> {
    if (anyKeys && anyKeys.until > Date.now()) return anyKeys.value
    anyKeys = { value: await options.engine.hasActiveKeys(), until: Date.now() + CACHE_MS }
    return anyKeys.value
  }

  async function lookup(secret: string): Promise<ApiKey | undefined> {
    const cached = keyCache.get(secret)
    if (cached && cached.until > Date.now()) return cached.key
    const key = await options.engine.authenticate(secret)
    if (keyCache.size > 10_000) keyCache.clear()
    keyCache.set(secret, { key, until: Date.now() + CACHE_MS })
    return key
  }

  app.decorateRequest('apiKey', null)
  app.addHook('onRequest', async (request) => {
    // The matched route, not request.url: the router decodes %-escapes before matching,
    // so a raw-URL test would let /%61pi/… reach /api/ routes unauthenticated.
    const route = request.routeOptions.url
    if (route === undefined || !route.startsWith('/api/')) return
    const needs: Role = request.routeOptions.config.role ?? (request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write')
    const secret = secretOf(request)
    if (secret === undefined) {
      if (options.openWithoutKeys && !(await hasKeys())) return
      throw new BudgetError('UNAUTHENTICATED', 'an API key is required: send Authorization: Bearer <key> or X-API-Key')
    }
    const key = await lookup(secret)
    if (!key) throw new BudgetError('UNAUTHENTICATED', 'the API key is unknown or revoked')
    if (!roleAllows(key.role, needs)) {
      throw new BudgetError('FORBIDDEN', `this needs a key with role ${needs}; key ${key.prefix}… has role ${key.role}`, { needs, has: key.role })
    }
    request.apiKey = key
  })

  return {
    invalidate() {
      keyCache.clear()
      anyKeys = null
    },
  }
}
