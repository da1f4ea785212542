/**
 * The dashboard's HTTP client: JSON over fetch to the same origin, with the API key of this
 * browser session, and the API's error envelope turned into an ApiError that keeps the code,
 * the message and each field issue (so forms can show them beside their inputs).
 */

const KEY_STORAGE = 'tekton-budget.apiKey'

export interface FieldIssue {
  path: (string | number)[]
  message: string
}

export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message)
  }

  /** Field issues of a VALIDATION_FAILED answer, without the `body` prefix. */
  get issues(): FieldIssue[] {
    const issues = (this.details as { issues?: FieldIssue[] }).issues ?? []
    return issues.map((i) => ({ ...i, path: i.path[0] === 'body' ? i.path.slice(1) : i.path }))
  }

  /** The route is not on this server (an older or newer service). */
  get isMissingRoute(): boolean {
    return this.status === 404 && this.message.startsWith('no route')
  }
}

export const storedKey = (): string | null => sessionStorage.getItem(KEY_STORAGE)
export const storeKey = (key: string | null): void => (key === null ? sessionStorage.removeItem(KEY_STORAGE) : sessionStorage.setItem(KEY_STORAGE, key))

type QueryValue = string | number | boolean | null | undefined | readonly string[]
export type Query = Record<string, QueryValue>

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === '') continue
    params.set(name, Array.isArray(value) ? value.join(',') : String(value))
  }
  const text = params.toString()
  return text === '' ? path : `${path}?${text}`
}

function headers(json: boolean, key: string | null = storedKey()): Record<string, string> {
  return { accept: 'application/json', ...(json && { 'content-type': 'application/json' }), ...(key !== null && { authorization: `Bearer ${key}` }) }
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text()
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string; details?: Record<string, unknown> } }
    return new ApiError(response.status, error.code, error.message, error.details)
  } catch {
    return new ApiError(response.status, response.status >= 500 ? 'INTERNAL' : 'HTTP_ERROR', `the service answered ${response.status} ${response.statusText}`)
  }
}

export interface RequestOptions {
  query?: Query
  body?: unknown
  signal?: AbortSignal
  /** Use this key instead of the session's (to try a key before keeping it). */
  key?: string | null
}

export async function request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
  let response: Response
  try {
    response = await fetch(withQuery(path, options.query), {
      method,
      headers: headers(options.body !== undefined, options.key === undefined ? storedKey() : options.key),
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
    })
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error
    throw new ApiError(0, 'UNREACHABLE', 'the service cannot be reached; is `budget serve` running?')
  }
  if (!response.ok) throw await errorOf(response)
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { ...(query && { query }), ...(signal && { signal }) })
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} })
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, { body })
export const del = (path: string) => request<void>('DELETE', path)

/** Downloads an export (a report with `format`) as a file, sending the session's key. */
export async function download(path: string, query: Query): Promise<void> {
  const response = await fetch(withQuery(path, query), { headers: headers(false) })
  if (!response.ok) throw await errorOf(response)
  const name = /filename="?([^";]+)"?/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'export'
  const url = URL.createObjectURL(await response.blob())
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** Encodes one path segment (ids and model names may hold `/`). */
export const seg = (value: string) => encodeURIComponent(value)
