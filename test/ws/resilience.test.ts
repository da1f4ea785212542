/**
 * `/ws` when things go wrong: the TS client reconnects and resubscribes after the server
 * restarts, a client that stops reading is dropped without holding up the others, a dead
 * connection is cleaned up by the heartbeat, and a socket that never authenticates is
 * closed.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/api/app.js'
import type { LiveOptions } from '../../src/api/ws.js'
import { type LiveEvent, LiveEvents } from '../../src/client/ws.js'
import type { ServerMessage } from '../../src/domain/ws-message.js'
import { aTestEngine, type TestEngine } from '../support/engine.js'
import { aBudget, aKey, aTestServer, aUsageBody, caller, type TestServer } from '../support/http.js'
import { aSocket, eventually, type TestSocket } from './socket.js'

const cleanup: (() => Promise<void>)[] = []

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

/** The app over a test engine, listening on a free port, with WebSocket limits a test can shorten. */
async function anApp(live: Partial<LiveOptions>): Promise<{ app: FastifyInstance; url: string; engine: TestEngine }> {
  const engine = await aTestEngine()
  const app = await buildApp({ engine: engine.engine, store: engine.store, openWithoutKeys: true, rateLimitPerMinute: 0, logLevel: 'silent', live })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  cleanup.push(async () => {
    await app.close()
    await engine.dispose()
  })
  return { app, url: address, engine }
}

async function aClient(url: string, headers?: Record<string, string>): Promise<TestSocket> {
  const socket = await aSocket(url, headers)
  cleanup.push(() => socket.close())
  await socket.next((m) => m.type === 'welcome')
  return socket
}

describe('the TS client', () => {
  // Restarts a server under whatever load the machine has: retried rather than slowed down.
  it('reconnects after the server restarts and subscribes again', { retry: 2, timeout: 20_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'budget-ws-'))
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }))
    let server: TestServer = await aTestServer({}, { dir })
    cleanup.push(() => server.close())
    const { port } = server.server.app.server.address() as AddressInfo
    const budget = await aBudget(server.call)
    const live = new LiveEvents({ baseUrl: server.url, minReconnectDelayMs: 10, maxReconnectDelayMs: 100 })
    cleanup.push(() => live.close())
    const events: LiveEvent[] = []
    const replies: ServerMessage[] = []
    const opens: boolean[] = []
    live.on('event', (event) => events.push(event))
    live.on('reply', (reply) => replies.push(reply))
    live.on('open', ({ reconnected }) => opens.push(reconnected))
    live.subscribe(['usage'], budget.id)
    await live.connect()
    await eventually(() => replies.some((r) => r.type === 'subscribed'))
    await server.call('POST', '/api/v1/usage', { body: aUsageBody({ budgetId: budget.id, id: 'before-restart' }) })
    await eventually(() => events.length === 1)

    await server.close()
    await eventually(() => !live.connected)
    server = await aTestServer({ BUDGET_PORT: String(port) }, { dir })
    await eventually(() => replies.filter((r) => r.type === 'subscribed').length === 2)
    await server.call('POST', '/api/v1/usage', { body: aUsageBody({ budgetId: budget.id, id: 'after-restart' }) })
    await eventually(() => events.length === 2)

    expect(opens).toEqual([false, true])
    expect(events.map((e) => (e.payload as { id: string }).id)).toEqual(['before-restart', 'after-restart'])
  })

  it('sends its API key on every connection', async () => {
    const server = await aTestServer()
    cleanup.push(() => server.close())
    const admin = (await aKey(server.call, 'admin')).key
    const reader = (await aKey(server.call, 'read', admin)).key
    const live = new LiveEvents({ baseUrl: server.url, apiKey: reader })
    cleanup.push(() => live.close())
    const replies: ServerMessage[] = []
    live.on('reply', (reply) => replies.push(reply))

    live.subscribe(['budget_alerts'])
    await live.connect()
    await eventually(() => replies.some((r) => r.type === 'subscribed' || r.type === 'error'))

    expect(replies.map((r) => r.type)).toEqual(['welcome', 'authenticated', 'subscribed'])
  })
})

describe('backpressure', () => {
  it('drops a client that stops reading, while the others get every event', async () => {
    const { app, url, engine } = await anApp({ maxBufferedBytes: 256 * 1024 })
    const fast = await aClient(url)
    const slow = await aClient(url)
    for (const socket of [fast, slow]) {
      socket.send({ type: 'subscribe', topics: ['price_updates'] })
      await socket.next((m) => m.type === 'subscribed')
    }
    slow.pause()

    const blob = 'x'.repeat(128 * 1024)
    let published = 0
    while (app.websocketServer.clients.size === 2 && published < 2_000) {
      engine.engine.ctx.events.publish({ type: 'price.updated', topic: 'price_updates', budgetId: null, payload: { n: published, blob } })
      published += 1
      await fast.next((m) => (m.payload as { n?: number } | null)?.n === published - 1)
    }
    slow.resume()
    await slow.closed

    expect(app.websocketServer.clients.size).toBe(1)
    expect(fast.events()).toHaveLength(published)
    expect(slow.events().length).toBeLessThan(published)
  })
})

describe('heartbeat', () => {
  it('terminates a connection that stops answering pings, and keeps the live ones', async () => {
    const { app, url } = await anApp({ heartbeatMs: 20 })
    const healthy = await aClient(url)
    const dead = await aClient(url)

    dead.pause()
    await eventually(() => app.websocketServer.clients.size === 1)
    healthy.send({ type: 'ping', id: 'alive' })

    expect(await healthy.next((m) => m.type === 'pong')).toMatchObject({ payload: { id: 'alive' } })
  })
})

describe('authentication deadline', () => {
  it('closes a socket that does not authenticate in time once keys exist', async () => {
    const { url } = await anApp({ authTimeoutMs: 30 })
    await aKey(caller(url), 'admin')
    const socket = await aSocket(url)
    cleanup.push(() => socket.close())

    expect(await socket.closed).toBe(4401)
  })
})
