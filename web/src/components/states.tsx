/**
 * Loading, error and empty states. Each says what is going on and what to do next: a new
 * user meets these before any data, so they name the command or the page that fills them.
 */
import type { ComponentChildren } from 'preact'
import { ApiError } from '../api.js'
import type { Resource } from '../use-resource.js'

export function Loading({ what }: { what: string }) {
  return (
    <div class="state loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  )
}

function advice(error: Error): string | null {
  if (!(error instanceof ApiError)) return 'Reload the page; if it keeps failing, the service log (budget serve) says why.'
  if (error.code === 'UNREACHABLE') return 'Start the service with `budget serve` (or check the address), then retry.'
  if (error.status === 403) return 'Your API key does not allow this; sign in with a key that has a higher role.'
  if (error.isMissingRoute) return 'This service does not offer this yet: it needs a newer version of Tekton Budget.'
  if (error.status >= 500) return 'The service failed; its log has the details.'
  return null
}

export function ErrorNotice({ error, what, onRetry }: { error: Error; what: string; onRetry?: () => void }) {
  const hint = advice(error)
  return (
    <div class="state error" role="alert">
      <strong>Could not load {what}.</strong> {error.message}
      {hint && <p class="hint">{hint}</p>}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  )
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state empty">
      <p class="empty-title">{title}</p>
      {children}
    </div>
  )
}

/** A command to copy into a terminal. */
export const Command = ({ children }: { children: string }) => (
  <pre class="command">
    <code>{children}</code>
  </pre>
)

/**
 * Renders `children(data)` once a resource has data; until then its loading or error
 * state. An error on a background reload keeps the data and shows a notice above it.
 */
export function Loaded<T>({ resource, what, children }: { resource: Resource<T>; what: string; children: (data: T) => ComponentChildren }) {
  if (resource.data === undefined) {
    if (resource.error) return <ErrorNotice error={resource.error} what={what} onRetry={resource.reload} />
    return <Loading what={what} />
  }
  return (
    <>
      {resource.error && <ErrorNotice error={resource.error} what={`the latest ${what}`} onRetry={resource.reload} />}
      {children(resource.data)}
    </>
  )
}
