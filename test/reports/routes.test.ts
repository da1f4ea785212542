/**
 * The report routes over real HTTP: keys and roles, and the typed client, which must give
 * exactly what the engine gives in process — pages, streamed rows and the small reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BudgetClient } from '../../src/client/client.js'
import { ActivityQuery, OutlookQuery, TopReportQuery, UsageReportQuery } from '../../src/domain/report.js'
import { UsageQuery } from '../../src/domain/usage.js'
import { aKey, aTestServer, aUsageBody, type TestServer } from '../support/http.js'

const ROUTES = [
  '/api/v1/reports/usage?granularity=day&groupBy=model',
  '/api/v1/reports/usage?format=csv',
  '/api/v1/reports/top?by=component',
  '/api/v1/reports/budgets',
  '/api/v1/reports/forecast?recentHours=6',
  '/api/v1/reports/activity?by=session',
  '/api/v1/usage?format=ndjson',
]

async function all<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const row of rows) out.push(row)
  return out
}

let s: TestServer
let readKey: string
let client: BudgetClient

beforeAll(async () => {
  s = await aTestServer()
  const admin = await aKey(s.call, 'admin')
  readKey = (await aKey(s.call, 'read', admin.key)).key
  const budget = await s.call('POST', '/api/v1/budgets', { body: { name: 'routes' }, key: admin.key })
  await s.call('POST', '/api/v1/policies', { body: { budgetId: budget.body.id, type: 'hard_limit', period: 'daily', tokenLimit: 100_000 }, key: admin.key })
  const records = Array.from({ length: 60 }, (_, i) =>
    aUsageBody({ budgetId: budget.body.id, component: `c${i % 4}`, contextId: `s${i % 7}`, timestamp: new Date(Date.now() - i * 1_800_000).toISOString() }),
  )
  expect((await s.call('POST', '/api/v1/usage', { body: { records }, key: admin.key })).status).toBe(201)
  client = new BudgetClient({ baseUrl: s.url, apiKey: readKey })
})

afterAll(async () => {
  await s.close()
})

/** The status of a GET, the body read as text whatever its type (an NDJSON body is not one JSON value). */
async function statusOf(path: string, key?: string): Promise<number> {
  const response = await fetch(new URL(path, s.url), { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } })
  await response.text()
  return response.status
}

describe.each(ROUTES)('GET %s', (path) => {
  it('refuses a request with no key once a key exists: 401', async () => {
    expect(await statusOf(path)).toBe(401)
  })

  it('serves a read key', async () => {
    expect(await statusOf(path, readKey)).toBe(200)
  })
})

describe('the typed client', () => {
  const engine = () => s.server.engine.engine

  it('pages the usage report as the engine does', async () => {
    const query = { granularity: 'hour', groupBy: 'component,contextId', limit: 10 } as const

    const first = await client.usageReport(query)
    const second = await client.usageReport({ ...query, cursor: first.nextCursor ?? undefined })

    const parsed = UsageReportQuery.parse(query)
    expect(first).toEqual(await engine().usageReport(parsed))
    expect(second).toEqual(await engine().usageReport({ ...parsed, cursor: first.nextCursor ?? undefined }))
  })

  it('streams every report row and every record, as the engine yields them', async () => {
    const rows = await all(client.streamUsageReport({ granularity: 'hour', groupBy: ['contextId'] }))
    const records = await all(client.streamUsage({ component: 'c1' }))

    expect(rows).toEqual(await all(engine().streamUsageReport(UsageReportQuery.parse({ granularity: 'hour', groupBy: 'contextId' }))))
    expect(records).toEqual(await all(engine().streamUsage(UsageQuery.parse({ component: 'c1' }))))
    expect(records).toHaveLength(15)
  })

  it('gives the small reports as the engine does', async () => {
    expect(await client.topReport({ by: 'contextId', n: 3 })).toEqual(await engine().topReport(TopReportQuery.parse({ by: 'contextId', n: 3 })))
    expect(await client.activityReport({ by: 'day' })).toEqual(await engine().activityReport(ActivityQuery.parse({ by: 'day' })))
    // These two read the clock (rates per hour up to now): compare what does not move with it.
    const budgets = await client.budgetsReport({})
    const forecast = await client.forecastReport({ recentHours: 3 })
    const inProcess = await engine().budgetsReport(OutlookQuery.parse({}))
    expect(budgets.budgets.map((b) => [b.name, b.policies.map((p) => [p.policyId, p.tokenLimit])])).toEqual(inProcess.budgets.map((b) => [b.name, b.policies.map((p) => [p.policyId, p.tokenLimit])]))
    expect(forecast).toMatchObject({ recentHours: 3, method: { name: 'linear' }, policies: [expect.objectContaining({ budgetName: 'routes' })] })
  })

  it('throws the API error of a refused export before any row', async () => {
    await expect(all(client.streamUsageReport({ budgetId: 'nope' }))).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })
})
