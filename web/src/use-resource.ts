/**
 * Data a page shows: loaded when the page (or its filters, `deps`) changes, reloaded in
 * the background when a live event of `topics` arrives. Bursts of events cost one reload
 * (at most one every RELOAD_MS, and never two at once), and a reload keeps the old data
 * on screen until the new data is there, so live numbers change without flicker.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import type { LiveTopic } from '../../src/domain/ws-message.js'
import { ApiError } from './api.js'
import { type LiveEvent, useLiveEvents } from './live.js'
import { useSession } from './session.js'

const RELOAD_MS = 300

export interface Resource<T> {
  data: T | undefined
  error: Error | null
  /** True until the first answer for the current deps. */
  loading: boolean
  reload(): void
}

export interface LiveReload {
  topics: readonly LiveTopic[]
  /** Only these events reload (default: every event of the topics). */
  when?: (event: LiveEvent) => boolean
}

export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[], live?: LiveReload): Resource<T> {
  const { recheck } = useSession()
  const [state, setState] = useState<{ data: T | undefined; error: Error | null; loading: boolean }>({ data: undefined, error: null, loading: true })
  const [generation, setGeneration] = useState(0)
  const loader = useRef(load)
  loader.current = load
  const inFlight = useRef(false)
  const queued = useRef(false)
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)

  useEffect(() => {
    const controller = new AbortController()
    inFlight.current = true
    setState((s) => (s.data === undefined && !s.loading ? { ...s, loading: true } : s))
    loader
      .current(controller.signal)
      .then(
        (data) => setState({ data, error: null, loading: false }),
        (error: Error) => {
          if (controller.signal.aborted) return
          if (error instanceof ApiError && error.status === 401) recheck()
          setState((s) => ({ data: s.data, error, loading: false }))
        },
      )
      .finally(() => {
        inFlight.current = false
        if (queued.current && !controller.signal.aborted) {
          queued.current = false
          setGeneration((g) => g + 1)
        }
      })
    return () => controller.abort()
  }, [...deps, generation])

  // A new set of deps starts from nothing: the old data belongs to other filters.
  useEffect(() => () => setState({ data: undefined, error: null, loading: true }), deps)

  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current)
    },
    [],
  )

  const reload = () => {
    if (inFlight.current) {
      queued.current = true
      return
    }
    setGeneration((g) => g + 1)
  }

  useLiveEvents(live?.topics ?? [], (event) => {
    if (live === undefined) return
    if (event.type !== 'live.resumed' && live.when !== undefined && !live.when(event)) return
    if (timer.current !== null) return
    timer.current = setTimeout(() => {
      timer.current = null
      reload()
    }, RELOAD_MS)
  })

  return { ...state, reload }
}
