/**
 * Serving the dashboard (src/api/static.ts): index.html for every client route, the
 * build's assets with long caching and precompressed bodies, and never a file where the
 * service's own paths are.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerErrorHandling } from '../../src/api/errors.js'
import { CLIENT_ROUTES, dashboardRoutes } from '../../src/api/static.js'
import { aTestServer, type TestServer } from '../support/http.js'

const INDEX = '<!doctype html><title>dashboard</title><div id="app"></div>'
const SCRIPT = 'console.log("dashboard")'

/** A dist/web as the build leaves it, plus a decoy file under api/ that must never be served. */
function aBuiltDashboard(): string {
  const dir = mkdtempSync(join(tmpdir(), 'budget-web-'))
  mkdirSync(join(dir, 'assets'))
  mkdirSync(join(dir, 'api'))
  writeFileSync(join(dir, 'index.html'), INDEX)
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), SCRIPT)
  writeFileSync(join(dir, 'assets', 'index-abc123.js.gz'), gzipSync(SCRIPT))
  writeFileSync(join(dir, 'api', 'secret.json'), '{"decoy":true}')
  return dir
}

async function anApp(dir: string): Promise<FastifyInstance> {
  const app = Fastify()
  registerErrorHandling(app)
  app.get('/api/v1/thing', async () => ({ ok: true }))
  await dashboardRoutes(app, dir)
  return app
}

describe('the dashboard files', () => {
  let dir: string
  let app: FastifyInstance

  beforeAll(async () => {
    dir = aBuiltDashboard()
    app = await anApp(dir)
  })

  afterAll(async () => {
    await app.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it.each(['/', ...CLIENT_ROUTES, '/budgets/bud_0190f3', '/prices/openai/gpt-4o', '/usage?range=7d&by=model'])('answers the client route %s with index.html, revalidated each time', async (url) => {
    const reply = await app.inject({ url })

    expect(reply.statusCode).toBe(200)
    expect(reply.headers['content-type']).toContain('text/html')
    expect(reply.headers['cache-control']).toBe('no-cache')
    expect(reply.body).toBe(INDEX)
  })

  it('serves a hashed asset cached for a year, gzip-compressed for a client that accepts it', async () => {
    const plain = await app.inject({ url: '/assets/index-abc123.js' })
    const compressed = await app.inject({ url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip' } })

    expect(plain.body).toBe(SCRIPT)
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(compressed.headers['content-encoding']).toBe('gzip')
    expect(compressed.headers['content-type']).toContain('javascript')
  })

  it.each(['/api/secret.json', '/api/v1/nothing', '/nothing', '/assets/missing.js', '/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json'])('answers %s with the API 404, never a file', async (url) => {
    const reply = await app.inject({ url })

    expect(reply.statusCode).toBe(404)
    expect(reply.json()).toMatchObject({ error: { code: 'NOT_FOUND' } })
  })

  it('leaves the routes of the service alone', async () => {
    const reply = await app.inject({ url: '/api/v1/thing' })

    expect(reply.json()).toEqual({ ok: true })
  })
})

describe('a service compiled without the dashboard', () => {
  it('says at / how to build it, and still serves the API', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'budget-web-'))
    const app = await anApp(empty)

    const page = await app.inject({ url: '/usage' })
    const api = await app.inject({ url: '/api/v1/thing' })

    expect(page.statusCode).toBe(503)
    expect(page.body).toContain('npm run build')
    expect(api.statusCode).toBe(200)
    await app.close()
    rmSync(empty, { recursive: true, force: true })
  })
})

describe('the dashboard in the service', () => {
  let server: TestServer

  beforeAll(async () => {
    server = await aTestServer()
  })

  afterAll(async () => {
    await server.close()
  })

  it.each([
    ['/health', 'application/json'],
    ['/ready', 'application/json'],
    ['/docs/openapi.json', 'application/json'],
    ['/metrics', 'text/plain'],
    ['/api/v1/budgets', 'application/json'],
  ])('keeps %s what the service answers', async (path, type) => {
    const reply = await server.call('GET', path)

    expect(reply.status).toBe(200)
    expect(reply.headers.get('content-type')).toContain(type)
  })

  it.each(['/api/v1/no-such-route', '/ws/anything', '/mcp/anything', '/docs/no-such-page.html'])('answers the unknown service path %s without the dashboard', async (path) => {
    const reply = await server.call('GET', path)

    expect(reply.headers.get('content-type') ?? '').not.toContain('text/html')
  })
})
