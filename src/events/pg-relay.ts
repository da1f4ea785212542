/**
 * Events across instances: every event published on this instance's bus is sent with
 * PostgreSQL NOTIFY, and every event another instance sent is published on this bus — so
 * an alert raised on instance A reaches the WebSocket clients of instance B.
 *
 * No echo: a notification carries the id of the instance that sent it, and an instance
 * ignores its own (PostgreSQL delivers a session's notifications to itself too); an event
 * republished from another instance is not sent again.
 *
 * Best effort, like the in-process bus: events are live updates, not records. Events that
 * arrive together share one NOTIFY (its payload is at most 8,000 bytes); an event too big
 * for one goes out with `payload: {truncated: true}`; while the connection is down
 * nothing is sent or heard, and it reconnects on its own.
 */
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import type { BudgetEvent, EventBus } from './bus.js'

export const EVENT_CHANNEL = 'tekton_budget_events'
/** PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7_900
const RECONNECT_MS = [100, 500, 2_000, 5_000]

interface Envelope {
  origin: string
  events: BudgetEvent[]
}

export interface EventRelay {
  /** This instance's id in notifications. */
  readonly origin: string
  /** Resolves once the relay is listening (and again after each reconnection). */
  ready(): Promise<void>
  close(): Promise<void>
}

export function startPgRelay(bus: EventBus, databaseUrl: string, onError: (error: unknown) => void = () => {}): EventRelay {
  const origin = randomUUID()
  let client: pg.Client | null = null
  let connecting: Promise<void> = Promise.resolve()
  let closed = false
  let republishing = false
  let pending: BudgetEvent[] = []
  let sending: Promise<void> = Promise.resolve()
  let attempt = 0

  // Every payload this instance sends starts so (see envelopes): its own come back unparsed.
  const ownPrefix = `{"origin":${JSON.stringify(origin)},`
  const receive = (message: pg.Notification) => {
    if (message.channel !== EVENT_CHANNEL || message.payload === undefined || message.payload.startsWith(ownPrefix)) return
    let envelope: Envelope
    try {
      envelope = JSON.parse(message.payload) as Envelope
    } catch (error) {
      onError(error)
      return
    }
    if (envelope.origin === origin) return
    republishing = true
    try {
      for (const event of envelope.events) bus.publish({ ...event, remote: true })
    } finally {
      republishing = false
    }
  }

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: databaseUrl, application_name: 'tekton-budget-events' })
    next.on('notification', receive)
    next.on('error', (error) => {
      onError(error)
      if (client === next) reconnect()
    })
    next.on('end', () => {
      if (client === next) reconnect()
    })
    await next.connect()
    await next.query(`listen ${EVENT_CHANNEL}`)
    if (closed) {
      await next.end()
      return
    }
    client = next
    attempt = 0
  }

  const reconnect = () => {
    client = null
    if (closed) return
    const delay = RECONNECT_MS[Math.min(attempt++, RECONNECT_MS.length - 1)] as number
    connecting = new Promise<void>((resolve) => setTimeout(resolve, delay).unref())
      .then(connect)
      .catch((error: unknown) => {
        onError(error)
        reconnect()
      })
  }

  const flush = async () => {
    const events = pending
    pending = []
    const current = client
    if (current === null || events.length === 0) return
    for (const payload of envelopes(origin, events)) {
      try {
        await current.query('select pg_notify($1, $2)', [EVENT_CHANNEL, payload])
      } catch (error) {
        onError(error)
        return
      }
    }
  }

  const unsubscribe = bus.subscribe((event) => {
    if (republishing || closed) return
    pending.push(event)
    // One query at a time on the connection; events that arrive meanwhile go together.
    if (pending.length === 1) sending = sending.then(flush)
  })

  connecting = connect().catch((error: unknown) => {
    onError(error)
    reconnect()
  })

  return {
    origin,
    ready: () => connecting,
    async close() {
      closed = true
      unsubscribe()
      await sending
      await connecting
      const last = client
      client = null
      await last?.end().catch(() => {})
    },
  }
}

/** Packs events into as few NOTIFY payloads as fit, each under the size limit. */
function envelopes(origin: string, events: readonly BudgetEvent[]): string[] {
  const out: string[] = []
  let batch: string[] = []
  const open = `{"origin":${JSON.stringify(origin)},"events":[`
  const close = ']}'
  let size = Buffer.byteLength(open) + close.length
  const emit = () => {
    if (batch.length > 0) out.push(open + batch.join(',') + close)
    batch = []
    size = Buffer.byteLength(open) + close.length
  }
  for (const event of events) {
    let json = JSON.stringify(event)
    let bytes = Buffer.byteLength(json)
    if (bytes + Buffer.byteLength(open) + close.length > MAX_PAYLOAD_BYTES) {
      json = JSON.stringify({ ...event, payload: { truncated: true } })
      bytes = Buffer.byteLength(json)
    }
    if (size + bytes + 1 > MAX_PAYLOAD_BYTES) emit()
    batch.push(json)
    size += bytes + 1
  }
  emit()
  return out
}
