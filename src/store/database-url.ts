/**
 * The database URLs the store takes — `sqlite:<path>` (or `sqlite::memory:`) and
 * `postgres://…` — read without loading either driver, so settings and the CLI can check
 * them cheaply.
 */
export const DATABASE_URL_PATTERN = /^(sqlite:|postgres(ql)?:\/\/)/

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url)
}

export function isSqliteUrl(url: string): boolean {
  return url.startsWith('sqlite:')
}

/** The file of a `sqlite:` URL; see config.ts for how the default path is made. */
export function sqlitePath(databaseUrl: string): string {
  return databaseUrl.replace(/^sqlite:(\/\/)?/, '')
}

/** The URL as shown and reported: without its password. */
export function withoutPassword(url: string): string {
  if (!isPostgresUrl(url)) return url
  const parsed = new URL(url)
  if (parsed.password !== '') parsed.password = '***'
  return parsed.toString()
}
