/**
 * Live events over WebSocket at `/ws`, on the API's port: whatever the engine publishes
 * on its event bus (usage, reservations, alerts, prices) is pushed to the clients
 * subscribed to its topic, and budget. Protocol in domain/ws-message.ts.
 *
 * - Authentication as the REST API's: with no active key on a loopback server a socket
 *   is trusted from the start; otherwise it must send `{type:"auth", apiKey}` (any role,
 *   read suffices) or present the key on the upgrade request, and until then it may only
 *   `auth` and `ping`. A socket that has not authenticated in time is closed (4401).
 * - Heartbeat: the server pings every socket each `heartbeatMs`; one that has not
 *   answered (or sent anything) since the last ping is terminated.
 * - Backpressure: an event is serialised once and written to each matching socket; a
 *   socket whose unsent bytes pass `maxBufferedBytes` is terminated, so a slow reader
 *   costs bounded memory and never holds up the others.
 * - A malformed message gets an `error` reply; the connection stays open.
 */
import websocket from '@fastify/websocket'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { RawData, WebSocket } from 'ws'
import { BudgetError } from '../domain/errors.js'
import { CLOSE_CODES, ClientMessage, LiveTopic, type ServerMessage } from '../domain/ws-message.js'
import type { BudgetEngine } from '../engine/engine.js'
import { type BudgetEvent, TOPICS } from '../events/bus.js'
import { secretOf } from './auth.js'
import { Subscriptions } from './ws-subscriptions.js'

export interface LiveOptions {
  /** Between server pings; a socket silent for a whole interval is dropped. Default 30,000. */
  heartbeatMs: number
  /** Unsent bytes a socket may hold before it is dropped as a slow consumer. Default 1 MiB. */
  maxBufferedBytes: number
  /** Time an unauthenticated socket has to authenticate when keys exist. Default 10,000. */
  authTimeoutMs: number
  /** Invalid `auth` messages before the socket is closed. Default 5. */
  maxAuthFailures: number
  /** Largest client message. Default 64 KiB. */
  maxPayloadBytes: number
}

export const DEFAULT_LIVE: LiveOptions = { heartbeatMs: 30_000, maxBufferedBytes: 1024 * 1024, authTimeoutMs: 10_000, maxAuthFailures: 5, maxPayloadBytes: 64 * 1024 }

// The bus and the protocol name the same topics; this line fails to compile if they drift.
const _sameTopics: readonly LiveTopic[] = TOPICS

const OPEN = 1

interface Client {
  socket: WebSocket
  subscriptions: Subscriptions
  authenticated: boolean
  alive: boolean
  authFailures: number
  /** Messages are handled one after another, in arrival order. */
  queue: Promise<void>
  authTimer: NodeJS.Timeout | null
}

export interface LiveHub {
  /** Connected sockets. */
  readonly connections: number
}

export async function liveRoutes(app: FastifyInstance, engine: BudgetEngine, options: { openWithoutKeys: boolean; live?: Partial<LiveOptions> }): Promise<LiveHub> {
  const limits: LiveOptions = { ...DEFAULT_LIVE, ...options.live }
  const clients = new Set<Client>()
  const now = () => new Date().toISOString()
  const reply = (type: string, payload: unknown): ServerMessage => ({ type, topic: null, payload, timestamp: now() })

  /** Sends a reply, or an event already encoded (once for every client) as UTF-8 JSON. */
  const send = (client: Client, message: ServerMessage | Buffer): void => {
    if (client.socket.readyState !== OPEN) return
    if (client.socket.bufferedAmount > limits.maxBufferedBytes) {
      app.log.warn({ bufferedBytes: client.socket.bufferedAmount }, 'websocket client dropped: it reads too slowly')
      client.socket.terminate()
      return
    }
    if (Buffer.isBuffer(message)) client.socket.send(message, { binary: false })
    else client.socket.send(JSON.stringify(message))
  }
  const fail = (client: Client, code: string, message: string, details: Record<string, unknown> = {}) => send(client, reply('error', { code, message, details }))

  const unsubscribe = engine.ctx.events.subscribe((event: BudgetEvent) => {
    let encoded: Buffer | undefined
    for (const client of clients) {
      if (!client.authenticated || !client.subscriptions.matches(event)) continue
      encoded ??= Buffer.from(JSON.stringify({ type: event.type, topic: event.topic, payload: event.payload, timestamp: event.timestamp } satisfies ServerMessage))
      send(client, encoded)
    }
  })

  const heartbeat = setInterval(() => {
    for (const client of clients) {
      if (!client.alive) {
        client.socket.terminate()
        continue
      }
      client.alive = false
      client.socket.ping()
    }
  }, limits.heartbeatMs)
  heartbeat.unref()

  const authenticated = (client: Client, key: { id: string; name: string; role: string } | null) => {
    client.authenticated = true
    if (client.authTimer !== null) clearTimeout(client.authTimer)
    client.authTimer = null
    send(client, reply('authenticated', key === null ? { open: true } : { keyId: key.id, name: key.name, role: key.role }))
  }

  async function open(client: Client, request: FastifyRequest): Promise<void> {
    const secret = secretOf(request)
    const key = secret === undefined ? undefined : await engine.authenticate(secret)
    // As for REST: no key and none exists on an open server is fine; a wrong key never is.
    const trusted = secret === undefined && options.openWithoutKeys && !(await engine.hasActiveKeys())
    send(client, reply('welcome', { authRequired: key === undefined && !trusted, topics: LiveTopic.options, heartbeatMs: limits.heartbeatMs }))
    if (key !== undefined) authenticated(client, key)
    else if (trusted) client.authenticated = true
    else {
      if (secret !== undefined) fail(client, 'UNAUTHENTICATED', 'the API key on the upgrade request is unknown or revoked')
      client.authTimer = setTimeout(() => client.socket.close(CLOSE_CODES.unauthenticated, 'authentication required'), limits.authTimeoutMs)
      client.authTimer.unref()
    }
  }

  async function handle(client: Client, data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) return fail(client, 'VALIDATION_FAILED', 'binary messages are not understood: send JSON text')
    let json: unknown
    try {
      json = JSON.parse(textOf(data))
    } catch {
      return fail(client, 'VALIDATION_FAILED', 'the message is not JSON')
    }
    const parsed = ClientMessage.safeParse(json)
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message }))
      return fail(client, 'VALIDATION_FAILED', `invalid message: ${issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ')}`, { issues })
    }
    const message = parsed.data
    switch (message.type) {
      case 'ping':
        return send(client, reply('pong', message.id === undefined ? {} : { id: message.id }))
      case 'auth': {
        const key = await engine.authenticate(message.apiKey)
        if (key !== undefined) return authenticated(client, key)
        client.authFailures += 1
        fail(client, 'UNAUTHENTICATED', 'the API key is unknown or revoked')
        if (client.authFailures >= limits.maxAuthFailures) client.socket.close(CLOSE_CODES.unauthenticated, 'too many invalid API keys')
        return
      }
      case 'subscribe':
      case 'unsubscribe': {
        if (!client.authenticated) return fail(client, 'UNAUTHENTICATED', 'authenticate first: send {"type":"auth","apiKey":"…"}')
        const budgetId = message.budgetId === undefined ? null : (await engine.getBudget(message.budgetId)).id
        if (message.type === 'subscribe') client.subscriptions.add(message.topics, budgetId)
        else client.subscriptions.remove(message.topics, budgetId)
        return send(client, reply(message.type === 'subscribe' ? 'subscribed' : 'unsubscribed', { subscriptions: client.subscriptions.list() }))
      }
    }
  }

  // Runs before the plugin's own preClose: say goodbye, then cut whoever does not answer.
  app.addHook('preClose', async () => {
    clearInterval(heartbeat)
    unsubscribe()
    for (const client of clients) client.socket.close(1001, 'server shutting down')
    const deadline = Date.now() + 500
    while (clients.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    for (const client of clients) client.socket.terminate()
  })

  await app.register(websocket, { options: { maxPayload: limits.maxPayloadBytes } })

  app.get('/ws', { websocket: true, schema: { hide: true } }, (socket, request) => {
    const client: Client = { socket, subscriptions: new Subscriptions(), authenticated: false, alive: true, authFailures: 0, queue: Promise.resolve(), authTimer: null }
    clients.add(client)
    const enqueue = (work: () => Promise<void>) => {
      client.queue = client.queue.then(work).catch((error: unknown) => {
        if (error instanceof BudgetError) fail(client, error.code, error.message, error.details ?? {})
        else {
          request.log.error({ err: error }, 'websocket message failed')
          fail(client, 'INTERNAL', 'internal error; the server log has the details')
        }
      })
    }
    // Handlers are attached before anything is awaited, so that no early message is lost.
    socket.on('message', (data: RawData, isBinary: boolean) => {
      client.alive = true
      enqueue(() => handle(client, data, isBinary))
    })
    socket.on('pong', () => {
      client.alive = true
    })
    socket.on('close', () => {
      clients.delete(client)
      if (client.authTimer !== null) clearTimeout(client.authTimer)
    })
    enqueue(() => open(client, request))
  })

  return {
    get connections() {
      return clients.size
    },
  }
}

const textOf = (data: RawData) => (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8')
