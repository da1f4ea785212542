/**
 * The subscription watcher on its own: when it looks again and when it notifies, with a
 * resource whose state the test sets.
 */
import { describe, expect, it } from 'vitest'
import { EventBus } from '../../src/events/bus.js'
import { ResourceWatcher, type Watchable } from '../../src/mcp/subscriptions.js'

/** A resource whose fingerprint is whatever `state.key` says, and which counts its looks. */
function aResource(state: { key: string; nextChangeMs: number | null; looks: number }): Watchable {
  return {
    topics: ['usage'],
    async fingerprint() {
      state.looks += 1
      return { key: state.key, nextChangeMs: state.nextChangeMs }
    },
  }
}

function aWatcher(resource: Watchable, events?: EventBus, pollMs = 60_000) {
  const notified: string[] = []
  let onNotify: () => void = () => {}
  const watcher = new ResourceWatcher({
    resolve: (uri) => (uri === 'test://r' ? resource : null),
    notify: async (uri) => {
      notified.push(uri)
      onNotify()
    },
    events,
    pollMs,
    onError: (error) => {
      throw error
    },
  })
  const nextNotification = () => new Promise<void>((resolve) => (onNotify = resolve))
  return { watcher, notified, nextNotification }
}

const usageEvent = { type: 'usage.recorded', topic: 'usage' as const, budgetId: null, payload: {} }

describe('ResourceWatcher', () => {
  it('notifies when an event on its topic changes the fingerprint, and not for the state it subscribed to', async () => {
    const state = { key: 'ok', nextChangeMs: null, looks: 0 }
    const events = new EventBus()
    const { watcher, notified, nextNotification } = aWatcher(aResource(state), events)
    await watcher.subscribe('test://r')

    state.key = 'warning'
    const notification = nextNotification()
    events.publish(usageEvent)
    await notification

    expect(notified).toEqual(['test://r'])
    watcher.close()
  })

  it('looks again when the window it shows ends, with no event', async () => {
    const state: { key: string; nextChangeMs: number | null; looks: number } = { key: 'window-1', nextChangeMs: Date.now(), looks: 0 }
    const { watcher, notified, nextNotification } = aWatcher(aResource(state), new EventBus())
    const notification = nextNotification()

    state.key = 'window-2'
    await watcher.subscribe('test://r')
    // The subscription saw window-2 already; the timer's look must see a change to notify.
    state.key = 'window-3'
    state.nextChangeMs = null
    await notification

    expect(notified).toEqual(['test://r'])
    watcher.close()
  })

  it('polls when it has no events', async () => {
    const state = { key: 'a', nextChangeMs: null, looks: 0 }
    const { watcher, nextNotification } = aWatcher(aResource(state), undefined, 5)
    await watcher.subscribe('test://r')

    state.key = 'b'
    await nextNotification()

    expect(state.looks).toBeGreaterThanOrEqual(2)
    watcher.close()
  })

  it('refuses a URI that names no resource and stops looking once unsubscribed', async () => {
    const state = { key: 'a', nextChangeMs: null, looks: 0 }
    const events = new EventBus()
    const { watcher, notified } = aWatcher(aResource(state), events)

    expect(await watcher.subscribe('test://unknown')).toBe(false)
    await watcher.subscribe('test://r')
    watcher.unsubscribe('test://r')
    state.key = 'b'
    events.publish(usageEvent)
    await new Promise((resolve) => setImmediate(resolve))

    expect(state.looks).toBe(1)
    expect(notified).toEqual([])
    watcher.close()
  })
})
