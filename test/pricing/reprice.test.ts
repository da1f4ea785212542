import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { toPriceFigures } from '../../src/domain/price-monitoring.js'
import { insertVersions } from '../../src/store/prices.js'
import { STORE_KINDS } from '../support/engine.js'
import { aPricedEngine, type PricedEngine, START } from './support/priced-engine.js'

const HOUR = 3_600_000
const at = (ms: number) => new Date(ms).toISOString()
const nano = (usd: number | null) => (usd === null ? null : Math.round(usd * 1e9))

describe.each(STORE_KINDS)('repricing records when prices change, on %s', (store) => {
  let t: PricedEngine
  let budgetId: string
  let policyId: string
  const ids: Record<string, string[]> = {}

  beforeEach(async () => {
    t = await aPricedEngine({}, { store })
    const budget = await t.engine.createBudget({ name: 'team' })
    budgetId = budget.id
    policyId = (await t.engine.createPolicy({ budgetId, type: 'warn', period: 'monthly', costLimitUsd: 1_000 })).id
    const record = async (group: string, provider: string, model: string, timestamp: number, extra: Record<string, unknown> = {}) => {
      const { record } = await t.engine.recordUsage({ budgetId, provider, model, inputTokens: 100_000, outputTokens: 10_000, timestamp: at(timestamp), ...extra })
      ;(ids[group] ??= []).push(record.id)
    }
    for (const group of Object.keys(ids)) delete ids[group]
    await record('before', 'openai', 'gpt-4.1', START - 2 * HOUR)
    await record('before', 'openai', 'gpt-4.1-2025-04-14', START - HOUR)
    await record('after', 'openai', 'gpt-4.1', START + HOUR)
    await record('after', 'openai', 'gpt-4.1-2025-04-14', START + 2 * HOUR, { component: 'planner', contextId: 'session-1' })
    await record('unpriced', 'acme', 'acme-7b-chat', START - HOUR)
    await record('unpriced', 'acme', 'acme-7b-chat', START + HOUR)
    await record('other', 'anthropic', 'claude-3-5-sonnet-20241022', START + HOUR)
    const reservation = await t.engine.check({ budgetId, provider: 'openai', model: 'gpt-4.1', inputTokens: 100_000, maxOutputTokens: 10_000 })
    t.clock.now = START + 3 * HOUR
    await record('after', 'openai', 'gpt-4.1', START + 3 * HOUR, { reservationId: reservation.reservation!.id })
  })
  afterEach(() => t.dispose())

  async function costs() {
    const all: Record<string, number | null> = {}
    for (const id of Object.values(ids).flat()) all[id] = nano((await t.engine.getUsage(id)).costUsd)
    return all
  }

  /** Every rollup agrees with the records it sums. */
  async function expectRollupsConsistent() {
    const db = t.store.db
    const records = await db.selectFrom('usageRecords').select(['timestamp', 'costNano']).execute()
    const byHour = new Map<number, { cost: number; unpriced: number }>()
    for (const r of records) {
      const hour = Math.floor(Number(r.timestamp) / HOUR) * HOUR
      const sum = byHour.get(hour) ?? { cost: 0, unpriced: 0 }
      sum.cost += Number(r.costNano ?? 0)
      sum.unpriced += r.costNano === null ? 1 : 0
      byHour.set(hour, sum)
    }
    const hourly = await db.selectFrom('usageHourly').select((eb) => ['hourStart', eb.fn.sum<number>('costNano').as('cost'), eb.fn.sum<number>('unpricedRequests').as('unpriced')]).groupBy('hourStart').execute()
    expect(new Map(hourly.map((h) => [Number(h.hourStart), { cost: Number(h.cost), unpriced: Number(h.unpriced) }]))).toEqual(byHour)
    const [quarter] = await db.selectFrom('usageQuarterHourly').select((eb) => [eb.fn.sum<number>('costNano').as('cost'), eb.fn.sum<number>('unpricedRequests').as('unpriced')]).execute()
    expect([Number(quarter?.cost), Number(quarter?.unpriced)]).toEqual([[...byHour.values()].reduce((s, h) => s + h.cost, 0), [...byHour.values()].reduce((s, h) => s + h.unpriced, 0)])
    const [policy] = (await t.engine.summary(budgetId)).policies
    expect(nano(policy!.costUsd)).toBe([...byHour.values()].reduce((s, h) => s + h.cost, 0))
    const counters = await db.selectFrom('policyUsage').select((eb) => eb.fn.sum<number>('costNano').as('cost')).where('policyId', '=', policyId).executeTakeFirst()
    expect(Number(counters?.cost)).toBe([...byHour.values()].reduce((s, h) => s + h.cost, 0))
  }

  it('reprices exactly the records a new price supersedes for their time, and moves every rollup with them', async () => {
    const before = await costs()

    await t.engine.setManualPrice({ provider: 'openai', model: 'gpt-4.1', inputPerMtok: 4, outputPerMtok: 16, effectiveFrom: at(START) }, 'ada')
    const after = await costs()

    for (const id of ids.after!) expect(after[id]).toBe(100_000 * 4_000 + 10_000 * 16_000)
    for (const id of [...ids.before!, ...ids.unpriced!, ...ids.other!]) expect(after[id]).toBe(before[id])
    await expectRollupsConsistent()
  })

  it('prices unpriced records once their model gets a price, only from its effective time', async () => {
    await t.engine.setManualPrice({ provider: 'acme', model: 'acme-7b-chat', inputPerMtok: 0.4, outputPerMtok: 1.2, effectiveFrom: at(START) }, 'ada')
    const after = await costs()

    expect(ids.unpriced!.map((id) => after[id])).toEqual([null, 100_000 * 400 + 10_000 * 1_200])
    await expectRollupsConsistent()
  })

  it('moves the committed reservation\'s cost with its record', async () => {
    const [reserved] = (await t.engine.listUsage({ budgetId, limit: 100 })).items.filter((r) => r.reservationId !== null)

    await t.engine.setManualPrice({ provider: 'openai', model: 'gpt-4.1', inputPerMtok: 4, outputPerMtok: 16, effectiveFrom: at(START) }, 'ada')
    const reservation = await t.engine.getReservation(reserved!.reservationId!)

    expect(nano(reservation.costUsedUsd)).toBe(100_000 * 4_000 + 10_000 * 16_000)
  })

  it('reprices on demand, from --since, records whose version was superseded by a change made elsewhere', async () => {
    const version = { ...t.engine.ctx.catalog.at('openai', 'gpt-4.1', START)!, version: 'import:openai/gpt-4.1@2026-03-10', source: 'import', effectiveFromMs: START - 90 * 60_000, inputNano: 3e9 }
    await t.store.writes.write((trx) => insertVersions(trx, [version], START))
    await t.engine.prices.reloadCatalog()

    const result = await t.engine.repriceUsage({ since: at(START) })
    const after = await costs()

    expect(result).toMatchObject({ repriced: 3, newlyPriced: 0 })
    expect(after[ids.before![1]!]).toBe(100_000 * 2_000 + 10_000 * 8_000)
    expect(after[ids.after![0]!]).toBe(100_000 * 3_000 + 10_000 * 8_000)
    await expectRollupsConsistent()
  })

  it('changes nothing when run again', async () => {
    await t.engine.setManualPrice({ provider: 'openai', model: 'gpt-4.1', inputPerMtok: 4, outputPerMtok: 16, effectiveFrom: at(START) }, 'ada')

    const again = await t.engine.repriceUsage()

    expect(again).toMatchObject({ scanned: 8, repriced: 0, costDeltaUsd: 0 })
  })

  it('keeps the price history: the manual version, the version it cut short, and when each applied', async () => {
    await t.engine.setManualPrice({ provider: 'openai', model: 'gpt-4.1', inputPerMtok: 4, outputPerMtok: 16, effectiveFrom: at(START) }, 'ada')
    t.clock.now = START + 5 * HOUR
    await t.engine.removeManualPrice({ provider: 'openai', model: 'gpt-4.1' }, 'ada')

    const history = await t.engine.priceHistory('openai', 'gpt-4.1-2025-04-14')

    expect(history.timeline.map((p) => [p.from, p.to, p.version.split(':')[0]])).toEqual([
      [at(0), at(START), 'bundled'],
      [at(START), at(START + 5 * HOUR), 'manual'],
      [at(START + 5 * HOUR), null, 'bundled'],
    ])
    expect(history.changes.map((c) => [c.kind, c.decidedBy])).toEqual([
      ['manual_unset', 'ada'],
      ['manual_set', 'ada'],
    ])
    expect(toPriceFigures(t.engine.ctx.catalog.at('openai', 'gpt-4.1', START + 6 * HOUR)!)).toMatchObject({ inputPerMtok: 2, outputPerMtok: 8 })
  })
})
