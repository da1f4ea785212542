/**
 * Client-side routes on the History API: every page and its filters live in the URL
 * (path + query string), so a view can be bookmarked, shared and reloaded. The server
 * answers each page path with index.html (src/api/static.ts); the list of pages is in
 * pages.ts and must match its CLIENT_ROUTES.
 */
import type { AnchorHTMLAttributes, TargetedMouseEvent } from 'preact'
import { useEffect, useState } from 'preact/hooks'

export interface Location {
  path: string
  query: URLSearchParams
}

const current = (): Location => ({ path: location.pathname, query: new URLSearchParams(location.search) })
const listeners = new Set<() => void>()

window.addEventListener('popstate', () => {
  for (const listener of listeners) listener()
})

/** Goes to `href` (same origin) without reloading; `replace` keeps history short for filter changes. */
export function navigate(href: string, replace = false): void {
  if (href === location.pathname + location.search) return
  if (replace) history.replaceState(null, '', href)
  else history.pushState(null, '', href)
  for (const listener of listeners) listener()
  if (!replace) window.scrollTo(0, 0)
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(current)
  useEffect(() => {
    const update = () => setLoc(current())
    listeners.add(update)
    return () => {
      listeners.delete(update)
    }
  }, [])
  return loc
}

/** Reads a query parameter and writes it back to the URL (replacing the history entry). */
export function useQueryParam(name: string, fallback: string): [string, (value: string) => void] {
  const { query } = useLocation()
  const value = query.get(name) ?? fallback
  const set = (next: string) => {
    const params = new URLSearchParams(location.search)
    if (next === fallback) params.delete(name)
    else params.set(name, next)
    const search = params.toString()
    navigate(`${location.pathname}${search ? `?${search}` : ''}`, true)
  }
  return [value, set]
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }

/** An ordinary link that the router follows without a reload (middle-click and Ctrl-click still open a tab). */
export function Link(props: LinkProps) {
  const onClick = (event: TargetedMouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    event.preventDefault()
    navigate(props.href)
  }
  return <a {...props} onClick={onClick} />
}
