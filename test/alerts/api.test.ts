/**
 * The alert and channel routes over HTTP: listing with filters and a cursor,
 * acknowledging, evaluating on demand, channel CRUD and tests, the delivery log — and the
 * cross-cutting refusals (key, role, unknown id, bad input) generated from one table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aBudgetWithPolicy, aKey, aTestServer, aUsageBody, type Json, type Method, type TestServer } from '../support/http.js'
import { aReceiver, type Receiver } from './receiver.js'

let server: TestServer
let receiver: Receiver

// A rolling window: no forecast alerts, whatever the time of day the test runs.
const rollingDay = { period: 'rolling', windowSeconds: 86_400, tokenLimit: 10_000 }

beforeAll(async () => {
  server = await aTestServer()
  receiver = await aReceiver()
})

afterAll(async () => {
  await server.close()
  await receiver.close()
})

const settled = () => server.server.engine.engine.alerts.idle()

/** A budget whose usage has raised warning, action and exceeded. */
async function aBudgetPastItsLimit() {
  const { budget, policy } = await aBudgetWithPolicy(server.call, rollingDay)
  await server.call('POST', '/api/v1/usage', { body: aUsageBody({ budgetId: budget.id, inputTokens: 10_500, outputTokens: 0 }) })
  await settled()
  return { budget, policy }
}

describe('alerts', () => {
  it('lists the alerts of a budget newest first, page by page', async () => {
    const { budget, policy } = await aBudgetPastItsLimit()

    const first = await server.call('GET', `/api/v1/alerts?budgetId=${budget.name}&limit=2`)
    const second = await server.call('GET', `/api/v1/alerts?budgetId=${budget.id}&limit=2&cursor=${first.body.nextCursor}`)

    expect(first.status).toBe(200)
    expect(first.body.items.map((a: Json) => a.type)).toEqual(['exceeded', 'action'])
    expect(second.body.items.map((a: Json) => a.type)).toEqual(['warning'])
    expect(second.body.nextCursor).toBeNull()
    expect(first.body.items[0]).toMatchObject({ budgetId: budget.id, policyId: policy.id, severity: 'critical', metric: 'tokens', value: 10_500, limit: 10_000, acknowledgedAt: null })
  })

  it('filters by type, severity and acknowledgement', async () => {
    const { budget } = await aBudgetPastItsLimit()
    const [exceeded] = (await server.call('GET', `/api/v1/alerts?budgetId=${budget.id}&type=exceeded`)).body.items
    await server.call('POST', `/api/v1/alerts/${exceeded.id}/ack`, { body: { by: 'ada' } })

    const critical = await server.call('GET', `/api/v1/alerts?budgetId=${budget.id}&severity=critical`)
    const open = await server.call('GET', `/api/v1/alerts?budgetId=${budget.id}&acknowledged=false`)
    const acknowledged = await server.call('GET', `/api/v1/alerts?budgetId=${budget.id}&acknowledged=true`)

    expect(critical.body.items.map((a: Json) => a.type)).toEqual(['exceeded', 'action'])
    expect(open.body.items.map((a: Json) => a.type)).toEqual(['action', 'warning'])
    expect(acknowledged.body.items.map((a: Json) => a.id)).toEqual([exceeded.id])
  })

  it('keeps the first acknowledgement', async () => {
    const { budget } = await aBudgetPastItsLimit()
    const [alert] = (await server.call('GET', `/api/v1/alerts?budgetId=${budget.id}&limit=1`)).body.items

    const first = await server.call('POST', `/api/v1/alerts/${alert.id}/ack`, { body: { by: 'ada' } })
    const again = await server.call('POST', `/api/v1/alerts/${alert.id}/ack`, { body: { by: 'bob' } })

    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ id: alert.id, acknowledgedBy: 'ada' })
    expect(again.body).toEqual(first.body)
    expect((await server.call('GET', `/api/v1/alerts/${alert.id}`)).body).toEqual(first.body)
  })

  it('evaluates on demand and reports only what it raised', async () => {
    const { budget, policy } = await aBudgetWithPolicy(server.call, rollingDay)
    await server.call('POST', '/api/v1/usage', { body: aUsageBody({ budgetId: budget.id, inputTokens: 7_000, outputTokens: 0 }) })
    await settled()
    await server.call('PATCH', `/api/v1/policies/${policy.id}`, { body: { warningThreshold: 0.5 } })

    const check = await server.call('POST', '/api/v1/alerts/check', { body: { budgetId: budget.id } })
    const again = await server.call('POST', '/api/v1/alerts/check', { body: {} })

    expect(check.status).toBe(200)
    expect(check.body).toMatchObject({ evaluated: 1, raised: [{ type: 'warning', budgetId: budget.id, value: 7_000 }] })
    expect(again.body.raised).toEqual([])
  })
})

describe('channels', () => {
  it('are created, read without their secret, changed, tested and removed', async () => {
    const { budget } = await aBudgetWithPolicy(server.call)

    const created = await server.call('POST', '/api/v1/channels', { body: { name: 'ops', kind: 'webhook', url: receiver.url, budgetId: budget.name } })
    const read = await server.call('GET', `/api/v1/channels/${created.body.id}`)
    const changed = await server.call('PATCH', `/api/v1/channels/${created.body.id}`, { body: { minSeverity: 'critical', types: ['exceeded'] } })
    const tested = await server.call('POST', `/api/v1/channels/${created.body.id}/test`)
    const log = await server.call('GET', `/api/v1/channels/${created.body.id}/deliveries`)
    const listed = await server.call('GET', `/api/v1/channels?budgetId=${budget.id}`)
    const removed = await server.call('DELETE', `/api/v1/channels/${created.body.id}`)
    const gone = await server.call('GET', `/api/v1/channels/${created.body.id}`)

    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ kind: 'webhook', budgetId: budget.id, hasSecret: true, minSeverity: 'info', types: [], enabled: true })
    expect(created.body.secret).toMatch(/^whsec_/)
    expect(read.body).not.toHaveProperty('secret')
    expect(changed.body).toMatchObject({ minSeverity: 'critical', types: ['exceeded'] })
    expect(tested.body).toMatchObject({ ok: true, httpStatus: 200 })
    expect(log.body.items).toMatchObject([{ alertId: null, channelId: created.body.id, status: 'delivered', attempt: 1 }])
    expect(listed.body.items.map((c: Json) => c.id)).toEqual([created.body.id])
    expect(removed.status).toBe(204)
    expect(gone.status).toBe(404)
  })

  it('comes with a global WebSocket channel', async () => {
    const reply = await server.call('GET', '/api/v1/channels')

    expect(reply.body.items).toContainEqual(expect.objectContaining({ id: 'chn_websocket', kind: 'ws', budgetId: null, enabled: true }))
  })

  it('list the delivery attempts of an alert', async () => {
    const { budget } = await aBudgetPastItsLimit()
    const [alert] = (await server.call('GET', `/api/v1/alerts?budgetId=${budget.id}&limit=1`)).body.items

    const reply = await server.call('GET', `/api/v1/alerts/${alert.id}/deliveries`)

    expect(reply.body.items).toContainEqual(expect.objectContaining({ alertId: alert.id, channelId: 'chn_websocket', status: 'delivered' }))
  })

  it.each([
    ['a webhook without url', { name: 'x', kind: 'webhook' }, ['body', 'url']],
    ['a log channel with a url', { name: 'x', kind: 'log', url: 'http://127.0.0.1:1/' }, ['body', 'url']],
    ['a secret on a slack channel', { name: 'x', kind: 'slack', url: 'http://127.0.0.1:1/', secret: 'a-secret-of-16-chars' }, ['body', 'secret']],
    ['a URL that is not http', { name: 'x', kind: 'webhook', url: 'file:///etc/passwd' }, ['body', 'url']],
    ['an unknown kind', { name: 'x', kind: 'pager' }, ['body', 'kind']],
    ['an unknown alert type', { name: 'x', kind: 'log', types: ['gossip'] }, ['body', 'types', 0]],
  ])('refuses %s with the field at fault', async (_, body, path) => {
    const reply = await server.call('POST', '/api/v1/channels', { body })

    expect(reply.status).toBe(400)
    expect(reply.body.error.code).toBe('VALIDATION_FAILED')
    expect(reply.body.error.details.issues.map((i: Json) => i.path)).toContainEqual(path)
  })

  it('refuses an update that leaves a webhook without a valid shape', async () => {
    const created = await server.call('POST', '/api/v1/channels', { body: { name: 'slack', kind: 'slack', url: receiver.url } })

    const reply = await server.call('PATCH', `/api/v1/channels/${created.body.id}`, { body: { secret: 'a-secret-of-16-chars' } })

    expect(reply.status).toBe(400)
    await server.call('DELETE', `/api/v1/channels/${created.body.id}`)
  })
})

type Role = 'read' | 'write' | 'admin'

const NO_SUCH = 'no-such-id'
const ROUTES: { method: Method; path: string; role: Role; body?: unknown }[] = [
  { method: 'GET', path: '/api/v1/alerts', role: 'read' },
  { method: 'GET', path: `/api/v1/alerts/${NO_SUCH}`, role: 'read' },
  { method: 'POST', path: `/api/v1/alerts/${NO_SUCH}/ack`, role: 'write', body: {} },
  { method: 'GET', path: `/api/v1/alerts/${NO_SUCH}/deliveries`, role: 'read' },
  { method: 'POST', path: '/api/v1/alerts/check', role: 'write', body: { budgetId: NO_SUCH } },
  { method: 'GET', path: '/api/v1/channels', role: 'admin' },
  { method: 'POST', path: '/api/v1/channels', role: 'admin', body: { name: 'x', kind: 'log', budgetId: NO_SUCH } },
  { method: 'GET', path: `/api/v1/channels/${NO_SUCH}`, role: 'admin' },
  { method: 'PATCH', path: `/api/v1/channels/${NO_SUCH}`, role: 'admin', body: { name: 'y' } },
  { method: 'DELETE', path: `/api/v1/channels/${NO_SUCH}`, role: 'admin' },
  { method: 'POST', path: `/api/v1/channels/${NO_SUCH}/test`, role: 'admin' },
  { method: 'GET', path: `/api/v1/channels/${NO_SUCH}/deliveries`, role: 'admin' },
]

const BELOW: Record<Role, Role | null> = { read: null, write: 'read', admin: 'write' }

describe('refusals, once keys exist', () => {
  let keyed: TestServer
  const keys = {} as Record<Role, string>

  beforeAll(async () => {
    keyed = await aTestServer()
    keys.admin = (await aKey(keyed.call, 'admin')).key
    keys.write = (await aKey(keyed.call, 'write', keys.admin)).key
    keys.read = (await aKey(keyed.call, 'read', keys.admin)).key
  })

  afterAll(async () => {
    await keyed.close()
  })

  it.each(ROUTES)('$method $path needs a key', async ({ method, path, body }) => {
    const reply = await keyed.call(method, path, { body })

    expect(reply.status).toBe(401)
    expect(reply.body.error.code).toBe('UNAUTHENTICATED')
  })

  it.each(ROUTES.filter((r) => BELOW[r.role] !== null))('$method $path refuses a key below role $role', async ({ method, path, body, role }) => {
    const reply = await keyed.call(method, path, { body, key: keys[BELOW[role] as Role] })

    expect(reply.status).toBe(403)
  })

  it.each(ROUTES.filter((r) => !(r.method === 'GET' && !r.path.includes(NO_SUCH))))('$method $path answers 404 for what does not exist', async ({ method, path, body, role }) => {
    const reply = await keyed.call(method, path, { body, key: keys[role] })

    expect(reply.status).toBe(404)
    expect(reply.body.error.code).toBe('NOT_FOUND')
  })

  it('names the acknowledging key when no one is named', async () => {
    const { budget } = await aBudgetWithPolicy(keyed.call, rollingDay, keys.admin)
    await keyed.call('POST', '/api/v1/usage', { body: aUsageBody({ budgetId: budget.id, inputTokens: 8_500, outputTokens: 0 }), key: keys.write })
    await keyed.server.engine.engine.alerts.idle()
    const [alert] = (await keyed.call('GET', `/api/v1/alerts?budgetId=${budget.id}`, { key: keys.read })).body.items

    const reply = await keyed.call('POST', `/api/v1/alerts/${alert.id}/ack`, { key: keys.write })

    expect(reply.status).toBe(200)
    expect(reply.body.acknowledgedBy).toMatch(/^write-/)
  })

  it('refuses a bad filter with the parameter at fault', async () => {
    const reply = await keyed.call('GET', '/api/v1/alerts?type=gossip&cursor=broken', { key: keys.read })

    expect(reply.status).toBe(400)
    expect(reply.body.error.details.issues.map((i: Json) => i.path)).toContainEqual(['querystring', 'type'])
  })
})
