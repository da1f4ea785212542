/**
 * From command-line text to the engine's input: option value parsers (a bad number is a
 * usage error, exit 2) and validation of the assembled request by its domain schema, with
 * each issue named by the flag that supplies the field.
 *
 * No defaults and no rules of its own: those are the schemas'.
 */
import { InvalidArgumentError } from 'commander'
import type { z } from 'zod'
import { BudgetError } from '../domain/errors.js'

/** A whole number ≥ 0, e.g. `--input-tokens 1200` (underscores and commas allowed: 1_000, 1,000). */
export function integer(value: string): number {
  const cleaned = value.replace(/[_,]/g, '')
  if (!/^\d+$/.test(cleaned)) throw new InvalidArgumentError(`expected a whole number, got ${JSON.stringify(value)}`)
  const n = Number(cleaned)
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${value} is too large`)
  return n
}

/** A decimal number, e.g. `--cost 12.50` or `--warning 0.8`; a leading `$` is accepted. */
export function decimal(value: string): number {
  const cleaned = value.replace(/^\$/, '')
  const n = Number(cleaned)
  if (cleaned.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got ${JSON.stringify(value)}`)
  return n
}

/** Collects a repeatable option into a list: `--tag a --tag b`, or `--tag a,b`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)]
}

/** A JSON object, e.g. `--metadata '{"run":"42"}'`. */
export function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    throw new InvalidArgumentError(`expected a JSON object, got ${JSON.stringify(value)}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError('expected a JSON object')
  return parsed as Record<string, unknown>
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/**
 * Parses `value` with a domain schema. A failure is VALIDATION_FAILED (exit 2) whose
 * message names the flag behind each field: `flags` maps a field path (`scope.provider`)
 * to its flag; other fields are shown as `--kebab-case` of their last key. With
 * `'fields'` (input read from a file) issues name the field paths instead.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, flags: Record<string, string> | 'fields' = {}, what = 'request'): z.output<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))
    const key = path.join('.')
    const last = path.findLast((p) => typeof p === 'string')
    const flag = flags === 'fields' ? key || '(record)' : (flags[key] ?? (last === undefined ? what : `--${kebab(String(last))}`))
    return { path, flag, message: issue.message }
  })
  const message = issues
    .slice(0, 5)
    .map((i) => `${i.flag}: ${i.message}`)
    .join('; ')
  return failValidation(`invalid ${what}: ${message}`, issues)
}

function failValidation(message: string, issues: unknown[]): never {
  throw new BudgetError('VALIDATION_FAILED', message, { issues })
}
