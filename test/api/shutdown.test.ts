import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { get, request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { BIN, cleanEnv, ensureBuilt } from '../support/cli.js'
import { aDatabase, aTestEngine, STORE_KINDS } from '../support/engine.js'

/**
 * `budget serve` on SIGTERM — what an orchestrator sends before it replaces an instance:
 * stops accepting connections, lets the requests already in flight finish and answer,
 * closes live WebSockets with 1001, flushes the store and exits 0. Every record it
 * acknowledged is in the database afterwards.
 */
const BATCHES = 6
const BATCH = 1_000

interface Service {
  child: ChildProcess
  url: string
  exit: Promise<number | null>
  /** Resolves once the service has logged this message (`incoming request POST /path` for requests) `times` times. */
  logged(message: string, times?: number): Promise<void>
}

async function serve(databaseUrl: string, dir: string): Promise<Service> {
  // Debug level logs each request as it arrives: the test signals once all are in.
  const env = cleanEnv({ BUDGET_DATABASE_URL: databaseUrl, BUDGET_LOG_LEVEL: 'debug' })
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const messages: string[] = []
  const waiting: { message: string; times: number; resolve: () => void }[] = []
  const seen = (message: string) => messages.filter((m) => m === message).length
  createInterface({ input: child.stderr! }).on('line', (line) => {
    const entry = JSON.parse(line) as { msg?: string; req?: { method?: string; url?: string } }
    messages.push(entry.req ? `${entry.msg} ${entry.req.method} ${entry.req.url}` : (entry.msg ?? ''))
    for (const w of waiting) if (seen(w.message) >= w.times) w.resolve()
  })
  const first = await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next()
  if (first.done) throw new Error(`the service exited before it listened: ${messages.join('\n')}`)
  return {
    child,
    url: /listening on (http:\S+)/.exec(String(first.value))?.[1] ?? '',
    exit,
    logged: (message, times = 1) => (seen(message) >= times ? Promise.resolve() : new Promise((resolve) => waiting.push({ message, times, resolve }))),
  }
}

/** A GET on a connection of its own (fetch would reuse a kept-alive one, which a closing server answers 503). */
function newConnection(url: string): Promise<number | string | undefined> {
  return new Promise((resolve) => {
    get(url, { agent: false }, (response) => {
      response.resume()
      resolve(response.statusCode)
    }).on('error', (error: NodeJS.ErrnoException) => resolve(error.code))
  })
}

/** A POST whose body stops halfway until `finish()`: a request surely in flight meanwhile. */
function halfSentPost(url: string, body: string): { status: Promise<number | undefined>; finish(): void } {
  const request = httpRequest(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } })
  const status = new Promise<number | undefined>((resolve, reject) => {
    request.on('response', (response) => {
      response.resume()
      resolve(response.statusCode)
    })
    request.on('error', reject)
  })
  const half = Math.floor(body.length / 2)
  request.write(body.slice(0, half))
  return { status, finish: () => request.end(body.slice(half)) }
}

const aBatch = (batch: number) => ({
  records: Array.from({ length: BATCH }, (_, i) => ({ id: `b${batch}-${i}`, provider: 'anthropic', model: 'claude-sonnet-4-20250514', component: `c${i % 7}`, inputTokens: 100 + i, outputTokens: 20 })),
})

describe.each(STORE_KINDS)('a service on %s told to stop with SIGTERM', (store) => {
  let dir: string
  let database: { url: string; drop(): Promise<void> }

  beforeAll(() => {
    ensureBuilt()
  }, 120_000)

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'budget-shutdown-'))
    database = await aDatabase(store, dir)
  })

  afterEach(async () => {
    await database.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('finishes the requests in flight, refuses new connections, closes WebSockets and exits 0', async () => {
    const service = await serve(database.url, dir)
    const socket = new WebSocket(`${service.url.replace('http', 'ws')}/ws`)
    const socketClosed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)))
    await new Promise((resolve) => socket.once('open', resolve))

    // Each batch arrives in two halves: the second is sent only once shutdown has begun.
    const posts = Array.from({ length: BATCHES }, (_, b) => halfSentPost(`${service.url}/api/v1/usage`, JSON.stringify(aBatch(b))))
    await service.logged('incoming request POST /api/v1/usage', BATCHES)
    service.child.kill('SIGTERM')
    await service.logged('shutting down')
    const late = await newConnection(`${service.url}/health`)

    for (const post of posts) post.finish()
    const answered = await Promise.all(posts.map((p) => p.status))
    expect(await service.exit).toBe(0)
    expect(await socketClosed).toBe(1001)
    // Refused: the listener is closed, or, while it drains, Fastify answers 503 with `connection: close`.
    expect(['ECONNREFUSED', 503]).toContain(late)
    expect(answered).toEqual(Array(BATCHES).fill(201))

    const reopened = await aTestEngine({ databaseUrl: database.url })
    try {
      const summary = await reopened.engine.usageSummary({ groupBy: [] } as never)
      expect(summary.totals.requests).toBe(BATCHES * BATCH)
    } finally {
      await reopened.dispose()
    }
  })
})
