/**
 * /mcp on a service that has API keys: the REST API's keys open sessions, each tool asks
 * for its role, and a session answers only the key that opened it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aKey, aTestServer, type TestServer, uniqueName } from '../support/http.js'
import { errorOf, overHttp, structured } from './support.js'

let t: TestServer
let admin: string
let write: string
let read: string

beforeAll(async () => {
  t = await aTestServer()
  admin = (await aKey(t.call, 'admin')).key
  write = (await aKey(t.call, 'write', admin)).key
  read = (await aKey(t.call, 'read', admin)).key
})

afterAll(async () => {
  await t.close()
})

const initialize = (headers: Record<string, string> = {}) =>
  fetch(new URL('/mcp', t.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  })

describe('MCP over HTTP with API keys', () => {
  it('refuses a session without a key, or with an unknown one, with the API error envelope', async () => {
    for (const headers of [{}, { authorization: 'Bearer tbk_not-a-key' }] as Record<string, string>[]) {
      const response = await initialize(headers)

      expect(response.status).toBe(401)
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED')
    }
  })

  it('lets a read key read and refuses it the tools that write, with FORBIDDEN', async () => {
    const mcp = await overHttp(t.url, t.server.engine.engine, read)
    const budget = await t.server.engine.engine.createBudget({ name: uniqueName() })

    const status = await mcp.client.callTool({ name: 'get_budget_status', arguments: { budgetId: budget.id } })
    const check = await mcp.client.callTool({ name: 'check_budget', arguments: { provider: 'openai', model: 'gpt-4o', inputTokens: 10, maxOutputTokens: 10 } })

    expect(structured(status).items[0].budget.id).toBe(budget.id)
    expect(errorOf(check)).toMatchObject({ code: 'FORBIDDEN', details: { needs: 'write', has: 'read' } })
    await mcp.close()
  })

  it('lets a write key reserve and record', async () => {
    const mcp = await overHttp(t.url, t.server.engine.engine, write)

    const decision = structured(await mcp.client.callTool({ name: 'check_budget', arguments: { provider: 'openai', model: 'gpt-4o', inputTokens: 10, maxOutputTokens: 10 } }))

    expect(decision.allowed).toBe(true)
    await mcp.close()
  })

  it('answers a session only with the key that opened it', async () => {
    const opened = await initialize({ authorization: `Bearer ${write}` })
    const sessionId = opened.headers.get('mcp-session-id')
    await opened.body?.cancel()

    const other = await fetch(new URL('/mcp', t.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${read}`, 'mcp-session-id': sessionId ?? '' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    })

    expect(sessionId).toBeTruthy()
    expect(other.status).toBe(403)
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN')
  })

  it('answers an unknown session with 404 and a request without one that is not initialize with 400', async () => {
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${write}` }
    const body = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })

    const unknown = await fetch(new URL('/mcp', t.url), { method: 'POST', headers: { ...headers, 'mcp-session-id': 'no-such-session' }, body })
    const none = await fetch(new URL('/mcp', t.url), { method: 'POST', headers, body })

    expect(unknown.status).toBe(404)
    expect(none.status).toBe(400)
  })
})
