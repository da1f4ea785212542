/**
 * Every REST route over a real listening server: what it answers and what it stores.
 * Cross-cutting refusals (auth, malformed bodies, unknown ids) are generated from one
 * table in errors-and-auth.test.ts and not repeated here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  aBudget,
  aBudgetBody,
  aBudgetWithPolicy,
  aCheckBody,
  aPolicyBody,
  aTestServer,
  aUsageBody,
  type Call,
  countedTokens,
  type Json,
  type TestServer,
  toNano,
  uniqueName,
} from '../support/http.js'

let t: TestServer
let call: Call
/**
 * A record that names no budget counts toward every budget's matching policies (DESIGN:
 * "the same rule decides which usage records count"), so records whose budget does not
 * matter to a test go here, where no other test's policy sees them.
 */
let sinkId: string

beforeAll(async () => {
  t = await aTestServer()
  call = t.call
  sinkId = (await aBudget(call)).id
})

afterAll(async () => {
  await t.close()
})

const aRecord = <T extends Record<string, unknown>>(overrides: T = {} as T) => aUsageBody({ budgetId: sinkId, ...overrides })

const HOUR_MS = 3_600_000
const iso = (ms: number) => new Date(ms).toISOString()

/** Every record GET /usage returns for `query`, following the cursor page by page. */
async function allPages(query: string, limit: number): Promise<{ pages: Json[][]; items: Json[] }> {
  const pages: Json[][] = []
  let cursor: string | null = null
  do {
    const path: string = `/api/v1/usage?${query}&limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`
    const reply = await call('GET', path)
    expect(reply.status).toBe(200)
    pages.push(reply.body.items)
    cursor = reply.body.nextCursor
  } while (cursor !== null && pages.length < 1_000)
  return { pages, items: pages.flat() }
}

describe('budgets', () => {
  it('creates a budget and reads it back by id and by name', async () => {
    const body = aBudgetBody({ description: 'the research fleet', owner: 'ada', tags: ['research', 'agents'] })

    const created = await call('POST', '/api/v1/budgets', { body })

    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ ...body, archived: false, id: expect.any(String) })
    expect(Date.parse(created.body.createdAt)).not.toBeNaN()
    const byId = await call('GET', `/api/v1/budgets/${created.body.id}`)
    const byName = await call('GET', `/api/v1/budgets/${encodeURIComponent(body.name)}`)
    expect(byId).toMatchObject({ status: 200, body: created.body })
    expect(byName).toMatchObject({ status: 200, body: created.body })
  })

  it('stores absent optional fields as null and no tags', async () => {
    const created = await call('POST', '/api/v1/budgets', { body: aBudgetBody() })

    expect(created.body).toMatchObject({ description: null, owner: null, tags: [] })
  })

  it('lists budgets, leaving archived ones out unless includeArchived=true', async () => {
    const kept = await aBudget(call)
    const archived = await aBudget(call)
    expect((await call('PATCH', `/api/v1/budgets/${archived.id}`, { body: { archived: true } })).status).toBe(200)

    const listed = await call('GET', '/api/v1/budgets')
    const all = await call('GET', '/api/v1/budgets?includeArchived=true')

    const ids = (reply: Json) => reply.body.items.map((b: Json) => b.id)
    expect(listed.status).toBe(200)
    expect(ids(listed)).toContain(kept.id)
    expect(ids(listed)).not.toContain(archived.id)
    expect(ids(all)).toEqual(expect.arrayContaining([kept.id, archived.id]))
  })

  it('changes only the fields a PATCH names', async () => {
    const budget = await aBudget(call, { description: 'before', owner: 'ada' })

    const patched = await call('PATCH', `/api/v1/budgets/${budget.id}`, { body: { description: 'after', tags: ['x'] } })

    expect(patched.status).toBe(200)
    expect(patched.body).toMatchObject({ id: budget.id, name: budget.name, description: 'after', owner: 'ada', tags: ['x'] })
    expect((await call('GET', `/api/v1/budgets/${budget.id}`)).body).toEqual(patched.body)
  })

  it('refuses a second budget with a name already taken: 409 CONFLICT, nothing stored', async () => {
    const first = await aBudget(call)
    const before = (await call('GET', '/api/v1/budgets?includeArchived=true')).body.items.length

    const duplicate = await call('POST', '/api/v1/budgets', { body: { name: first.name } })

    expect(duplicate.status).toBe(409)
    expect(duplicate.body.error).toMatchObject({ code: 'CONFLICT', details: { name: first.name } })
    expect((await call('GET', '/api/v1/budgets?includeArchived=true')).body.items).toHaveLength(before)
  })

  it('refuses to rename a budget to a name already taken: 409 CONFLICT', async () => {
    const first = await aBudget(call)
    const second = await aBudget(call)

    const renamed = await call('PATCH', `/api/v1/budgets/${second.id}`, { body: { name: first.name } })

    expect(renamed.status).toBe(409)
    expect(renamed.body.error.code).toBe('CONFLICT')
    expect((await call('GET', `/api/v1/budgets/${second.id}`)).body.name).toBe(second.name)
  })

  it('deletes a budget with its policies, keeping its usage records', async () => {
    const { budget, policy } = await aBudgetWithPolicy(call)
    const recorded = await call('POST', '/api/v1/usage', { body: aRecord({ budgetId: budget.id }) })

    const deleted = await call('DELETE', `/api/v1/budgets/${budget.id}`)

    expect(deleted.status).toBe(204)
    expect((await call('GET', `/api/v1/budgets/${budget.id}`)).status).toBe(404)
    expect((await call('GET', `/api/v1/policies/${policy.id}`)).status).toBe(404)
    expect((await call('GET', `/api/v1/usage/${recorded.body.id}`)).status).toBe(200)
  })
})

describe('budget summary', () => {
  it("shows each policy's current window with what is used, reserved and allowed", async () => {
    const { budget, policy } = await aBudgetWithPolicy(call, { tokenLimit: 10_000 })
    await call('POST', '/api/v1/check', { body: aCheckBody({ budgetId: budget.id }) })
    await call('POST', '/api/v1/usage', { body: aRecord({ budgetId: budget.id, inputTokens: 2_000, outputTokens: 500 }) })

    const summary = await call('GET', `/api/v1/budgets/${budget.id}/summary`)

    expect(summary.status).toBe(200)
    expect(summary.body.budgetId).toBe(budget.id)
    const [window] = summary.body.policies
    expect(window).toMatchObject({ policyId: policy.id, period: 'daily', tokensUsed: 2_500, tokensReserved: 1_500, tokenLimit: 10_000, status: 'ok' })
    expect(window.costUsd).toBeGreaterThan(0)
    const start = Date.parse(window.windowStart)
    expect(Date.parse(window.windowEnd) - start).toBe(24 * HOUR_MS)
    expect(start).toBeLessThanOrEqual(Date.now())
    expect(window.utilization).toBeCloseTo(0.25, 4)
  })

  it('is reachable by budget name too', async () => {
    const { budget } = await aBudgetWithPolicy(call)

    const summary = await call('GET', `/api/v1/budgets/${encodeURIComponent(budget.name)}/summary`)

    expect(summary).toMatchObject({ status: 200, body: { budgetId: budget.id } })
  })

  it('keeps only the policies of the period asked for with ?period=', async () => {
    const { budget } = await aBudgetWithPolicy(call, { period: 'daily' })
    const monthly = await call('POST', '/api/v1/policies', { body: aPolicyBody(budget.id, { period: 'monthly', type: 'warn', costLimitUsd: 50 }) })

    const summary = await call('GET', `/api/v1/budgets/${budget.id}/summary?period=monthly`)

    expect(summary.status).toBe(200)
    expect(summary.body.policies).toEqual([expect.objectContaining({ policyId: monthly.body.id, period: 'monthly', costLimitUsd: 50 })])
  })

  it('refuses a period that does not exist: 400 at querystring.period', async () => {
    const budget = await aBudget(call)

    const summary = await call('GET', `/api/v1/budgets/${budget.id}/summary?period=fortnightly`)

    expect(summary.status).toBe(400)
    expect(summary.body.error.details.issues).toEqual([expect.objectContaining({ path: ['querystring', 'period'] })])
  })
})

describe('records that name no budget', () => {
  // They count toward every budget's unscoped policies, so they get a server of their own.
  let own: TestServer

  beforeAll(async () => {
    own = await aTestServer()
  })

  afterAll(async () => {
    await own.close()
  })

  it('counts a record that names no budget toward every budget whose policy scope it matches', async () => {
    const component = uniqueName('component')
    const first = await aBudgetWithPolicy(own.call, { scope: { component } })
    const second = await aBudgetWithPolicy(own.call, { scope: { component } })

    await own.call('POST', '/api/v1/usage', { body: aUsageBody({ component, inputTokens: 300, outputTokens: 20 }) })

    for (const { budget } of [first, second]) {
      const [window] = (await own.call('GET', `/api/v1/budgets/${budget.id}/summary`)).body.policies
      expect(window.tokensUsed).toBe(320)
    }
  })
})

describe('budget summary at an instant', () => {
  it.each(['0001-01-01T00:00:00Z', '1500-06-01T00:00:00Z', '9999-12-31T23:59:59Z'])(
    'refuses ?at=%s, outside the calendar the windows know: 400, never 500',
    async (at) => {
      const { budget } = await aBudgetWithPolicy(call, { period: 'daily' })

      const summary = await call('GET', `/api/v1/budgets/${budget.id}/summary?at=${at}`)

      expect(summary.status).toBe(400)
      expect(summary.body.error.code).toBe('VALIDATION_FAILED')
    },
  )

  it('shows the window of a past instant', async () => {
    const { budget } = await aBudgetWithPolicy(call, { period: 'daily' })
    await call('POST', '/api/v1/usage', { body: aRecord({ budgetId: budget.id, timestamp: '2026-01-15T10:00:00Z' }) })

    const summary = await call('GET', `/api/v1/budgets/${budget.id}/summary?at=2026-01-15T23:00:00Z`)

    expect(summary.status).toBe(200)
    expect(summary.body.policies[0]).toMatchObject({ windowStart: '2026-01-15T00:00:00.000Z', windowEnd: '2026-01-16T00:00:00.000Z' })
  })
})

describe('policies', () => {
  it('creates a policy with defaults and reads it back', async () => {
    const budget = await aBudget(call)

    const created = await call('POST', '/api/v1/policies', { body: aPolicyBody(budget.id, { scope: { provider: 'anthropic' } }) })

    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      budgetId: budget.id,
      type: 'hard_limit',
      period: 'daily',
      tokenLimit: 10_000,
      warningThreshold: 0.8,
      actionThreshold: 0.95,
      scope: { provider: 'anthropic' },
      enabled: true,
    })
    expect(await call('GET', `/api/v1/policies/${created.body.id}`)).toMatchObject({ status: 200, body: created.body })
  })

  it('accepts a budget name where a budget id is expected', async () => {
    const budget = await aBudget(call)

    const created = await call('POST', '/api/v1/policies', { body: aPolicyBody(budget.name) })

    expect(created.status).toBe(201)
    expect(created.body.budgetId).toBe(budget.id)
  })

  it('lists the policies of one budget', async () => {
    const { budget, policy } = await aBudgetWithPolicy(call)
    const other = await aBudgetWithPolicy(call)

    const listed = await call('GET', `/api/v1/policies?budgetId=${budget.id}`)
    const all = await call('GET', '/api/v1/policies')

    expect(listed.status).toBe(200)
    expect(listed.body.items.map((p: Json) => p.id)).toEqual([policy.id])
    expect(all.body.items.map((p: Json) => p.id)).toEqual(expect.arrayContaining([policy.id, other.policy.id]))
  })

  it('changes a limit with PATCH and enforces the new one at once', async () => {
    const { budget, policy } = await aBudgetWithPolicy(call, { tokenLimit: 10_000 })

    const patched = await call('PATCH', `/api/v1/policies/${policy.id}`, { body: { tokenLimit: 1_000 } })
    const decision = await call('POST', '/api/v1/check', { body: aCheckBody({ budgetId: budget.id }) })

    expect(patched.status).toBe(200)
    expect(patched.body).toMatchObject({ id: policy.id, tokenLimit: 1_000, type: 'hard_limit' })
    expect(decision.body).toMatchObject({ allowed: false, action: 'block' })
  })

  it('refuses a PATCH that would leave the policy invalid, keeping the policy as it was', async () => {
    const { policy } = await aBudgetWithPolicy(call, { period: 'daily' })

    const patched = await call('PATCH', `/api/v1/policies/${policy.id}`, { body: { period: 'rolling' } })

    expect(patched.status).toBe(400)
    expect(patched.body.error.code).toBe('VALIDATION_FAILED')
    expect((await call('GET', `/api/v1/policies/${policy.id}`)).body.period).toBe('daily')
  })

  it('deletes a policy', async () => {
    const { budget, policy } = await aBudgetWithPolicy(call)

    const deleted = await call('DELETE', `/api/v1/policies/${policy.id}`)

    expect(deleted.status).toBe(204)
    expect((await call('GET', `/api/v1/policies/${policy.id}`)).status).toBe(404)
    expect((await call('GET', `/api/v1/budgets/${budget.id}/summary`)).body.policies).toEqual([])
  })

  it.each([
    ['a hard limit with no limit', { type: 'hard_limit', tokenLimit: undefined }, ['body', 'tokenLimit']],
    ['a soft limit with no limit', { type: 'soft_limit', tokenLimit: undefined }, ['body', 'tokenLimit']],
    ['a rolling policy without windowSeconds', { period: 'rolling' }, ['body', 'windowSeconds']],
    ['windowSeconds on a calendar period', { period: 'daily', windowSeconds: 3_600 }, ['body', 'windowSeconds']],
    ['a warning threshold above the action threshold', { warningThreshold: 0.9, actionThreshold: 0.5 }, ['body', 'warningThreshold']],
    ['a negative token limit', { tokenLimit: -5 }, ['body', 'tokenLimit']],
    ['a cost limit that rounds to 0 nano-USD', { tokenLimit: undefined, costLimitUsd: 1e-10 }, ['body', 'costLimitUsd']],
    ['an unknown type', { type: 'maybe' }, ['body', 'type']],
    ['an unknown tier in the scope', { scope: { tier: 'huge' } }, ['body', 'scope', 'tier']],
  ])('refuses %s: 400 VALIDATION_FAILED naming the field, nothing stored', async (_name, overrides, path) => {
    const budget = await aBudget(call)

    const created = await call('POST', '/api/v1/policies', { body: aPolicyBody(budget.id, overrides) })

    expect(created.status).toBe(400)
    expect(created.body.error.code).toBe('VALIDATION_FAILED')
    expect(created.body.error.details.issues).toContainEqual(expect.objectContaining({ path, message: expect.any(String) }))
    expect((await call('GET', `/api/v1/policies?budgetId=${budget.id}`)).body.items).toEqual([])
  })

  it('accepts an ignore policy with no limit', async () => {
    const budget = await aBudget(call)

    const created = await call('POST', '/api/v1/policies', { body: aPolicyBody(budget.id, { type: 'ignore', tokenLimit: undefined }) })

    expect(created.status).toBe(201)
  })
})

describe('check', () => {
  it('allows a call within the limit and reserves its estimate', async () => {
    const { budget, policy } = await aBudgetWithPolicy(call, { tokenLimit: 10_000 })

    const decision = await call('POST', '/api/v1/check', { body: aCheckBody({ budgetId: budget.id }) })

    expect(decision.status).toBe(200)
    expect(decision.body).toMatchObject({
      allowed: true,
      action: 'allow',
      reasons: [],
      policies: [{ policyId: policy.id, type: 'hard_limit', period: 'daily', remainingTokens: 8_500 }],
      reservation: { id: expect.any(String), tokensReserved: 1_500 },
    })
    expect(decision.body.reservation.costReservedUsd).toBe(decision.body.estimatedCostUsd)
    expect(Date.parse(decision.body.reservation.expiresAt)).toBeGreaterThan(Date.now())
  })

  it('answers a call past a hard limit with 200, allowed false and no reservation', async () => {
    const { budget } = await aBudgetWithPolicy(call, { tokenLimit: 2_000 })
    await call('POST', '/api/v1/check', { body: aCheckBody({ budgetId: budget.id }) })

    const decision = await call('POST', '/api/v1/check', { body: aCheckBody({ budgetId: budget.id }) })

    expect(decision.status).toBe(200)
    expect(decision.body).toMatchObject({ allowed: false, action: 'block', reservation: null })
    expect(decision.body.reasons.length).toBeGreaterThan(0)
    const [window] = (await call('GET', `/api/v1/budgets/${budget.id}/summary`)).body.policies
    expect(window.tokensReserved).toBe(1_500)
  })

  it('warns, and still reserves, when a warn policy is passed', async () => {
    const { budget } = await aBudgetWithPolicy(call, { type: 'warn', tokenLimit: 1_000 })

    const decision = await call('POST', '/api/v1/check', { body: aCheckBody({ budgetId: budget.id }) })

    expect(decision.body).toMatchObject({ allowed: true, action: 'warn', reservation: { tokensReserved: 1_500 } })
  })
})

describe('reservations', () => {
  async function aReservation() {
    const { budget } = await aBudgetWithPolicy(call)
    const decision = await call('POST', '/api/v1/check', { body: aCheckBody({ budgetId: budget.id, contextId: uniqueName('ctx') }) })
    return { budget, reservation: decision.body.reservation as Json }
  }

  it('lists the reservations of a budget and reads one', async () => {
    const { budget, reservation } = await aReservation()

    const listed = await call('GET', `/api/v1/reservations?budgetId=${budget.id}`)
    const one = await call('GET', `/api/v1/reservations/${reservation.id}`)

    expect(listed.status).toBe(200)
    expect(listed.body.items.map((r: Json) => r.id)).toEqual([reservation.id])
    expect(one.status).toBe(200)
    expect(one.body).toMatchObject({ id: reservation.id, budgetId: budget.id, status: 'active', tokensReserved: 1_500, tokensUsed: 0 })
  })

  it('filters reservations by status', async () => {
    const { budget, reservation } = await aReservation()
    const second = (await call('POST', '/api/v1/check', { body: aCheckBody({ budgetId: budget.id }) })).body.reservation
    await call('POST', `/api/v1/reservations/${second.id}/release`)

    const active = await call('GET', `/api/v1/reservations?budgetId=${budget.id}&status=active`)
    const released = await call('GET', `/api/v1/reservations?budgetId=${budget.id}&status=released`)

    expect(active.body.items.map((r: Json) => r.id)).toEqual([reservation.id])
    expect(released.body.items.map((r: Json) => r.id)).toEqual([second.id])
  })

  it('releases a reservation, giving its tokens back; releasing again changes nothing', async () => {
    const { budget, reservation } = await aReservation()

    const first = await call('POST', `/api/v1/reservations/${reservation.id}/release`)
    const again = await call('POST', `/api/v1/reservations/${reservation.id}/release`)

    expect(first).toMatchObject({ status: 200, body: { id: reservation.id, status: 'released' } })
    expect(again).toMatchObject({ status: 200, body: { id: reservation.id, status: 'released' } })
    const [window] = (await call('GET', `/api/v1/budgets/${budget.id}/summary`)).body.policies
    expect(window).toMatchObject({ tokensReserved: 0, tokensUsed: 0 })
  })

  it('refuses to release a committed reservation: 409 CONFLICT', async () => {
    const { reservation } = await aReservation()
    const recorded = await call('POST', '/api/v1/usage', { body: aUsageBody({ reservationId: reservation.id, inputTokens: 700, outputTokens: 100 }) })
    expect(recorded.status).toBe(201)

    const released = await call('POST', `/api/v1/reservations/${reservation.id}/release`)

    expect(released.status).toBe(409)
    expect(released.body.error).toMatchObject({ code: 'CONFLICT', details: { id: reservation.id } })
    expect((await call('GET', `/api/v1/reservations/${reservation.id}`)).body).toMatchObject({ status: 'committed', tokensUsed: 800 })
  })
})

describe('usage: recording', () => {
  it('records one call, priced: 201 with the stored record', async () => {
    const budget = await aBudget(call)

    const recorded = await call('POST', '/api/v1/usage', {
      body: aRecord({ budgetId: budget.id, cacheReadTokens: 200, reasoningTokens: 100, metadata: { run: 7 } }),
    })

    expect(recorded.status).toBe(201)
    expect(recorded.body).toMatchObject({
      id: expect.any(String),
      budgetId: budget.id,
      inputTokens: 1_000,
      outputTokens: 500,
      cacheReadTokens: 200,
      cacheWriteTokens: 0,
      reasoningTokens: 100,
      unpriced: false,
      priceVersion: expect.any(String),
      metadata: { run: 7 },
    })
    expect(recorded.body.costUsd).toBeGreaterThan(0)
    expect(await call('GET', `/api/v1/usage/${recorded.body.id}`)).toMatchObject({ status: 200, body: recorded.body })
  })

  it('answers the same id again with 200 and the original record, storing it once', async () => {
    const contextId = uniqueName('ctx')
    const id = uniqueName('use')
    const first = await call('POST', '/api/v1/usage', { body: aRecord({ id, contextId, inputTokens: 1_000 }) })

    const again = await call('POST', '/api/v1/usage', { body: aRecord({ id, contextId, inputTokens: 9_999 }) })

    expect(first.status).toBe(201)
    expect(again.status).toBe(200)
    expect(again.body).toEqual(first.body)
    const stored = await call('GET', `/api/v1/usage?contextId=${contextId}`)
    expect(stored.body.items).toEqual([first.body])
  })

  it('records a model with no known price as costUsd null and unpriced true, never 0', async () => {
    const recorded = await call('POST', '/api/v1/usage', { body: aRecord({ provider: 'nobody', model: 'no-such-model-xyz' }) })

    expect(recorded.status).toBe(201)
    expect(recorded.body).toMatchObject({ costUsd: null, unpriced: true, priceVersion: null })
  })

  it('records usage past a hard limit (it happened)', async () => {
    const { budget } = await aBudgetWithPolicy(call, { tokenLimit: 1_000 })

    const recorded = await call('POST', '/api/v1/usage', { body: aRecord({ budgetId: budget.id, inputTokens: 5_000 }) })

    expect(recorded.status).toBe(201)
    const [window] = (await call('GET', `/api/v1/budgets/${budget.id}/summary`)).body.policies
    expect(window).toMatchObject({ tokensUsed: 5_500, status: 'exceeded' })
  })

  it('refuses a record whose reasoning tokens exceed its output tokens: 400 at body.reasoningTokens', async () => {
    const recorded = await call('POST', '/api/v1/usage', { body: aRecord({ outputTokens: 10, reasoningTokens: 11 }) })

    expect(recorded.status).toBe(400)
    expect(recorded.body.error.details.issues).toEqual([expect.objectContaining({ path: ['body', 'reasoningTokens'] })])
  })

  it.each(['1500-06-01T00:00:00Z', '0001-01-01T00:00:00Z'])(
    'refuses a record stamped %s, outside the calendar the windows know: 400, never 500',
    async (timestamp) => {
      const { budget } = await aBudgetWithPolicy(call, { period: 'daily' })

      const recorded = await call('POST', '/api/v1/usage', { body: aRecord({ budgetId: budget.id, timestamp }) })

      expect(recorded.status).toBe(400)
      expect(recorded.body.error.code).toBe('VALIDATION_FAILED')
    },
  )

  it('refuses a record more than a day in the future: 400', async () => {
    const contextId = uniqueName('ctx')

    const recorded = await call('POST', '/api/v1/usage', { body: aRecord({ contextId, timestamp: iso(Date.now() + 48 * HOUR_MS) }) })

    expect(recorded.status).toBe(400)
    expect(recorded.body.error.code).toBe('VALIDATION_FAILED')
    expect((await call('GET', `/api/v1/usage?contextId=${contextId}`)).body.items).toEqual([])
  })
})

describe('usage: batches', () => {
  const aBatch = (size: number, overrides: (i: number) => Record<string, unknown> = () => ({})) =>
    Array.from({ length: size }, (_, i) => aRecord({ id: uniqueName(`rec${i}`), ...overrides(i) }))

  it('stores a batch: 201 with accepted, duplicates and the ids in order', async () => {
    const contextId = uniqueName('ctx')
    const records = aBatch(25, () => ({ contextId }))

    const stored = await call('POST', '/api/v1/usage', { body: { records } })

    expect(stored.status).toBe(201)
    expect(stored.body).toEqual({ accepted: 25, duplicates: 0, ids: records.map((r) => r.id) })
    expect((await call('GET', `/api/v1/usage?contextId=${contextId}&limit=1000`)).body.items).toHaveLength(25)
  })

  it('gives ids to records that have none', async () => {
    const records = [aRecord(), aRecord()]

    const stored = await call('POST', '/api/v1/usage', { body: { records } })

    expect(stored.body.accepted).toBe(2)
    expect(new Set(stored.body.ids).size).toBe(2)
    for (const id of stored.body.ids) expect((await call('GET', `/api/v1/usage/${id}`)).status).toBe(200)
  })

  it('accepts nothing when the same batch is sent again, counting every record a duplicate', async () => {
    const contextId = uniqueName('ctx')
    const records = aBatch(30, () => ({ contextId }))
    await call('POST', '/api/v1/usage', { body: { records } })

    const again = await call('POST', '/api/v1/usage', { body: { records } })

    expect(again.status).toBe(201)
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 30 })
    expect((await call('GET', `/api/v1/usage?contextId=${contextId}&limit=1000`)).body.items).toHaveLength(30)
  })

  it('counts a record repeated inside one batch once', async () => {
    const contextId = uniqueName('ctx')
    const [record] = aBatch(1, () => ({ contextId }))

    const stored = await call('POST', '/api/v1/usage', { body: { records: [record, record] } })

    expect(stored.body).toMatchObject({ accepted: 1, duplicates: 1 })
    expect((await call('GET', `/api/v1/usage?contextId=${contextId}`)).body.items).toHaveLength(1)
  })

  it('refuses a batch of 10,001 records: 413 PAYLOAD_TOO_LARGE, nothing stored', async () => {
    const contextId = uniqueName('ctx')
    const records = Array.from({ length: 10_001 }, () => aRecord({ contextId }))

    const stored = await call('POST', '/api/v1/usage', { body: { records } })

    expect(stored.status).toBe(413)
    expect(stored.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { max: 10_000, got: 10_001 } })
    expect((await call('GET', `/api/v1/usage?contextId=${contextId}`)).body.items).toEqual([])
  })

  it('refuses a batch with one bad record: 400 with the path of the field at fault, nothing stored', async () => {
    const contextId = uniqueName('ctx')
    const records = aBatch(5, (i) => ({ contextId, inputTokens: i === 3 ? -1 : 10 }))

    const stored = await call('POST', '/api/v1/usage', { body: { records } })

    expect(stored.status).toBe(400)
    expect(stored.body.error.code).toBe('VALIDATION_FAILED')
    expect(stored.body.error.details.issues.map((i: Json) => i.path.join('.'))).toEqual(['body.records.3.inputTokens'])
    expect((await call('GET', `/api/v1/usage?contextId=${contextId}`)).body.items).toEqual([])
  })

  it('refuses a whole batch when one record names an unknown budget: 404 naming the record, nothing stored', async () => {
    const contextId = uniqueName('ctx')
    const records = aBatch(4, (i) => ({ contextId, ...(i === 2 && { budgetId: 'no-such-budget' }) }))

    const stored = await call('POST', '/api/v1/usage', { body: { records } })

    expect(stored.status).toBe(404)
    expect(stored.body.error).toMatchObject({ code: 'NOT_FOUND', details: { index: 2 } })
    expect((await call('GET', `/api/v1/usage?contextId=${contextId}`)).body.items).toEqual([])
  })

  it('refuses an empty batch: 400 at body.records', async () => {
    const stored = await call('POST', '/api/v1/usage', { body: { records: [] } })

    expect(stored.status).toBe(400)
    expect(stored.body.error.details.issues).toEqual([expect.objectContaining({ path: ['body', 'records'] })])
  })
})

describe('usage: reading', () => {
  it('pages through every record exactly once, newest first, with the cursor', async () => {
    const contextId = uniqueName('ctx')
    const now = Date.now()
    // A batch without timestamps shares one instant, so pages must break ties by id.
    const sameInstant = Array.from({ length: 12 }, () => aRecord({ contextId }))
    const spread = Array.from({ length: 11 }, (_, i) => aRecord({ contextId, timestamp: iso(now - (i + 1) * 60_000) }))
    const ids = [
      ...(await call('POST', '/api/v1/usage', { body: { records: sameInstant } })).body.ids,
      ...(await call('POST', '/api/v1/usage', { body: { records: spread } })).body.ids,
    ]

    const { pages, items } = await allPages(`contextId=${contextId}`, 5)

    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3])
    expect(items.map((r) => r.id).sort()).toEqual([...ids].sort())
    const stamps = items.map((r) => Date.parse(r.timestamp))
    expect(stamps).toEqual([...stamps].sort((a, b) => b - a))
  })

  it('ends with a null cursor when the last page is exactly full', async () => {
    const contextId = uniqueName('ctx')
    await call('POST', '/api/v1/usage', { body: { records: Array.from({ length: 4 }, () => aRecord({ contextId })) } })

    const { pages } = await allPages(`contextId=${contextId}`, 2)

    expect(pages.map((p) => p.length)).toEqual([2, 2])
  })

  it('filters by budget, provider, model, component, task type and time', async () => {
    const budget = await aBudget(call)
    const contextId = uniqueName('ctx')
    const now = Date.now()
    const base = { contextId, budgetId: budget.id }
    const records = [
      aRecord({ ...base, id: uniqueName('a'), component: 'planner', taskType: 'plan', timestamp: iso(now - 3 * HOUR_MS) }),
      aRecord({ ...base, id: uniqueName('b'), component: 'coder', taskType: 'code', timestamp: iso(now - 2 * HOUR_MS) }),
      aRecord({ ...base, id: uniqueName('c'), provider: 'openai', model: 'gpt-4o', component: 'coder', timestamp: iso(now - HOUR_MS) }),
      aRecord({ contextId, id: uniqueName('d') }),
    ]
    await call('POST', '/api/v1/usage', { body: { records } })
    const idsFor = async (query: string) => (await call('GET', `/api/v1/usage?contextId=${contextId}&${query}`)).body.items.map((r: Json) => r.id).sort()
    const [a, b, c, d] = records.map((r) => r.id as string)

    expect(await idsFor(`budgetId=${budget.id}`)).toEqual([a, b, c].sort())
    expect(await idsFor(`budgetId=${encodeURIComponent(budget.name)}`)).toEqual([a, b, c].sort())
    expect(await idsFor('provider=openai')).toEqual([c])
    expect(await idsFor('model=gpt-4o')).toEqual([c])
    expect(await idsFor('component=coder')).toEqual([b, c].sort())
    expect(await idsFor('taskType=plan')).toEqual([a])
    expect(await idsFor(`from=${iso(now - 2.5 * HOUR_MS)}&to=${iso(now - 0.5 * HOUR_MS)}`)).toEqual([b, c].sort())
    expect(await idsFor(`from=${iso(now - 10 * 60_000)}`)).toEqual([d])
  })

  it('refuses a cursor it did not give out: 400 VALIDATION_FAILED', async () => {
    const reply = await call('GET', '/api/v1/usage?cursor=not-a-cursor')

    expect(reply.status).toBe(400)
    expect(reply.body.error.code).toBe('VALIDATION_FAILED')
  })

  it('sums grouped totals to exactly the recorded costs', async () => {
    const budget = await aBudget(call)
    const calls = [
      { provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputTokens: 1_200, outputTokens: 300, cacheReadTokens: 5_000 },
      { provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputTokens: 80_000, outputTokens: 2_100 },
      { provider: 'anthropic', model: 'claude-3-5-haiku-latest', inputTokens: 333, outputTokens: 777, cacheWriteTokens: 1_000 },
      { provider: 'openai', model: 'gpt-4o', inputTokens: 12_345, outputTokens: 678 },
      { provider: 'openai', model: 'gpt-4o', inputTokens: 1, outputTokens: 1 },
      { provider: 'nobody', model: 'no-such-model-xyz', inputTokens: 100, outputTokens: 100 },
    ]
    const expectedNano = new Map<string, number>()
    let totalNano = 0
    for (const c of calls) {
      const priced = await call('POST', '/api/v1/cost/calculate', { body: c })
      const nano = priced.body.costUsd === null ? 0 : toNano(priced.body.costUsd)
      const key = `${c.provider}/${c.model}`
      expectedNano.set(key, (expectedNano.get(key) ?? 0) + nano)
      totalNano += nano
      expect((await call('POST', '/api/v1/usage', { body: { ...c, budgetId: budget.id } })).status).toBe(201)
    }

    const summary = await call('GET', `/api/v1/usage/summary?groupBy=provider,model&budgetId=${budget.id}`)

    expect(summary.status).toBe(200)
    expect(summary.body.groupBy).toEqual(['provider', 'model'])
    const byKey = new Map<string, Json>(summary.body.groups.map((g: Json) => [`${g.key.provider}/${g.key.model}`, g.totals]))
    expect([...byKey.keys()].sort()).toEqual([...expectedNano.keys()].sort())
    for (const [key, nano] of expectedNano) expect(toNano(byKey.get(key).costUsd), key).toBe(nano)
    expect(byKey.get('nobody/no-such-model-xyz')).toMatchObject({ requests: 1, unpricedRequests: 1, costUsd: 0 })
    expect(toNano(summary.body.totals.costUsd)).toBe(totalNano)
    expect(summary.body.totals).toMatchObject({
      requests: calls.length,
      unpricedRequests: 1,
      inputTokens: calls.reduce((s, c) => s + c.inputTokens, 0),
      totalTokens: calls.reduce((s, c) => s + countedTokens(c), 0),
    })
  })
})

describe('cost and prices', () => {
  it('prices token counts of a known model from the catalog', async () => {
    const request = { provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputTokens: 1_000_000, outputTokens: 200_000 }

    const priced = await call('POST', '/api/v1/cost/calculate', { body: request })

    expect(priced.status).toBe(200)
    expect(priced.body).toMatchObject({ provider: 'anthropic', model: request.model, unpriced: false, priceVersion: expect.any(String) })
    const { inputPerMtok, outputPerMtok } = priced.body.price
    expect(toNano(priced.body.costUsd)).toBe(toNano(inputPerMtok) + toNano(outputPerMtok / 5))
  })

  it('answers an unknown model with costUsd null and unpriced true', async () => {
    const priced = await call('POST', '/api/v1/cost/calculate', { body: { provider: 'nobody', model: 'no-such-model-xyz', inputTokens: 10, outputTokens: 10 } })

    expect(priced.status).toBe(200)
    expect(priced.body).toMatchObject({ costUsd: null, unpriced: true, priceVersion: null, price: null })
  })

  it('lists the prices in effect now for one provider', async () => {
    const prices = await call('GET', '/api/v1/prices/current?provider=anthropic')

    expect(prices.status).toBe(200)
    expect(prices.body.items.length).toBeGreaterThan(0)
    for (const price of prices.body.items) {
      expect(price.provider).toBe('anthropic')
      expect(price.inputPerMtok).toBeGreaterThanOrEqual(0)
      expect(price.effectiveTo === undefined || Date.parse(price.effectiveTo) > Date.now()).toBe(true)
    }
  })
})

describe('service endpoints', () => {
  it('reports health: status, version, uptime, store and price sources', async () => {
    const health = await call('GET', '/health')

    expect(health.status).toBe(200)
    expect(health.body).toMatchObject({
      status: 'ok',
      version: expect.any(String),
      uptimeS: expect.any(Number),
      store: { dialect: 'sqlite', ok: true },
      priceSources: expect.arrayContaining([expect.objectContaining({ id: 'bundled', ok: true })]),
    })
  })

  it('says it is ready', async () => {
    expect(await call('GET', '/ready')).toMatchObject({ status: 200, body: { ready: true } })
  })

  it('serves Prometheus metrics that count HTTP requests', async () => {
    await call('GET', '/health')

    const metrics = await call('GET', '/metrics')

    expect(metrics.status).toBe(200)
    expect(metrics.headers.get('content-type')).toContain('text/plain')
    expect(metrics.body).toMatch(/^budget_http_requests_total\{[^}]*route="\/health"[^}]*\} \d+/m)
  })

  it('serves an OpenAPI document with the core paths', async () => {
    const doc = await call('GET', '/docs/openapi.json')

    expect(doc.status).toBe(200)
    expect(doc.body.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/budgets',
        '/api/v1/budgets/{id}',
        '/api/v1/budgets/{id}/summary',
        '/api/v1/policies',
        '/api/v1/check',
        '/api/v1/reservations',
        '/api/v1/reservations/{id}/release',
        '/api/v1/usage',
        '/api/v1/usage/summary',
        '/api/v1/cost/calculate',
        '/api/v1/prices/current',
        '/api/v1/keys',
      ]),
    )
  })

  it('serves the API reference as HTML at /docs', async () => {
    const docs = await call('GET', '/docs')

    expect(docs.status).toBe(200)
    expect(docs.headers.get('content-type')).toContain('text/html')
    expect(docs.body).toMatch(/<html/i)
  })
})
