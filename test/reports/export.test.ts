import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UsageRecord } from '../../src/domain/usage.js'
import { aTestServer, aUsageBody, type TestServer } from '../support/http.js'

const AWKWARD = [
  { component: 'planner, "v2"', contextId: 'sessión-☃', metadata: { note: 'line one\nline two, "quoted"' } },
  { component: 'plain', contextId: 'a\tb', metadata: {} },
  { component: ' leading and trailing ', contextId: '=1+2', metadata: { n: 1 } },
  { provider: 'acme', model: 'mystery-1', component: 'unpriced', metadata: { list: [1, 2] } },
]

/** What a CSV cell holds for a JSON value: numbers and booleans as text, null as empty, objects as JSON. */
const cell = (value: unknown) => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value))

describe('exports over HTTP', () => {
  let s: TestServer

  beforeAll(async () => {
    s = await aTestServer()
    const records = AWKWARD.flatMap((extra, i) => [0, 1, 2].map((k) => aUsageBody({ ...extra, timestamp: new Date(Date.now() - (i * 3 + k) * 3_600_000).toISOString() })))
    const reply = await s.call('POST', '/api/v1/usage', { body: { records } })
    expect(reply.status).toBe(201)
  })

  afterAll(async () => {
    await s.close()
  })

  const download = async (path: string) => {
    const response = await fetch(new URL(path, s.url))
    return { status: response.status, headers: response.headers, body: await response.text() }
  }

  it('round-trips usage records through CSV: what a CSV parser reads back is what the listing says', async () => {
    const listing = await s.call('GET', '/api/v1/usage?limit=1000')

    const csv = await s.call('GET', '/api/v1/usage?format=csv')

    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="usage-records-\d{8}T\d{6}Z\.csv"$/)
    const parsed = parse(csv.body as string, { columns: true }) as Record<string, string>[]
    expect(parsed).toEqual(listing.body.items.map((r: UsageRecord) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, cell(v)]))))
  })

  it('gives the same rows as CSV, NDJSON and a JSON array, each with its type and file name', async () => {
    const path = '/api/v1/reports/usage?groupBy=component,contextId&granularity=day&timeZone=Asia/Kolkata'
    const page = await s.call('GET', `${path}&limit=10000`)

    const [csv, ndjson, json] = await Promise.all(['csv', 'ndjson', 'json'].map((format) => download(`${path}&format=${format}`)))

    const flat = page.body.rows.map((r: { bucketStart: string; bucketEnd: string; key: object; totals: object }) => ({ bucketStart: r.bucketStart, bucketEnd: r.bucketEnd, ...r.key, ...r.totals }))
    expect(parse(csv!.body as string, { columns: true })).toEqual(flat.map((r: object) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, cell(v)]))))
    expect(ndjson!.body.trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual(flat)
    expect(JSON.parse(json!.body)).toEqual(flat)
    expect([csv, ndjson, json].map((r) => r!.headers.get('content-type'))).toEqual(['text/csv; charset=utf-8', 'application/x-ndjson; charset=utf-8', 'application/json; charset=utf-8'])
    expect(ndjson!.headers.get('content-disposition')).toMatch(/filename="usage-report-.*\.ndjson"/)
  })

  it('exports the small reports too: top, budgets, forecast, activity', async () => {
    const replies = await Promise.all(['top?by=component', 'budgets', 'forecast', 'activity?by=session'].map((r) => s.call('GET', `/api/v1/reports/${r}${r.includes('?') ? '&' : '?'}format=csv`)))

    for (const reply of replies) {
      expect(reply.status).toBe(200)
      expect(reply.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.csv"$/)
    }
    expect((parse(replies[0]!.body as string, { columns: true }) as { key: string }[]).map((r) => r.key)).toEqual(expect.arrayContaining(['planner, "v2"', 'unpriced']))
    expect((parse(replies[3]!.body as string, { columns: true }) as { label: string }[]).map((r) => r.label)).toEqual(expect.arrayContaining(['sessión-☃', 'a\tb', '=1+2']))
  })

  it('answers a failure before the first row as an ordinary error, not as a broken download', async () => {
    const reply = await s.call('GET', '/api/v1/reports/usage?budgetId=nope&format=csv')

    expect(reply.status).toBe(404)
    expect(reply.body.error.code).toBe('NOT_FOUND')
  })

  it('refuses an unknown format or time zone with the field at fault', async () => {
    const [format, zone] = await Promise.all([s.call('GET', '/api/v1/usage?format=xlsx'), s.call('GET', '/api/v1/reports/usage?timeZone=Mars/Olympus')])

    expect(format.status).toBe(400)
    expect(format.body.error.details.issues[0].path).toEqual(['querystring', 'format'])
    expect(zone.body.error.details.issues[0].path).toEqual(['querystring', 'timeZone'])
  })
})
