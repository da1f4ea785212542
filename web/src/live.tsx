/**
 * Live events from `/ws`: one socket for the whole dashboard, authenticated with the
 * session's key, subscribed to every topic. It reconnects on its own (exponential backoff
 * with jitter, capped at 30 s; at once when the browser comes back online) and announces a
 * reconnection as a `live.resumed` event, so that pages reload what they may have missed.
 *
 * A socket is considered dead when nothing (not even a pong to our ping) arrived for
 * `STALE_MS`; it is then closed and replaced.
 */
import { createContext, type ComponentChildren } from 'preact'
import { useContext, useEffect, useRef, useState } from 'preact/hooks'
import type { LiveTopic, ServerMessage } from '../../src/domain/ws-message.js'
import { useSession } from './session.js'

export const ALL_TOPICS: LiveTopic[] = ['budget_events', 'budget_alerts', 'allocation_updates', 'price_updates', 'usage']

const PING_MS = 20_000
const STALE_MS = 50_000
const MAX_BACKOFF_MS = 30_000

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized' | 'off'

export interface LiveStatus {
  state: LiveState
  /** When the next attempt starts (reconnecting). */
  retryAt: number | null
  /** Events received since the page loaded. */
  received: number
}

export interface LiveEvent {
  type: string
  topic: LiveTopic | null
  payload: unknown
  timestamp: string
}

type Listener<T> = (value: T) => void

export class LiveConnection {
  private socket: WebSocket | null = null
  private attempts = 0
  private timers: ReturnType<typeof setTimeout>[] = []
  private pinger: ReturnType<typeof setInterval> | null = null
  private lastMessageAt = 0
  private stopped = false
  private hasBeenLive = false
  private readonly statusListeners = new Set<Listener<LiveStatus>>()
  private readonly eventListeners = new Set<Listener<LiveEvent>>()
  status: LiveStatus = { state: 'connecting', retryAt: null, received: 0 }

  constructor(
    private readonly key: string | null,
    private readonly url: string = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
  ) {}

  start(): void {
    window.addEventListener('online', this.reconnectNow)
    this.connect()
  }

  stop(): void {
    this.stopped = true
    window.removeEventListener('online', this.reconnectNow)
    this.clearTimers()
    this.socket?.close(1000, 'dashboard closed')
    this.socket = null
  }

  onStatus(listener: Listener<LiveStatus>): () => void {
    this.statusListeners.add(listener)
    return () => this.statusListeners.delete(listener)
  }

  onEvent(listener: Listener<LiveEvent>): () => void {
    this.eventListeners.add(listener)
    return () => this.eventListeners.delete(listener)
  }

  private setStatus(patch: Partial<LiveStatus>): void {
    this.status = { ...this.status, ...patch }
    for (const listener of this.statusListeners) listener(this.status)
  }

  private emit(event: LiveEvent): void {
    for (const listener of this.eventListeners) listener(event)
  }

  private send(message: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message))
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers = []
    if (this.pinger !== null) clearInterval(this.pinger)
    this.pinger = null
  }

  private readonly reconnectNow = (): void => {
    if (this.stopped || this.status.state === 'live' || this.status.state === 'unauthorized') return
    this.clearTimers()
    this.connect()
  }

  private connect(): void {
    if (this.stopped) return
    this.setStatus({ state: this.hasBeenLive || this.attempts > 0 ? 'reconnecting' : 'connecting', retryAt: null })
    const socket = new WebSocket(this.url)
    this.socket = socket
    socket.onopen = () => {
      this.lastMessageAt = Date.now()
      if (this.key !== null) this.send({ type: 'auth', apiKey: this.key })
      this.pinger = setInterval(() => {
        if (Date.now() - this.lastMessageAt > STALE_MS) socket.close(4000, 'no answer from the server')
        else this.send({ type: 'ping' })
      }, PING_MS)
    }
    socket.onmessage = (message) => {
      this.lastMessageAt = Date.now()
      this.handle(JSON.parse(String(message.data)) as ServerMessage)
    }
    socket.onclose = (event) => {
      if (this.socket !== socket) return
      this.socket = null
      this.clearTimers()
      if (this.stopped) return
      if (event.code === 4401) return this.setStatus({ state: 'unauthorized', retryAt: null })
      this.scheduleReconnect()
    }
  }

  private handle(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome': {
        const { authRequired } = message.payload as { authRequired: boolean }
        if (!authRequired) this.send({ type: 'subscribe', topics: ALL_TOPICS })
        return
      }
      case 'authenticated':
        return this.send({ type: 'subscribe', topics: ALL_TOPICS })
      case 'subscribed': {
        const resumed = this.hasBeenLive
        this.hasBeenLive = true
        this.attempts = 0
        this.setStatus({ state: 'live', retryAt: null })
        if (resumed) this.emit({ type: 'live.resumed', topic: null, payload: null, timestamp: new Date().toISOString() })
        return
      }
      case 'error': {
        const { code } = message.payload as { code: string }
        if (code === 'UNAUTHENTICATED') this.setStatus({ state: 'unauthorized', retryAt: null })
        return
      }
      case 'pong':
      case 'unsubscribed':
        return
      default:
        if (message.topic === null) return
        this.setStatus({ received: this.status.received + 1 })
        this.emit(message as LiveEvent)
    }
  }

  private scheduleReconnect(): void {
    const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.attempts)
    const delay = Math.round(base / 2 + Math.random() * (base / 2))
    this.attempts += 1
    this.setStatus({ state: 'reconnecting', retryAt: Date.now() + delay })
    this.timers.push(setTimeout(() => this.connect(), delay))
  }
}

const LiveContext = createContext<LiveConnection | null>(null)

/** Opens the socket once the session knows its key, and replaces it when the key changes. */
export function LiveProvider({ children }: { children: ComponentChildren }) {
  const { access, key } = useSession()
  const [connection, setConnection] = useState<LiveConnection | null>(null)
  const ready = access.state === 'ready'
  useEffect(() => {
    if (!ready) return
    const next = new LiveConnection(key)
    next.start()
    setConnection(next)
    return () => {
      next.stop()
      setConnection(null)
    }
  }, [ready, key])
  return <LiveContext.Provider value={connection}>{children}</LiveContext.Provider>
}

const OFF: LiveStatus = { state: 'off', retryAt: null, received: 0 }

export function useLiveStatus(): LiveStatus {
  const connection = useContext(LiveContext)
  const [status, setStatus] = useState<LiveStatus>(connection?.status ?? OFF)
  useEffect(() => {
    if (connection === null) return setStatus(OFF)
    setStatus(connection.status)
    return connection.onStatus(setStatus)
  }, [connection])
  return status
}

/**
 * Calls `handler` for every live event of `topics` (and for `live.resumed`). The handler
 * may change between renders without resubscribing.
 */
export function useLiveEvents(topics: readonly LiveTopic[], handler: (event: LiveEvent) => void): void {
  const connection = useContext(LiveContext)
  const latest = useRef(handler)
  latest.current = handler
  const wanted = topics.join(',')
  useEffect(() => {
    if (connection === null) return
    const set = new Set(wanted.split(','))
    return connection.onEvent((event) => {
      if (event.topic === null || set.has(event.topic)) latest.current(event)
    })
  }, [connection, wanted])
}
