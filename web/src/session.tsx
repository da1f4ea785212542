/**
 * Who is looking: whether the service wants an API key, and the role of the key this
 * browser session holds. The key lives in sessionStorage (gone when the tab closes), never
 * in localStorage or a cookie.
 *
 * The role is learnt without a special endpoint: GET /api/v1/keys answers 200 to an admin
 * (or to anyone while the service is open, with no key created), 403 naming the key's role
 * to the others, and 401 when a key is needed or the key is not valid.
 */
import { createContext, type ComponentChildren } from 'preact'
import { useCallback, useContext, useEffect, useMemo, useState } from 'preact/hooks'
import type { Role } from '../../src/domain/api-key.js'
import { ApiError, request, storedKey, storeKey } from './api.js'

export type Access =
  | { state: 'checking' }
  | { state: 'needs-key'; problem: string | null }
  | { state: 'unreachable'; problem: string }
  | { state: 'ready'; role: Role; open: boolean }

async function probe(key: string | null): Promise<Access> {
  try {
    await request('GET', '/api/v1/keys', { key })
    return { state: 'ready', role: 'admin', open: key === null }
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    if (error.status === 403) return { state: 'ready', role: ((error.details as { has?: Role }).has ?? 'read'), open: false }
    if (error.status === 401) return { state: 'needs-key', problem: key === null ? null : 'That key is unknown or revoked.' }
    return { state: 'unreachable', problem: error.message }
  }
}

export interface Session {
  access: Access
  key: string | null
  /** May record, create and acknowledge (write or admin). */
  canWrite: boolean
  /** May approve prices and manage keys. */
  isAdmin: boolean
  signIn(key: string): Promise<boolean>
  signOut(): void
  /** Asks again (after the service came back, or after a 401). */
  recheck(): void
}

const SessionContext = createContext<Session | null>(null)

export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [access, setAccess] = useState<Access>({ state: 'checking' })
  const [key, setKey] = useState<string | null>(storedKey())
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    let live = true
    probe(key).then((next) => {
      if (!live) return
      if (next.state === 'needs-key' && key !== null) {
        storeKey(null)
        setKey(null)
      }
      setAccess(next)
    })
    return () => {
      live = false
    }
  }, [key, attempt])

  const signIn = useCallback(async (candidate: string) => {
    const next = await probe(candidate)
    if (next.state !== 'ready') {
      setAccess(next)
      return false
    }
    storeKey(candidate)
    setKey(candidate)
    setAccess(next)
    return true
  }, [])

  const signOut = useCallback(() => {
    storeKey(null)
    setKey(null)
    setAccess({ state: 'checking' })
  }, [])

  const recheck = useCallback(() => setAttempt((n) => n + 1), [])

  const session = useMemo<Session>(() => {
    const role = access.state === 'ready' ? access.role : 'read'
    return { access, key, canWrite: access.state === 'ready' && role !== 'read', isAdmin: access.state === 'ready' && role === 'admin', signIn, signOut, recheck }
  }, [access, key, signIn, signOut, recheck])

  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>
}

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (session === null) throw new Error('useSession outside SessionProvider')
  return session
}
