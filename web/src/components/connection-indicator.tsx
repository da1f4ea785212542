/** Whether live updates flow: a dot and a word (never colour alone), announced politely when it changes. */
import { useEffect, useState } from 'preact/hooks'
import { useLiveStatus } from '../live.js'

const WORDS = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting', unauthorized: 'Live updates refused', off: 'Offline' } as const
const TONES = { connecting: 'warn', live: 'ok', reconnecting: 'warn', unauthorized: 'bad', off: 'bad' } as const

export function ConnectionIndicator() {
  const status = useLiveStatus()
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    if (status.retryAt === null) return
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [status.retryAt])
  const seconds = status.retryAt === null ? null : Math.max(0, Math.ceil((status.retryAt - now) / 1000))
  const title =
    status.state === 'live'
      ? 'Figures update as events arrive over /ws'
      : status.state === 'unauthorized'
        ? 'The server refused the live connection: sign in again'
        : 'Figures may be stale until the live connection is back'
  return (
    <div class={`connection connection-${TONES[status.state]}`} role="status" aria-live="polite" title={title} data-testid="connection" data-state={status.state}>
      <span class="dot" aria-hidden="true" />
      {WORDS[status.state]}
      {seconds !== null && status.state === 'reconnecting' && <span class="muted"> in {seconds} s</span>}
    </div>
  )
}
