/**
 * Resource subscriptions: a client subscribes to a URI and is sent
 * `notifications/resources/updated` whenever that resource's fingerprint changes.
 *
 * What prompts a look: an event on one of the resource's topics from the event bus (the
 * same events the WebSocket carries), the end of the earliest window the resource shows
 * (a new window starts with nothing having to happen), and — when there is no bus, as
 * with a remote server — a poll. Looks are coalesced: however many events arrive, one
 * look per resource runs at a time, and one more after it if events came meanwhile. A
 * resource that something else derives from the events (alerts, raised by the alert
 * evaluator after the usage event) is looked at `settleMs` after the event instead.
 * Nothing listens while nothing is subscribed.
 *
 * Owns no notion of what changed: resources.ts says what a fingerprint is.
 */
import type { BudgetEvent, Topic } from '../events/bus.js'

export interface Watchable {
  readonly topics: readonly Topic[]
  /** Look this long after an event rather than at once: for state that something else derives from the event. */
  readonly settleMs?: number
  fingerprint(): Promise<{ key: string; nextChangeMs: number | null }>
}

export interface EventSource {
  subscribe(listener: (event: BudgetEvent) => void): () => void
}

export interface WatcherOptions {
  resolve(uri: string): Watchable | null
  notify(uri: string): Promise<void>
  /** In-process events; without them every subscription is polled. */
  events?: EventSource | undefined
  pollMs: number
  onError(error: unknown): void
}

interface Watch {
  resource: Watchable
  key: string | null
  timer: NodeJS.Timeout | null
  settling: NodeJS.Timeout | null
}

/** setTimeout takes at most 2^31-1 ms; a far window end is looked at again after a day. */
const MAX_TIMER_MS = 24 * 3600 * 1000

export class ResourceWatcher {
  private readonly watches = new Map<string, Watch>()
  private readonly dirty = new Set<string>()
  /** Listening (to the bus, or a poll timer) only while something is subscribed. */
  private stopListening: (() => void) | null = null
  private scheduled = false
  private running = false
  private closed = false

  constructor(private readonly options: WatcherOptions) {}

  private listen(): void {
    if (this.stopListening !== null || this.closed) return
    const { events, pollMs } = this.options
    if (events !== undefined) {
      this.stopListening = events.subscribe((event) => this.onEvent(event))
    } else {
      const poll = setInterval(() => this.markAll(), pollMs).unref()
      this.stopListening = () => clearInterval(poll)
    }
  }

  private stopIfIdle(): void {
    if (this.watches.size > 0) return
    this.stopListening?.()
    this.stopListening = null
  }

  /** Starts watching; resolves once the current state is known, so only later changes notify. */
  async subscribe(uri: string): Promise<boolean> {
    const resource = this.options.resolve(uri)
    if (resource === null) return false
    if (this.watches.has(uri)) return true
    const watch: Watch = { resource, key: null, timer: null, settling: null }
    this.watches.set(uri, watch)
    this.listen()
    await this.look(uri, watch, false)
    return true
  }

  unsubscribe(uri: string): void {
    const watch = this.watches.get(uri)
    if (watch?.timer) clearTimeout(watch.timer)
    if (watch?.settling) clearTimeout(watch.settling)
    this.watches.delete(uri)
    this.dirty.delete(uri)
    this.stopIfIdle()
  }

  close(): void {
    this.closed = true
    for (const uri of [...this.watches.keys()]) this.unsubscribe(uri)
    this.stopIfIdle()
  }

  private onEvent(event: BudgetEvent): void {
    for (const [uri, watch] of this.watches) {
      if (!watch.resource.topics.includes(event.topic)) continue
      if (watch.resource.settleMs === undefined) this.mark(uri)
      else if (watch.settling === null) {
        watch.settling = setTimeout(() => {
          watch.settling = null
          this.mark(uri)
        }, watch.resource.settleMs).unref()
      }
    }
  }

  private markAll(): void {
    for (const uri of this.watches.keys()) this.mark(uri)
  }

  private mark(uri: string): void {
    this.dirty.add(uri)
    if (this.scheduled || this.running || this.closed) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      void this.flush()
    })
  }

  private async flush(): Promise<void> {
    this.running = true
    try {
      while (this.dirty.size > 0 && !this.closed) {
        const uris = [...this.dirty]
        this.dirty.clear()
        for (const uri of uris) {
          const watch = this.watches.get(uri)
          if (watch) await this.look(uri, watch, true)
        }
      }
    } finally {
      this.running = false
    }
  }

  private async look(uri: string, watch: Watch, notify: boolean): Promise<void> {
    let state: { key: string; nextChangeMs: number | null }
    try {
      state = await watch.resource.fingerprint()
    } catch (error) {
      this.options.onError(error)
      return
    }
    if (this.watches.get(uri) !== watch) return
    const changed = watch.key !== null && watch.key !== state.key
    watch.key = state.key
    if (watch.timer) clearTimeout(watch.timer)
    watch.timer = null
    if (state.nextChangeMs !== null) {
      // A millisecond past the end: the window at its end is the next one.
      const delay = Math.min(Math.max(0, state.nextChangeMs - Date.now() + 1), MAX_TIMER_MS)
      watch.timer = setTimeout(() => this.mark(uri), delay).unref()
    }
    if (changed && notify) {
      try {
        await this.options.notify(uri)
      } catch (error) {
        this.options.onError(error)
      }
    }
  }
}
