/**
 * The no-overspend invariant over real HTTP: for a hard limit, committed + reserved tokens
 * never pass the limit, however many checks, commits and summary reads arrive at once; and
 * what the policy counts as used is exactly what was acknowledged as recorded.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aBudgetWithPolicy, aCheckBody, aTestServer, aUsageBody, type Call, countedTokens, type Json, type TestServer, uniqueName } from '../support/http.js'

const LIMIT = 10_000
const INPUT = 1_000
const CHECKS = 64

let t: TestServer
let call: Call

beforeAll(async () => {
  t = await aTestServer()
  call = t.call
})

afterAll(async () => {
  await t.close()
})

const show = (body: unknown) => JSON.stringify(body).slice(0, 300)

async function windowOf(budgetId: string): Promise<Json> {
  const reply = await call('GET', `/api/v1/budgets/${budgetId}/summary`)
  expect(reply.status, show(reply.body)).toBe(200)
  return reply.body.policies[0]
}

function expectWithinLimit(window: Json): void {
  expect(window.tokensUsed + window.tokensReserved, `used ${window.tokensUsed} + reserved ${window.tokensReserved}`).toBeLessThanOrEqual(LIMIT)
}

/** Sends one check; the estimate is INPUT + maxOutputTokens. */
async function check(budgetId: string, maxOutputTokens: number) {
  const reply = await call('POST', '/api/v1/check', { body: aCheckBody({ budgetId, inputTokens: INPUT, maxOutputTokens }) })
  expect(reply.status, show(reply.body)).toBe(200)
  return { estimate: INPUT + maxOutputTokens, decision: reply.body as Json }
}

/** A Fisher–Yates shuffle driven by a seeded LCG, so a failing order can be replayed. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const copy = [...items]
  let state = seed >>> 0
  for (let i = copy.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    const j = state % (i + 1)
    ;[copy[i], copy[j]] = [copy[j] as T, copy[i] as T]
  }
  return copy
}

const outputs = fc.array(fc.integer({ min: 0, max: 999 }), { minLength: CHECKS, maxLength: CHECKS })

describe('a hard limit under concurrent requests', () => {
  it(`never lets ${CHECKS} concurrent checks reserve past it, nor block one that fits`, async () => {
    await fc.assert(
      fc.asyncProperty(outputs, async (maxOutputs) => {
        const { budget } = await aBudgetWithPolicy(call, { tokenLimit: LIMIT })

        const results = await Promise.all(maxOutputs.map((out) => check(budget.id, out)))

        const allowed = results.filter((r) => r.decision.allowed)
        const blocked = results.filter((r) => !r.decision.allowed)
        const reserved = allowed.reduce((sum, r) => sum + r.estimate, 0)
        expect(reserved).toBeLessThanOrEqual(LIMIT)
        for (const r of allowed) expect(r.decision.reservation.tokensReserved).toBe(r.estimate)
        for (const r of blocked) expect(r.decision).toMatchObject({ action: 'block', reservation: null })
        // Nothing was released, so a check that was blocked could not fit in what is left even now.
        for (const r of blocked) expect(r.estimate).toBeGreaterThan(LIMIT - reserved)
        const window = await windowOf(budget.id)
        expect(window).toMatchObject({ tokensUsed: 0, tokensReserved: reserved })
      }),
      { numRuns: 5 },
    )
  })

  it('keeps used + reserved within it while commits, checks and summary reads interleave, and counts exactly what was acknowledged', async () => {
    const actuals = fc.array(
      fc.record({ input: fc.integer({ min: 0, max: 900 }), outputShare: fc.double({ min: 0, max: 1, noNaN: true }), cacheRead: fc.integer({ min: 0, max: 40 }), cacheWrite: fc.integer({ min: 0, max: 40 }) }),
      { minLength: CHECKS, maxLength: CHECKS },
    )

    await fc.assert(
      fc.asyncProperty(outputs, outputs, actuals, fc.nat(), async (firstOutputs, laterOutputs, usage, seed) => {
        const { budget } = await aBudgetWithPolicy(call, { tokenLimit: LIMIT })
        const first = (await Promise.all(firstOutputs.map((out) => check(budget.id, out)))).filter((r) => r.decision.allowed)

        // Every commit uses less than its estimate and is sent twice at once: one record must come of it.
        const commits = first.map((r, i) => {
          const a = usage[i % usage.length] as (typeof usage)[number]
          const out = r.estimate - INPUT
          return aUsageBody({
            id: uniqueName('use'),
            reservationId: r.decision.reservation.id,
            inputTokens: a.input,
            outputTokens: Math.floor(out * a.outputShare),
            cacheReadTokens: a.cacheRead,
            cacheWriteTokens: a.cacheWrite,
          })
        })
        const windows: Json[] = []
        const operations: (() => Promise<unknown>)[] = [
          ...commits.flatMap((body) => [() => call('POST', '/api/v1/usage', { body }), () => call('POST', '/api/v1/usage', { body })]),
          ...laterOutputs.map((out) => () => check(budget.id, out)),
          ...Array.from({ length: 32 }, () => async () => windows.push(await windowOf(budget.id))),
        ]

        const outcomes = await Promise.all(shuffle(operations, seed).map((operation) => operation()))

        for (const window of windows) expectWithinLimit(window)
        const replies = outcomes.filter((o): o is Json => typeof o === 'object' && o !== null && 'status' in (o as object))
        const stored = new Map<string, Json>()
        for (const reply of replies) {
          expect([200, 201], show(reply.body)).toContain(reply.status)
          if (reply.status === 201) {
            expect(stored.has(reply.body.id), `record ${reply.body.id} created twice`).toBe(false)
            stored.set(reply.body.id, reply.body)
          }
        }
        expect(stored.size).toBe(commits.length)
        const later = outcomes.filter((o): o is { estimate: number; decision: Json } => typeof o === 'object' && o !== null && 'decision' in (o as object))
        const stillReserved = later.filter((r) => r.decision.allowed).reduce((sum, r) => sum + r.estimate, 0)
        const used = [...stored.values()].reduce((sum, r) => sum + countedTokens(r), 0)
        const final = await windowOf(budget.id)
        expect(final).toMatchObject({ tokensUsed: used, tokensReserved: stillReserved })
        expectWithinLimit(final)
        const active = await call('GET', `/api/v1/reservations?budgetId=${budget.id}&status=active&limit=1000`)
        expect(active.body.items.reduce((sum: number, r: Json) => sum + r.tokensReserved, 0)).toBe(stillReserved)
      }),
      { numRuns: 3 },
    )
  })
})
