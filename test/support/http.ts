/**
 * HTTP test harness: a real server (startServer, as `budget serve` runs it) listening on a
 * free loopback port over a private data directory, a `call` that speaks JSON over real
 * `fetch`, and builders with defaults so a test states only the facts that matter.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { type RunningServer, startServer } from '../../src/api/server.js'

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT'

export interface CallOptions {
  /** Sent as JSON (`content-type: application/json`). */
  body?: unknown
  /** Sent as it is; `content-type` is application/json unless `headers` say otherwise. */
  rawBody?: string
  /** An API key, sent as `Authorization: Bearer <key>`. */
  key?: string
  headers?: Record<string, string>
}

/** A JSON body as a test reads it: shapes are asserted with expect, not declared. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

export interface Reply<T = Json> {
  status: number
  /** Parsed JSON when the response is JSON, otherwise the text. */
  body: T
  headers: Headers
}

export type Call = <T = Json>(method: Method, path: string, options?: CallOptions) => Promise<Reply<T>>

export interface TestServer {
  url: string
  dir: string
  server: RunningServer
  call: Call
  close(): Promise<void>
}

/** Makes `call` for a server at `url`. */
export function caller(url: string): Call {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = {}
    let payload: string | undefined
    if (options.rawBody !== undefined) {
      payload = options.rawBody
      headers['content-type'] = 'application/json'
    } else if (options.body !== undefined) {
      payload = JSON.stringify(options.body) ?? 'null'
      headers['content-type'] = 'application/json'
    }
    if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`
    Object.assign(headers, options.headers)
    const response = await fetch(new URL(path, url), { method, headers, body: payload })
    const text = await response.text()
    const isJson = (response.headers.get('content-type') ?? '').includes('json') && text !== ''
    return { status: response.status, body: isJson ? JSON.parse(text) : text, headers: response.headers }
  }
}

/**
 * Starts a server on port 0 over a new temp data directory. `env` adds or overrides
 * BUDGET_* variables (e.g. BUDGET_RATE_LIMIT_PER_MINUTE, BUDGET_HOST); `close` stops it
 * and deletes the directory. Pass `dir` to reuse a data directory the caller owns (and
 * deletes).
 */
export async function aTestServer(env: Record<string, string> = {}, options: { dir?: string } = {}): Promise<TestServer> {
  const owned = options.dir === undefined
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'budget-http-'))
  const removeDir = () => {
    if (owned) rmSync(dir, { recursive: true, force: true })
  }
  const config = loadConfig({ env: { BUDGET_DATA_DIR: dir, BUDGET_PORT: '0', BUDGET_LOG_LEVEL: 'silent', ...env }, cwd: dir })
  let server: RunningServer
  try {
    server = await startServer(config)
  } catch (error) {
    removeDir()
    throw error
  }
  // A server on 0.0.0.0 reports that address; this machine reaches it on loopback.
  const { port } = server.app.server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    dir,
    server,
    call: caller(url),
    async close() {
      await server.close()
      removeDir()
    },
  }
}

let counter = 0

/** A name no other test in this process uses. */
export const uniqueName = (prefix = 'budget') => `${prefix}-${++counter}-${process.pid}-${Date.now().toString(36)}`

export const aBudgetBody = <T extends Record<string, unknown>>(overrides: T = {} as T) => ({ name: uniqueName(), ...overrides })

export const aPolicyBody = <T extends Record<string, unknown>>(budgetId: string, overrides: T = {} as T) => ({
  budgetId,
  type: 'hard_limit',
  period: 'daily',
  tokenLimit: 10_000,
  ...overrides,
})

export const aCheckBody = <T extends Record<string, unknown>>(overrides: T = {} as T) => ({
  provider: 'anthropic',
  model: 'claude-sonnet-4-20250514',
  inputTokens: 1_000,
  maxOutputTokens: 500,
  ...overrides,
})

export const aUsageBody = <T extends Record<string, unknown>>(overrides: T = {} as T) => ({
  provider: 'anthropic',
  model: 'claude-sonnet-4-20250514',
  inputTokens: 1_000,
  outputTokens: 500,
  ...overrides,
})

/** Creates a budget over HTTP and returns it; fails the test on anything but 201. */
export async function aBudget(call: Call, overrides: Record<string, unknown> = {}, key?: string) {
  const reply = await call('POST', '/api/v1/budgets', { body: aBudgetBody(overrides), key })
  if (reply.status !== 201) throw new Error(`creating a budget answered ${reply.status}: ${JSON.stringify(reply.body)}`)
  return reply.body as { id: string; name: string }
}

/** Creates a budget with one policy (a daily hard limit of 10,000 tokens unless overridden). */
export async function aBudgetWithPolicy(call: Call, policy: Record<string, unknown> = {}, key?: string) {
  const budget = await aBudget(call, {}, key)
  const reply = await call('POST', '/api/v1/policies', { body: aPolicyBody(budget.id, policy), key })
  if (reply.status !== 201) throw new Error(`creating a policy answered ${reply.status}: ${JSON.stringify(reply.body)}`)
  return { budget, policy: reply.body as { id: string } }
}

/** Creates an API key with `role`, using `adminKey` once the API is closed. */
export async function aKey(call: Call, role: 'admin' | 'write' | 'read', adminKey?: string) {
  const reply = await call('POST', '/api/v1/keys', { body: { name: uniqueName(role), role }, key: adminKey })
  if (reply.status !== 201) throw new Error(`creating a ${role} key answered ${reply.status}: ${JSON.stringify(reply.body)}`)
  return reply.body as { id: string; key: string; role: string }
}

/** Every token a policy counts for a record: input, output, cache read and cache write. */
export const countedTokens = (r: { inputTokens: number; outputTokens: number; cacheReadTokens?: number; cacheWriteTokens?: number }) =>
  r.inputTokens + r.outputTokens + (r.cacheReadTokens ?? 0) + (r.cacheWriteTokens ?? 0)

/** Decimal USD from the wire as integer nano-USD, so sums are exact. */
export const toNano = (usd: number) => Math.round(usd * 1e9)
