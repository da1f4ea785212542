/**
 * MCP over Streamable HTTP at `/mcp`, on the service's port: the same tools and resources
 * as `budget mcp` (mcp/server.ts), one MCP server per session.
 *
 * Authentication is the REST API's: `Authorization: Bearer <key>` or `X-API-Key`, needed
 * once any key exists (or always, off loopback without --insecure). Any valid key opens a
 * session; each tool then asks for the role it needs (read or write), and a session
 * answers only the key that opened it.
 *
 * Sessions hold resource subscriptions, which is why the transport is stateful. A session
 * with no open request (an event stream counts as one) for IDLE_MS is closed; closing the
 * app closes them all first, so open event streams never hold up a shutdown.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ApiKey } from '../domain/api-key.js'
import { BudgetError } from '../domain/errors.js'
import type { BudgetEngine } from '../engine/engine.js'
import { type BudgetMcpServer, createMcpServer } from '../mcp/server.js'
import { secretOf } from './auth.js'

const PATH = '/mcp'
const IDLE_MS = 30 * 60_000
const MAX_SESSIONS = 1_000
/** JSON-RPC codes the Streamable HTTP transport uses for a bad or unknown session. */
const BAD_REQUEST = -32000
const SESSION_NOT_FOUND = -32001

export interface McpHttpOptions {
  engine: BudgetEngine
  /** True on a loopback host or with --insecure: no key needed until one is created. */
  openWithoutKeys: boolean
}

interface Session {
  transport: StreamableHTTPServerTransport
  mcp: BudgetMcpServer
  /** The key that opened the session; null when it was opened without one. */
  keyId: string | null
  lastSeenMs: number
  /** Requests in flight, event streams included: a session with one is never idle. */
  open: number
}

function jsonRpcError(reply: FastifyReply, status: number, code: number, message: string) {
  return reply.status(status).send({ jsonrpc: '2.0', error: { code, message }, id: null })
}

export function mcpRoutes(app: FastifyInstance, options: McpHttpOptions): void {
  const sessions = new Map<string, Session>()
  const { engine } = options

  async function keyOf(request: FastifyRequest): Promise<ApiKey | null> {
    const secret = secretOf(request)
    if (secret === undefined) {
      if (options.openWithoutKeys && !(await engine.hasActiveKeys())) return null
      throw new BudgetError('UNAUTHENTICATED', 'an API key is required: send Authorization: Bearer <key> or X-API-Key')
    }
    const key = await engine.authenticate(secret)
    if (!key) throw new BudgetError('UNAUTHENTICATED', 'the API key is unknown or revoked')
    return key
  }

  async function open(): Promise<Session> {
    const mcp = createMcpServer({ service: engine, events: engine.ctx.events, onError: (error) => app.log.error({ err: error }, 'MCP tool failed') })
    const session: Session = { transport: null as unknown as StreamableHTTPServerTransport, mcp, keyId: null, lastSeenMs: Date.now(), open: 0 }
    session.transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, session)
      },
    })
    session.transport.onclose = () => {
      const id = session.transport.sessionId
      if (id !== undefined) sessions.delete(id)
      void mcp.close()
    }
    await mcp.server.connect(session.transport)
    return session
  }

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const key = await keyOf(request)
    const header = request.headers['mcp-session-id']
    const sessionId = typeof header === 'string' ? header : undefined
    let session = sessionId === undefined ? undefined : sessions.get(sessionId)
    const isNew = session === undefined
    if (session === undefined) {
      if (sessionId !== undefined) return jsonRpcError(reply, 404, SESSION_NOT_FOUND, 'Session not found')
      if (request.method !== 'POST' || !isInitializeRequest(request.body)) {
        return jsonRpcError(reply, 400, BAD_REQUEST, 'Bad Request: no valid session id; start with an initialize request')
      }
      if (sessions.size >= MAX_SESSIONS) throw new BudgetError('UNAVAILABLE', `too many MCP sessions open (${MAX_SESSIONS}); close some or retry later`)
      session = await open()
      session.keyId = key?.id ?? null
    } else if (session.keyId !== (key?.id ?? null)) {
      throw new BudgetError('FORBIDDEN', 'this MCP session was opened with another API key')
    }
    session.lastSeenMs = Date.now()
    session.open += 1
    const current = session
    reply.raw.once('close', () => {
      current.open -= 1
      current.lastSeenMs = Date.now()
    })
    const authInfo: AuthInfo | undefined = key === null ? undefined : { token: key.prefix, clientId: key.id, scopes: [key.role] }
    const raw = request.raw as IncomingMessage & { auth?: AuthInfo }
    if (authInfo !== undefined) raw.auth = authInfo
    reply.hijack()
    await session.transport.handleRequest(raw, reply.raw, request.body)
    // An initialize the transport refused opened no session: nothing will close it later.
    if (isNew && session.transport.sessionId === undefined) await session.mcp.close()
  }

  const route = { schema: { hide: true } }
  app.post(PATH, route, handle)
  app.get(PATH, route, handle)
  app.delete(PATH, route, handle)

  const sweep = setInterval(() => {
    const cutoff = Date.now() - IDLE_MS
    for (const session of sessions.values()) if (session.open === 0 && session.lastSeenMs < cutoff) void session.transport.close()
  }, 60_000).unref()

  // Before the listener closes: an open event stream would otherwise keep it waiting.
  app.addHook('preClose', async () => {
    clearInterval(sweep)
    await Promise.allSettled([...sessions.values()].map((s) => s.transport.close()))
    sessions.clear()
  })
}
