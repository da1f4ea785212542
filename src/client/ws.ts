/**
 * Live events from a Tekton Budget server (`/ws`) for Node programs: connects, sends the
 * API key, subscribes, and hands every event to `on('event', …)` in the order the server
 * sent them. When the connection drops — the server restarts, the network blips, the
 * server stops answering for `idleTimeoutMs` — it reconnects with exponential backoff and
 * jitter and subscribes again to everything it was subscribed to.
 *
 * Events published while it was disconnected are not replayed: after a `reconnected`
 * event, read what you need (a budget's summary, the alerts) through the REST client.
 *
 * Uses the `ws` package: Node 20 has no global WebSocket.
 */
import { EventEmitter } from 'node:events'
import WebSocket from 'ws'
import type { LiveTopic, ServerMessage } from '../domain/ws-message.js'

export type { LiveTopic, ServerMessage } from '../domain/ws-message.js'

/** A message on a topic: usage.recorded, usage.batch, budget.check, reservation.released, alert.raised, … */
export type LiveEvent = ServerMessage & { topic: LiveTopic }

export const ALL_TOPICS: readonly LiveTopic[] = ['budget_events', 'budget_alerts', 'allocation_updates', 'price_updates', 'usage']

export interface LiveEventsOptions {
  /** The server, as for BudgetClient (`http://127.0.0.1:8013`), or its `ws://…/ws` URL. */
  baseUrl: string
  /** Sent as `Authorization: Bearer <apiKey>` on every connection; a read key suffices. */
  apiKey?: string
  /** First wait before reconnecting; doubles each failed attempt. Default 250. */
  minReconnectDelayMs?: number
  /** Longest wait between attempts. Default 10,000. */
  maxReconnectDelayMs?: number
  /** Reconnect when nothing (not even a ping) came for this long. Default 75,000: 2.5 server heartbeats. */
  idleTimeoutMs?: number
}

interface LiveEventMap {
  /** An event on a subscribed topic. */
  event: [LiveEvent]
  /** A reply to this client: welcome, authenticated, subscribed, unsubscribed, pong, error. */
  reply: [ServerMessage]
  /** Connected (again), key sent and subscriptions renewed. */
  open: [{ reconnected: boolean }]
  /** The connection ended; `reconnecting` follows unless close() was called. */
  close: [{ code: number; reason: string }]
  /** A new attempt is scheduled in `delayMs`. */
  reconnecting: [{ attempt: number; delayMs: number; error: string | null }]
}

type Operation = { type: 'subscribe'; topics: LiveTopic[]; budgetId?: string } | { type: 'unsubscribe'; topics?: LiveTopic[]; budgetId?: string }

export class LiveEvents extends EventEmitter<LiveEventMap> {
  private readonly url: string
  private readonly options: Required<Omit<LiveEventsOptions, 'apiKey' | 'baseUrl'>> & { apiKey: string | undefined }
  private socket: WebSocket | null = null
  private readonly operations: Operation[] = []
  private closed = false
  private attempt = 0
  private connections = 0
  private lastHeardMs = 0
  private retryTimer: NodeJS.Timeout | null = null
  private idleTimer: NodeJS.Timeout | null = null
  private lastError: string | null = null

  constructor(options: LiveEventsOptions) {
    super()
    this.url = liveUrl(options.baseUrl)
    this.options = {
      apiKey: options.apiKey,
      minReconnectDelayMs: options.minReconnectDelayMs ?? 250,
      maxReconnectDelayMs: options.maxReconnectDelayMs ?? 10_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 75_000,
    }
  }

  /** Whether a connection is open now. */
  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN
  }

  /** Connects; resolves once the first connection is open (retrying until it is). */
  connect(): Promise<void> {
    const opened = new Promise<void>((resolve) => this.once('open', () => resolve()))
    this.closed = false
    this.open()
    return opened
  }

  /** Subscribes to topics (default: all), optionally only for one budget; renewed on every reconnection. */
  subscribe(topics: readonly LiveTopic[] = ALL_TOPICS, budgetId?: string): void {
    this.apply({ type: 'subscribe', topics: [...topics], ...(budgetId !== undefined && { budgetId }) })
  }

  /** Stops topics (default: all), or only one budget of them. */
  unsubscribe(topics?: readonly LiveTopic[], budgetId?: string): void {
    this.apply({ type: 'unsubscribe', ...(topics !== undefined && { topics: [...topics] }), ...(budgetId !== undefined && { budgetId }) })
  }

  /** Asks the server for a pong (an application-level ping, answered with a `pong` reply). */
  ping(id?: string | number): void {
    this.send({ type: 'ping', ...(id !== undefined && { id }) })
  }

  /** Closes the connection and stops reconnecting. */
  async close(): Promise<void> {
    this.closed = true
    this.clearTimers()
    const socket = this.socket
    this.socket = null
    if (socket === null || socket.readyState === WebSocket.CLOSED) return
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve())
      socket.close(1000, 'client closing')
      // A server that does not answer the close handshake is not waited for.
      setTimeout(() => socket.terminate(), 1_000).unref()
    })
  }

  private apply(operation: Operation): void {
    this.operations.push(operation)
    this.send(operation)
  }

  private send(message: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message))
  }

  private open(): void {
    if (this.closed) return
    const headers: Record<string, string> = this.options.apiKey === undefined ? {} : { authorization: `Bearer ${this.options.apiKey}` }
    const socket = new WebSocket(this.url, { headers, handshakeTimeout: 10_000 })
    this.socket = socket
    socket.on('open', () => {
      this.attempt = 0
      this.heard()
      for (const operation of this.operations) socket.send(JSON.stringify(operation))
      this.startIdleTimer()
      this.emit('open', { reconnected: this.connections++ > 0 })
    })
    socket.on('message', (data) => {
      this.heard()
      let message: ServerMessage
      try {
        message = JSON.parse(data.toString()) as ServerMessage
      } catch {
        return
      }
      if (message.topic === null) this.emit('reply', message)
      else this.emit('event', message as LiveEvent)
    })
    socket.on('ping', () => this.heard())
    socket.on('error', (error) => {
      this.lastError = error.message
    })
    socket.on('close', (code, reason) => {
      if (this.socket === socket) this.socket = null
      this.clearTimers()
      this.emit('close', { code, reason: reason.toString() })
      this.scheduleReconnect()
    })
  }

  private scheduleReconnect(): void {
    if (this.closed) return
    const ceiling = Math.min(this.options.maxReconnectDelayMs, this.options.minReconnectDelayMs * 2 ** this.attempt)
    const delayMs = Math.round(ceiling / 2 + Math.random() * (ceiling / 2))
    this.attempt += 1
    this.emit('reconnecting', { attempt: this.attempt, delayMs, error: this.lastError })
    this.lastError = null
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.open()
    }, delayMs)
  }

  private heard(): void {
    this.lastHeardMs = Date.now()
  }

  private startIdleTimer(): void {
    const every = Math.max(10, Math.floor(this.options.idleTimeoutMs / 3))
    this.idleTimer = setInterval(() => {
      if (Date.now() - this.lastHeardMs > this.options.idleTimeoutMs) this.socket?.terminate()
    }, every)
    this.idleTimer.unref()
  }

  private clearTimers(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer)
    if (this.idleTimer !== null) clearInterval(this.idleTimer)
    this.retryTimer = null
    this.idleTimer = null
  }
}

/** `http://host:8013` → `ws://host:8013/ws`; a ws:// or wss:// URL is used as it is. */
export function liveUrl(baseUrl: string): string {
  const url = new URL(baseUrl)
  if (url.protocol === 'ws:' || url.protocol === 'wss:') return url.href
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/ws`
  return url.href
}
