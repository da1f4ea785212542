/**
 * Keyset cursors of grouped report rows: the bucket start and the dimension values of the
 * last row a page showed. The next page starts strictly after that key, so no row is
 * shown twice or skipped however many records arrive between pages (a row already shown
 * may grow; it is not shown again).
 *
 * A cursor carries a fingerprint of what shapes the key (granularity, dimensions, zone,
 * rollup), so that one from another report is refused instead of misread.
 */
import { createHash } from 'node:crypto'
import { BudgetError } from '../domain/errors.js'

export interface RowKey {
  bucketMs: number
  values: string[]
}

export const fingerprintOf = (parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 10)

export const encodeCursor = (fingerprint: string, key: RowKey) => Buffer.from(JSON.stringify([fingerprint, key.bucketMs, ...key.values])).toString('base64url')

export function decodeCursor(cursor: string, fingerprint: string, valueCount: number): RowKey {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString())
  } catch {
    parsed = null
  }
  if (Array.isArray(parsed) && parsed.length === valueCount + 2 && parsed[0] === fingerprint && Number.isSafeInteger(parsed[1])) {
    const values = parsed.slice(2)
    if (values.every((v) => typeof v === 'string')) return { bucketMs: parsed[1] as number, values: values as string[] }
  }
  throw new BudgetError('VALIDATION_FAILED', `cursor ${cursor} is not one this report gave out (a cursor only continues the report that made it)`, { path: ['cursor'] })
}
