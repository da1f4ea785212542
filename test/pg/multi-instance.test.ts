import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../../src/api/server.js'
import { loadConfig } from '../../src/config.js'
import { STORE_KINDS } from '../support/engine.js'
import { aPostgresDatabase, type TestDatabase } from '../support/pg-databases.js'

/**
 * Two real service instances on one PostgreSQL, as behind a load balancer, and 64 clients
 * that check, commit and release over HTTP on shared hard limits. A reader samples the
 * summaries meanwhile: committed + reserved never passes a limit at any read, and in the
 * end the committed totals are exactly what the acknowledged records add up to.
 */
const CLIENTS = 64
const RUNS = 3
const OPS_PER_CLIENT = 6

/** A small seeded generator (mulberry32), so that a failing run can be replayed from its seed. */
function random(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  return { next, int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)) }
}

interface Reply {
  status: number
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
}

async function call(base: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply> {
  const response = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: response.status, body: await response.json() }
}

const model = { provider: 'anthropic', model: 'claude-sonnet-4-20250514' }

describe.skipIf(!STORE_KINDS.includes('postgres'))('two service instances on one PostgreSQL', () => {
  let database: TestDatabase
  let dir: string
  const servers: RunningServer[] = []

  beforeAll(async () => {
    database = await aPostgresDatabase()
    dir = mkdtempSync(join(tmpdir(), 'budget-multi-'))
    const config = loadConfig({
      env: { BUDGET_DATABASE_URL: database.url, BUDGET_PORT: '0', BUDGET_LOG_LEVEL: 'silent', BUDGET_RATE_LIMIT_PER_MINUTE: '0' },
      cwd: dir,
    })
    servers.push(...(await Promise.all([startServer(config), startServer(config)])))
  })

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()))
    await database?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it.each(Array.from({ length: RUNS }, (_, run) => [run, 0x5eed + run * 7919]))(
    'never overspends a shared hard limit and loses no acknowledged record (run %i, seed %i)',
    async (_run, seed) => {
      const rng = random(seed)
      const urls = servers.map((s) => s.url)
      const tokenLimit = rng.int(70_000, 140_000)
      const costLimitUsd = rng.int(70, 180) / 100
      const budget = (await call(urls[0]!, 'POST', '/api/v1/budgets', { name: `shared-${seed}` })).body
      const policy = { budgetId: budget.id, type: 'hard_limit', period: 'daily', tokenLimit, costLimitUsd }
      expect((await call(urls[1]!, 'POST', '/api/v1/policies', policy)).status).toBe(201)

      const acknowledged = new Map<string, number>()
      const violations: string[] = []
      let reads = 0
      let done = false
      let allowed = 0
      let blocked = 0
      const readSummaries = async () => {
        const anInstance = () => urls[rng.int(0, urls.length - 1)] as string
        while (!done) {
          const { body } = await call(anInstance(), 'GET', `/api/v1/budgets/${budget.id}/summary`)
          const [p] = body.policies
          reads++
          if (p.tokensUsed + p.tokensReserved > tokenLimit) violations.push(`tokens ${p.tokensUsed} + ${p.tokensReserved} > ${tokenLimit}`)
          if (p.costUsd + p.costReservedUsd > costLimitUsd + 1e-9) violations.push(`cost ${p.costUsd} + ${p.costReservedUsd} > ${costLimitUsd}`)
        }
      }
      const client = async (index: number) => {
        const rng = random(seed * 1_000 + index)
        const anInstance = () => urls[rng.int(0, urls.length - 1)] as string
        for (let op = 0; op < OPS_PER_CLIENT; op++) {
          const input = rng.int(100, 3_000)
          const output = rng.int(0, 2_000)
          const check = await call(anInstance(), 'POST', '/api/v1/check', { budgetId: budget.id, ...model, inputTokens: input, maxOutputTokens: output })
          expect(check.status).toBe(200)
          if (!check.body.allowed) {
            blocked++
            continue
          }
          allowed++
          const roll = rng.next()
          if (roll < 0.75) {
            // A call uses at most what it reserved, of each kind of token.
            const record = { id: `r-${seed}-${index}-${op}`, reservationId: check.body.reservation.id, ...model, inputTokens: rng.int(0, input), outputTokens: rng.int(0, output) }
            const first = await call(anInstance(), 'POST', '/api/v1/usage', record)
            expect(first.status).toBe(201)
            acknowledged.set(record.id, record.inputTokens + record.outputTokens)
            // Now and then a client retries on the other instance: the same record again.
            if (rng.next() < 0.2) expect((await call(anInstance(), 'POST', '/api/v1/usage', record)).status).toBe(200)
          } else if (roll < 0.95) {
            expect((await call(anInstance(), 'POST', `/api/v1/reservations/${check.body.reservation.id}/release`)).status).toBe(200)
          }
          // The rest is left to expire, still holding its estimate.
        }
      }

      const reader = readSummaries()
      await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)))
      done = true
      await reader

      expect(violations).toEqual([])
      expect(reads).toBeGreaterThan(0)
      // The limit was really contended: some checks were refused, many let through.
      expect(blocked).toBeGreaterThan(0)
      expect(allowed).toBeGreaterThan(CLIENTS)
      const [final] = (await call(urls[0]!, 'GET', `/api/v1/budgets/${budget.id}/summary`)).body.policies
      const committed = [...acknowledged.values()].reduce((a, b) => a + b, 0)
      expect(final.tokensUsed).toBe(committed)
      expect(final.tokensUsed + final.tokensReserved).toBeLessThanOrEqual(tokenLimit)
      const stored = (await call(urls[1]!, 'GET', `/api/v1/usage?budgetId=${budget.id}&limit=1000`)).body.items
      expect(stored.map((r: { id: string }) => r.id).sort()).toEqual([...acknowledged.keys()].sort())
    },
    60_000,
  )
})
