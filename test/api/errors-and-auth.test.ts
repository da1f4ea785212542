/**
 * Cross-cutting refusals, generated from one table of routes: authentication and roles,
 * malformed and mistyped bodies, unknown ids, the error envelope; garbage bodies never
 * give a 500 nor change what is stored; the rate limit; and the refusal to listen on a
 * public address with no key.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { InsecureHostError } from '../../src/api/server.js'
import { BudgetInput } from '../../src/domain/budget.js'
import { CheckRequest } from '../../src/domain/check.js'
import { PolicyInput } from '../../src/domain/policy.js'
import { UsageBatch, UsageInput } from '../../src/domain/usage.js'
import {
  aBudget,
  aBudgetBody,
  aBudgetWithPolicy,
  aCheckBody,
  aKey,
  aPolicyBody,
  aTestServer,
  aUsageBody,
  type Json,
  type Method,
  type Reply,
  type TestServer,
  uniqueName,
} from '../support/http.js'

type Role = 'read' | 'write' | 'admin'

interface Route {
  method: Method
  path: string
  /** The least role that may call the route. */
  role: Role
  /** A valid body, made afresh for each request (POST /budgets must not repeat a name). */
  body?: () => unknown
  /** The route names something that does not exist: a permitted caller gets 404. */
  missing?: true
}

const NO_SUCH = 'no-such-id'

const ROUTES: Route[] = [
  { method: 'GET', path: '/api/v1/budgets', role: 'read' },
  { method: 'POST', path: '/api/v1/budgets', role: 'write', body: () => aBudgetBody() },
  { method: 'GET', path: `/api/v1/budgets/${NO_SUCH}`, role: 'read', missing: true },
  { method: 'PATCH', path: `/api/v1/budgets/${NO_SUCH}`, role: 'write', body: () => ({ description: 'x' }), missing: true },
  { method: 'DELETE', path: `/api/v1/budgets/${NO_SUCH}`, role: 'write', missing: true },
  { method: 'GET', path: `/api/v1/budgets/${NO_SUCH}/summary`, role: 'read', missing: true },
  { method: 'GET', path: '/api/v1/policies', role: 'read' },
  { method: 'GET', path: `/api/v1/policies?budgetId=${NO_SUCH}`, role: 'read', missing: true },
  { method: 'POST', path: '/api/v1/policies', role: 'write', body: () => aPolicyBody(NO_SUCH), missing: true },
  { method: 'GET', path: `/api/v1/policies/${NO_SUCH}`, role: 'read', missing: true },
  { method: 'PATCH', path: `/api/v1/policies/${NO_SUCH}`, role: 'write', body: () => ({ tokenLimit: 5 }), missing: true },
  { method: 'DELETE', path: `/api/v1/policies/${NO_SUCH}`, role: 'write', missing: true },
  { method: 'POST', path: '/api/v1/check', role: 'write', body: () => aCheckBody({ budgetId: NO_SUCH }), missing: true },
  { method: 'GET', path: '/api/v1/reservations', role: 'read' },
  { method: 'GET', path: `/api/v1/reservations?budgetId=${NO_SUCH}`, role: 'read', missing: true },
  { method: 'GET', path: `/api/v1/reservations/${NO_SUCH}`, role: 'read', missing: true },
  { method: 'POST', path: `/api/v1/reservations/${NO_SUCH}/release`, role: 'write', missing: true },
  { method: 'POST', path: '/api/v1/usage', role: 'write', body: () => aUsageBody({ budgetId: NO_SUCH }), missing: true },
  { method: 'POST', path: '/api/v1/usage', role: 'write', body: () => aUsageBody({ reservationId: NO_SUCH }), missing: true },
  { method: 'POST', path: '/api/v1/usage', role: 'write', body: () => ({ records: [aUsageBody(), aUsageBody({ budgetId: NO_SUCH })] }), missing: true },
  { method: 'GET', path: '/api/v1/usage', role: 'read' },
  { method: 'GET', path: `/api/v1/usage?budgetId=${NO_SUCH}`, role: 'read', missing: true },
  { method: 'GET', path: `/api/v1/usage/${NO_SUCH}`, role: 'read', missing: true },
  { method: 'GET', path: '/api/v1/usage/summary?groupBy=model', role: 'read' },
  { method: 'GET', path: `/api/v1/usage/summary?budgetId=${NO_SUCH}`, role: 'read', missing: true },
  { method: 'POST', path: '/api/v1/cost/calculate', role: 'read', body: () => ({ provider: 'openai', model: 'gpt-4o', inputTokens: 10, outputTokens: 10 }) },
  { method: 'GET', path: '/api/v1/prices/current', role: 'read' },
  { method: 'GET', path: '/api/v1/keys', role: 'admin' },
  { method: 'POST', path: '/api/v1/keys', role: 'admin', body: () => ({ name: uniqueName('key'), role: 'read' }) },
  { method: 'DELETE', path: `/api/v1/keys/${NO_SUCH}`, role: 'admin', missing: true },
]

const show = (body: unknown) => JSON.stringify(body).slice(0, 300)

const ROLES: Role[] = ['read', 'write', 'admin']
const RANK: Record<Role, number> = { read: 0, write: 1, admin: 2 }
const takesBody = (route: Route) => route.method === 'POST' || route.method === 'PATCH'

function expectError(reply: Reply, status: number, code: string): void {
  expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status, code })
  expect(reply.body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Object) } })
}

/** What a caller allowed to use the route gets: 404 when it names nothing, else success. */
function expectServed(route: Route, reply: Reply): void {
  if (route.missing) expectError(reply, 404, 'NOT_FOUND')
  else expect(reply.status, show(reply.body)).toBeOneOf([200, 201, 204])
}

let t: TestServer
const keys = {} as Record<Role | 'revoked', string>

beforeAll(async () => {
  t = await aTestServer()
  const admin = await aKey(t.call, 'admin')
  keys.admin = admin.key
  keys.write = (await aKey(t.call, 'write', admin.key)).key
  keys.read = (await aKey(t.call, 'read', admin.key)).key
  const revoked = await aKey(t.call, 'admin', admin.key)
  expect((await t.call('DELETE', `/api/v1/keys/${revoked.id}`, { key: admin.key })).status).toBe(200)
  keys.revoked = revoked.key
})

afterAll(async () => {
  await t.close()
})

const send = (route: Route, options: { key?: string; headers?: Record<string, string> } = {}) =>
  t.call(route.method, route.path, { body: route.body?.(), ...options })

describe.each(ROUTES)('$method $path', (route) => {
  it('refuses a request with no key once a key exists: 401 UNAUTHENTICATED', async () => {
    expectError(await send(route), 401, 'UNAUTHENTICATED')
  })

  it('refuses a revoked key: 401 UNAUTHENTICATED', async () => {
    expectError(await send(route, { key: keys.revoked }), 401, 'UNAUTHENTICATED')
  })

  it('refuses a key nobody issued: 401 UNAUTHENTICATED', async () => {
    expectError(await send(route, { key: 'tbk_not-a-real-key' }), 401, 'UNAUTHENTICATED')
  })

  it('refuses a request with no key whose path percent-encodes /api/, which reaches the same route: 401', async () => {
    const disguised = route.path.replace(/^\/api\//, '/%61pi/')

    expectError(await t.call(route.method, disguised, { body: route.body?.() }), 401, 'UNAUTHENTICATED')
  })

  for (const role of ROLES.filter((r) => RANK[r] < RANK[route.role])) {
    it(`refuses a ${role} key: 403 FORBIDDEN`, async () => {
      expectError(await send(route, { key: keys[role] }), 403, 'FORBIDDEN')
    })
  }

  for (const role of ROLES.filter((r) => RANK[r] >= RANK[route.role])) {
    it(`serves a ${role} key${route.missing ? ' with 404 NOT_FOUND for what does not exist' : ''}`, async () => {
      expectServed(route, await send(route, { key: keys[role] }))
    })
  }

  it('takes the key from X-API-Key as from Authorization: Bearer', async () => {
    expectServed(route, await send(route, { headers: { 'x-api-key': keys[route.role] } }))
  })

  if (takesBody(route)) {
    it.each(['{"name": ', '{"a": 1,}', 'not json', '[1, 2', ''])('refuses the malformed JSON body %j: 400 VALIDATION_FAILED', async (rawBody) => {
      const reply = await t.call(route.method, route.path, { rawBody, key: keys.admin })

      expectError(reply, 400, 'VALIDATION_FAILED')
    })

    it.each(['application/xml', 'application/x-www-form-urlencoded'])('refuses a body of type %s: 415 UNSUPPORTED_MEDIA_TYPE', async (type) => {
      const reply = await t.call(route.method, route.path, { rawBody: 'name=x', key: keys.admin, headers: { 'content-type': type } })

      expectError(reply, 415, 'UNSUPPORTED_MEDIA_TYPE')
    })
  }
})

describe('unknown routes', () => {
  it.each([
    ['GET', '/api/v1/nothing-here'],
    ['POST', '/api/v1/budgets/x/y'],
    ['PUT', '/api/v1/budgets'],
    ['GET', '/nothing-here'],
  ] as const)('answers %s %s with 404 NOT_FOUND in the error envelope', async (method, path) => {
    expectError(await t.call(method, path, { key: keys.admin }), 404, 'NOT_FOUND')
  })
})

describe('the error envelope', () => {
  it('names every field at fault with its path', async () => {
    const reply = await t.call('POST', '/api/v1/check', { body: { provider: '', inputTokens: 1.5 }, key: keys.write })

    expectError(reply, 400, 'VALIDATION_FAILED')
    const paths = reply.body.error.details.issues.map((i: Json) => i.path.join('.'))
    expect(paths).toEqual(expect.arrayContaining(['body.provider', 'body.model', 'body.inputTokens', 'body.maxOutputTokens']))
  })

  it('refuses a body that carries __proto__: 400, never 500', async () => {
    const reply = await t.call('POST', '/api/v1/budgets', { rawBody: '{"name": "x", "__proto__": {"admin": true}}', key: keys.write })

    expectError(reply, 400, 'VALIDATION_FAILED')
  })
})

describe('garbage bodies', () => {
  const targets = [
    { path: '/api/v1/check', schema: CheckRequest },
    { path: '/api/v1/usage', schema: z.union([UsageInput, UsageBatch]) },
    { path: '/api/v1/policies', schema: PolicyInput },
    { path: '/api/v1/budgets', schema: BudgetInput },
  ]

  /** Field names the schemas know, so that some garbage gets past the first check. */
  const knownKey = fc.constantFrom(
    'id', 'name', 'budgetId', 'reservationId', 'provider', 'model', 'inputTokens', 'outputTokens', 'maxOutputTokens',
    'records', 'type', 'period', 'tokenLimit', 'costLimitUsd', 'windowSeconds', 'scope', 'timestamp', 'metadata', 'tags',
  )
  const garbage = fc.oneof(
    fc.anything().map((v) => JSON.stringify(v) ?? 'null'),
    fc.json(),
    fc.dictionary(knownKey, fc.anything()).map((v) => JSON.stringify(v)),
    fc.record({ records: fc.array(fc.dictionary(knownKey, fc.oneof(fc.integer(), fc.string(), fc.constant(null))), { maxLength: 5 }) }).map((v) => JSON.stringify(v)),
    fc.string(),
  )

  async function storedState() {
    const get = async (path: string) => {
      const reply = await t.call('GET', path, { key: keys.read })
      expect(reply.status).toBe(200)
      return reply.body.items
    }
    return {
      budgets: await get('/api/v1/budgets?includeArchived=true'),
      policies: await get('/api/v1/policies'),
      reservations: await get('/api/v1/reservations?limit=1000'),
      usage: await get('/api/v1/usage?limit=1000'),
    }
  }

  const isValid = (schema: z.ZodType, text: string) => {
    try {
      return schema.safeParse(JSON.parse(text)).success
    } catch {
      return false
    }
  }

  it.each(targets)('never answer POST $path with a 500 nor change what is stored', async ({ path, schema }) => {
    const before = await storedState()

    await fc.assert(
      fc.asyncProperty(
        garbage.filter((text) => !isValid(schema, text)),
        async (rawBody) => {
          const reply = await t.call('POST', path, { rawBody, key: keys.write })

          expect(reply.status).toBeGreaterThanOrEqual(400)
          expect(reply.status).toBeLessThan(500)
          expect(reply.body).toEqual({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Object) } })
          expect(await storedState()).toEqual(before)
        },
      ),
      { numRuns: 60 },
    )
  })
})

describe('valid bodies at the edges of their ranges', () => {
  let edge: TestServer

  beforeAll(async () => {
    edge = await aTestServer()
  })

  afterAll(async () => {
    await edge.close()
  })

  const tokens = fc.oneof(fc.nat({ max: 1e9 }), fc.constantFrom(0, 1e9, 999_999_999), fc.nat({ max: 1_000_000 }).map((n) => n * 997))
  const anyInstant = fc
    .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
    .map((d) => d.toISOString())
  const model = fc.constantFrom(['anthropic', 'claude-sonnet-4-20250514'], ['anthropic', 'claude-opus-4-1'], ['openai', 'gpt-4o'], ['nobody', 'no-such-model'])
  const usd = fc.oneof(fc.double({ min: 1e-12, max: 1e-8, noNaN: true }), fc.double({ min: 0, max: 4_000_000, noNaN: true }))

  it('never answer a schema-valid usage record with a 500', async () => {
    const { budget } = await aBudgetWithPolicy(edge.call, { period: 'daily', costLimitUsd: 5 })
    const record = fc.record({ model, inputTokens: tokens, outputTokens: tokens, cacheReadTokens: tokens, timestamp: anyInstant })

    await fc.assert(
      fc.asyncProperty(record, async ({ model: [provider, name], ...counts }) => {
        const reply = await edge.call('POST', '/api/v1/usage', { body: { budgetId: budget.id, provider, model: name, ...counts } })

        expect([201, 400], show(reply.body)).toContain(reply.status)
      }),
      { numRuns: 40 },
    )
  })

  it('never answer a schema-valid policy, or the checks and summaries under it, with a 500', async () => {
    const policy = fc.record(
      {
        type: fc.constantFrom('warn', 'soft_limit', 'hard_limit'),
        period: fc.constantFrom('hourly', 'daily', 'weekly', 'monthly'),
        tokenLimit: fc.integer({ min: 1, max: 2 ** 31 }),
        costLimitUsd: usd,
      },
      { requiredKeys: ['type', 'period'] },
    )

    await fc.assert(
      fc.asyncProperty(policy, model, tokens, async (fields, [provider, name], inputTokens) => {
        const budget = await aBudget(edge.call)
        const body = aPolicyBody(budget.id, { tokenLimit: undefined, ...fields })
        fc.pre(PolicyInput.safeParse(body).success)

        const created = await edge.call('POST', '/api/v1/policies', { body })
        const decision = await edge.call('POST', '/api/v1/check', { body: aCheckBody({ budgetId: budget.id, provider, model: name, inputTokens }) })
        const summary = await edge.call('GET', `/api/v1/budgets/${budget.id}/summary`)

        expect([201, 400], show(created.body)).toContain(created.status)
        expect(decision.status, show(decision.body)).toBe(200)
        expect(summary.status, show(summary.body)).toBe(200)
      }),
      { numRuns: 40 },
    )
  })
})

describe('rate limit', () => {
  let limited: TestServer

  beforeAll(async () => {
    limited = await aTestServer({ BUDGET_RATE_LIMIT_PER_MINUTE: '5' })
  })

  afterAll(async () => {
    await limited.close()
  })

  it('answers the 6th request a minute with the same key with 429 RATE_LIMITED, other keys still served', async () => {
    const admin = await aKey(limited.call, 'admin')
    const other = await aKey(limited.call, 'read', admin.key)
    const statuses: number[] = [201]
    for (let i = 0; i < 4; i++) statuses.push((await limited.call('GET', '/api/v1/budgets', { key: admin.key })).status)

    const sixth = await limited.call('GET', '/api/v1/budgets', { key: admin.key })

    expect(statuses).toEqual([201, 200, 200, 200, 200])
    expectError(sixth, 429, 'RATE_LIMITED')
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await limited.call('GET', '/api/v1/budgets', { key: other.key })).status).toBe(200)
  })
})

describe('listening on a public address', () => {
  it('refuses to start on a non-loopback host while no API key exists', async () => {
    await expect(aTestServer({ BUDGET_HOST: '0.0.0.0' })).rejects.toBeInstanceOf(InsecureHostError)
  })

  it('starts with --insecure, open to requests without a key', async () => {
    const server = await aTestServer({ BUDGET_HOST: '0.0.0.0', BUDGET_INSECURE: 'true' })
    try {
      expect((await server.call('GET', '/api/v1/budgets')).status).toBe(200)
    } finally {
      await server.close()
    }
  })

  it('starts once a key exists, and then wants a key on every request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'budget-http-'))
    try {
      const local = await aTestServer({}, { dir })
      const admin = await aKey(local.call, 'admin')
      await local.close()

      const server = await aTestServer({ BUDGET_HOST: '0.0.0.0' }, { dir })
      try {
        expectError(await server.call('GET', '/api/v1/budgets'), 401, 'UNAUTHENTICATED')
        expect((await server.call('GET', '/api/v1/budgets', { key: admin.key })).status).toBe(200)
      } finally {
        await server.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('the open API on loopback', () => {
  it('serves requests without a key until the first key is created, then closes', async () => {
    const server = await aTestServer()
    try {
      expect((await server.call('GET', '/api/v1/budgets')).status).toBe(200)

      await aKey(server.call, 'admin')

      expectError(await server.call('GET', '/api/v1/budgets'), 401, 'UNAUTHENTICATED')
    } finally {
      await server.close()
    }
  })
})
