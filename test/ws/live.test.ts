/**
 * `/ws` end to end with real `ws` clients against a real server: subscribing, usage and
 * alert events in the order they happened, budget filters, authentication once keys
 * exist, and malformed messages answered with an error instead of a disconnect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aBudgetWithPolicy, aKey, aTestServer, aUsageBody, type TestServer } from '../support/http.js'
import { aSocket, type TestSocket } from './socket.js'

let server: TestServer
const sockets: TestSocket[] = []

beforeAll(async () => {
  server = await aTestServer()
})

afterAll(async () => {
  for (const socket of sockets) await socket.close()
  await server.close()
})

async function connect(headers: Record<string, string> = {}) {
  const socket = await aSocket(server.url, headers)
  sockets.push(socket)
  await socket.next((m) => m.type === 'welcome')
  return socket
}

async function subscribe(socket: TestSocket, topics: string[], budgetId?: string) {
  const from = socket.messages.length
  socket.send({ type: 'subscribe', topics, ...(budgetId !== undefined && { budgetId }) })
  return socket.next((m) => m.type === 'subscribed' || m.type === 'error', from)
}

/** Every message the server sent before it answered this ping: a barrier for "nothing else came". */
async function barrier(socket: TestSocket) {
  const id = Math.random()
  socket.send({ type: 'ping', id })
  await socket.next((m) => m.type === 'pong' && (m.payload as { id: number }).id === id)
}

// A rolling window: no forecast alerts, whatever the time of day the test runs.
const rollingDay = { period: 'rolling', windowSeconds: 86_400, tokenLimit: 10_000 }

describe('live events', () => {
  it('delivers usage and the alerts it raised, in the order they happened', async () => {
    const { budget } = await aBudgetWithPolicy(server.call, rollingDay)
    const socket = await connect()
    expect(await subscribe(socket, ['usage', 'budget_alerts'], budget.id)).toMatchObject({ type: 'subscribed', topic: null })

    await server.call('POST', '/api/v1/usage', { body: aUsageBody({ budgetId: budget.id, inputTokens: 5_000, outputTokens: 0 }) })
    await server.call('POST', '/api/v1/usage', { body: aUsageBody({ budgetId: budget.id, inputTokens: 4_000, outputTokens: 0 }) })
    await socket.next((m) => m.type === 'alert.raised')

    const events = socket.events()
    expect(events.map((e) => [e.type, e.topic])).toEqual([
      ['usage.recorded', 'usage'],
      ['usage.recorded', 'usage'],
      ['alert.raised', 'budget_alerts'],
    ])
    expect(events[2]?.payload).toMatchObject({ type: 'warning', budgetId: budget.id, value: 9_000, limit: 10_000 })
    expect(events.every((e) => typeof e.timestamp === 'string' && Object.keys(e).sort().join() === 'payload,timestamp,topic,type')).toBe(true)
  })

  it('sends a budget-filtered subscription only the events of that budget', async () => {
    const { budget: mine } = await aBudgetWithPolicy(server.call)
    const { budget: other } = await aBudgetWithPolicy(server.call)
    const socket = await connect()
    await subscribe(socket, ['usage'], mine.name)

    await server.call('POST', '/api/v1/usage', { body: aUsageBody({ budgetId: other.id }) })
    await server.call('POST', '/api/v1/usage', { body: aUsageBody({ budgetId: mine.id }) })
    await server.call('POST', '/api/v1/usage', { body: { records: [aUsageBody({ budgetId: mine.id })] } })
    await barrier(socket)

    expect(socket.events().map((e) => [e.type, (e.payload as { budgetId?: string }).budgetId ?? (e.payload as { budgetIds: string[] }).budgetIds])).toEqual([
      ['usage.recorded', mine.id],
      ['usage.batch', [mine.id]],
    ])
  })

  it('stops sending a topic after unsubscribe', async () => {
    const { budget } = await aBudgetWithPolicy(server.call)
    const socket = await connect()
    await subscribe(socket, ['usage', 'allocation_updates'])
    socket.send({ type: 'unsubscribe', topics: ['usage'] })
    expect(await socket.next((m) => m.type === 'unsubscribed')).toMatchObject({ payload: { subscriptions: [{ topic: 'allocation_updates', budgetIds: null }] } })

    await server.call('POST', '/api/v1/usage', { body: aUsageBody({ budgetId: budget.id }) })
    await server.call('POST', '/api/v1/check', { body: { budgetId: budget.id, provider: 'anthropic', model: 'claude-sonnet-4-20250514', inputTokens: 10, maxOutputTokens: 10 } })
    await barrier(socket)

    expect(socket.events().map((e) => e.type)).toEqual(['budget.check'])
  })

  it('answers a malformed message with an error and keeps the connection', async () => {
    const socket = await connect()

    socket.send('this is not json')
    socket.send({ type: 'subscribe', topics: ['gossip'] })
    socket.send({ type: 'launch' })
    socket.socket.send(Buffer.from([1, 2, 3]), { binary: true })
    await subscribe(socket, ['usage'], 'no-such-budget')
    socket.send({ type: 'ping', id: 'still-there' })
    await socket.next((m) => m.type === 'pong')

    const errors = socket.messages.filter((m) => m.type === 'error').map((m) => (m.payload as { code: string }).code)
    expect(errors).toEqual(['VALIDATION_FAILED', 'VALIDATION_FAILED', 'VALIDATION_FAILED', 'VALIDATION_FAILED', 'NOT_FOUND'])
    expect(socket.messages.find((m) => m.type === 'error' && JSON.stringify(m.payload).includes('topics'))).toBeDefined()
    expect(socket.messages.at(-1)).toMatchObject({ type: 'pong', topic: null, payload: { id: 'still-there' } })
  })
})

describe('live events once API keys exist', () => {
  let keyed: TestServer
  let admin: string
  let reader: string

  beforeAll(async () => {
    keyed = await aTestServer()
    admin = (await aKey(keyed.call, 'admin')).key
    reader = (await aKey(keyed.call, 'read', admin)).key
  })

  afterAll(async () => {
    await keyed.close()
  })

  it('lets an unauthenticated socket only authenticate, and a read key suffices', async () => {
    const { budget } = await aBudgetWithPolicy(keyed.call, {}, admin)
    const socket = await aSocket(keyed.url)
    sockets.push(socket)
    const welcome = await socket.next((m) => m.type === 'welcome')

    socket.send({ type: 'subscribe', topics: ['usage'] })
    const refused = await socket.next((m) => m.type === 'error')
    socket.send({ type: 'auth', apiKey: 'tbk_not-a-key' })
    const wrongKey = await socket.next((m) => m.type === 'error', socket.messages.indexOf(refused) + 1)
    socket.send({ type: 'auth', apiKey: reader })
    const authenticated = await socket.next((m) => m.type === 'authenticated')
    await subscribe(socket, ['usage'])
    await keyed.call('POST', '/api/v1/usage', { body: aUsageBody({ budgetId: budget.id }), key: admin })
    const event = await socket.next((m) => m.type === 'usage.recorded')

    expect(welcome.payload).toMatchObject({ authRequired: true })
    expect(refused.payload).toMatchObject({ code: 'UNAUTHENTICATED' })
    expect(wrongKey.payload).toMatchObject({ code: 'UNAUTHENTICATED' })
    expect(authenticated.payload).toMatchObject({ role: 'read' })
    expect(event.payload).toMatchObject({ budgetId: budget.id })
  })

  it('accepts the key on the upgrade request', async () => {
    const socket = await aSocket(keyed.url, { authorization: `Bearer ${reader}` })
    sockets.push(socket)

    const welcome = await socket.next((m) => m.type === 'welcome')
    const subscribed = await subscribe(socket, ['budget_alerts'])

    expect(welcome.payload).toMatchObject({ authRequired: false })
    expect(subscribed.type).toBe('subscribed')
  })

  it('refuses a wrong key on the upgrade request, and waits for a good one', async () => {
    const socket = await aSocket(keyed.url, { authorization: 'Bearer tbk_wrong' })
    sockets.push(socket)

    const welcome = await socket.next((m) => m.type === 'welcome')
    const refused = await socket.next((m) => m.type === 'error')
    socket.send({ type: 'auth', apiKey: reader })

    expect(welcome.payload).toMatchObject({ authRequired: true })
    expect(refused.payload).toMatchObject({ code: 'UNAUTHENTICATED' })
    expect(await socket.next((m) => m.type === 'authenticated')).toMatchObject({ payload: { role: 'read' } })
  })

  it('closes a socket after too many invalid keys', async () => {
    const socket = await aSocket(keyed.url)
    sockets.push(socket)

    for (let i = 0; i < 5; i++) socket.send({ type: 'auth', apiKey: `tbk_wrong-${i}` })

    expect(await socket.closed).toBe(4401)
  })
})
