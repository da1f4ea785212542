/**
 * Registration with Hermes when HERMES_URL is set, against a real local HTTP server acting
 * as Hermes: register on start (name budget, port, capabilities, health URL), heartbeat,
 * unregister on shutdown; Hermes down or refusing is logged and never stops the service.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { aTestServer, type TestServer } from '../support/http.js'

interface Received {
  path: string
  body: Record<string, unknown>
}

interface FakeHermes {
  url: string
  received: Received[]
  /** Resolves once `predicate` holds for what Hermes has received (the test's timeout bounds the wait). */
  until(predicate: (received: Received[]) => boolean): Promise<void>
  close(): Promise<void>
}

/** A Hermes that records every request and answers with `status(path, count so far)`. */
async function aFakeHermes(status: (path: string, seen: number) => number = () => 200): Promise<FakeHermes> {
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    let text = ''
    req.on('data', (chunk: Buffer) => (text += chunk))
    req.on('end', () => {
      const path = req.url ?? ''
      received.push({ path, body: JSON.parse(text || '{}') as Record<string, unknown> })
      res.writeHead(status(path, received.filter((r) => r.path === path).length), { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    async until(predicate) {
      while (!predicate(received)) await new Promise((resolve) => setTimeout(resolve, 10))
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A loopback port nothing listens on. */
async function aClosedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const paths = (received: Received[]) => received.map((r) => r.path)
const FAST = { BUDGET_HERMES_HEARTBEAT_SECONDS: '0.02' }

let hermes: FakeHermes | undefined
let service: TestServer | undefined

afterEach(async () => {
  await service?.close()
  await hermes?.close()
  service = undefined
  hermes = undefined
})

describe('Hermes registration', () => {
  it('registers on start as budget, with its port, capabilities and a health URL that answers', async () => {
    hermes = await aFakeHermes()
    service = await aTestServer({ HERMES_URL: `${hermes.url}/api`, ...FAST })

    await hermes.until((r) => paths(r).includes('/api/registration/register'))

    const registration = hermes.received.find((r) => r.path === '/api/registration/register')?.body
    const port = Number(new URL(service.url).port)
    expect(registration).toMatchObject({
      component_id: 'budget',
      name: 'budget',
      type: 'budget',
      version: expect.any(String),
      port,
      endpoint: `http://127.0.0.1:${port}`,
      health_url: `http://127.0.0.1:${port}/health`,
      capabilities: expect.arrayContaining(['budget_management', 'token_allocation', 'cost_tracking']),
      mcp_capabilities: expect.arrayContaining(['allocate_budget', 'check_budget', 'record_usage', 'get_budget_status', 'get_model_recommendations', 'route_with_budget_awareness', 'get_usage_analytics']),
      dependencies: [],
    })
    const health = await fetch(registration?.health_url as string)
    expect(health.status).toBe(200)
  })

  it('heartbeats while it runs and unregisters when it stops', async () => {
    hermes = await aFakeHermes()
    service = await aTestServer({ HERMES_URL: hermes.url, ...FAST })

    await hermes.until((r) => paths(r).filter((p) => p === '/registration/heartbeat').length >= 2)
    await service.close()
    service = undefined

    const heartbeat = hermes.received.find((r) => r.path === '/registration/heartbeat')
    expect(heartbeat?.body).toEqual({ component_id: 'budget', status: 'healthy' })
    expect(hermes.received.at(-1)).toEqual({ path: '/registration/unregister', body: { component_id: 'budget' } })
  })

  it('starts and serves without Hermes when Hermes cannot be reached', async () => {
    service = await aTestServer({ HERMES_URL: `http://127.0.0.1:${await aClosedPort()}`, ...FAST })

    const health = await service.call('GET', '/health')

    expect(health.status).toBe(200)
  })

  it('registers again at the next heartbeat when Hermes refused the first registration', async () => {
    hermes = await aFakeHermes((path, seen) => (path === '/registration/register' && seen === 1 ? 503 : 200))
    service = await aTestServer({ HERMES_URL: hermes.url, ...FAST })

    await hermes.until((r) => paths(r).includes('/registration/heartbeat'))

    const sequence = paths(hermes.received)
    expect(sequence.slice(0, 2)).toEqual(['/registration/register', '/registration/register'])
    expect((await service.call('GET', '/health')).status).toBe(200)
  })

  it('registers again when Hermes has forgotten it (a heartbeat answered 404)', async () => {
    hermes = await aFakeHermes((path, seen) => (path === '/registration/heartbeat' && seen === 1 ? 404 : 200))
    service = await aTestServer({ HERMES_URL: hermes.url, ...FAST })

    await hermes.until((r) => paths(r).filter((p) => p === '/registration/register').length >= 2)

    expect(paths(hermes.received).slice(0, 3)).toEqual(['/registration/register', '/registration/heartbeat', '/registration/register'])
  })
})
