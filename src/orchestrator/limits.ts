/**
 * Budget limits as people write them: token counts `50000`, `50_000`, `50k`, `1.5M`, `2B`;
 * per-command budgets `/analyze=50k`; dollar amounts `2.50` or `$2.50`.
 *
 * Owns "a limit is a positive whole number": zero, negative, fractional token counts
 * (`1.5` — but `1.5k` is 1500), unknown suffixes and missing parts are errors that say
 * what was wrong with which value. Throws BudgetError VALIDATION_FAILED (exit 2).
 */
import { BudgetError } from '../domain/errors.js'
import { usdToNano } from '../domain/money.js'

const SUFFIX: Record<string, number> = { '': 1, k: 1_000, m: 1_000_000, b: 1_000_000_000 }
const TOKENS = /^([+-]?)(\d+(?:\.\d+)?|\.\d+)([kmb]?)$/i

const invalid = (message: string, details: Record<string, unknown>) => new BudgetError('VALIDATION_FAILED', message, details)

/**
 * A token limit: `50000`, `50_000`, `50,000`, `50k`, `1.5M`, `2b`.
 * @throws BudgetError VALIDATION_FAILED for zero, negative, fractional or malformed values.
 */
export function parseTokenLimit(text: string, what = 'token limit'): number {
  const cleaned = text.trim().replace(/[_,]/g, '')
  const match = TOKENS.exec(cleaned)
  if (match === null) throw invalid(`${what} ${JSON.stringify(text)} is not a token count (e.g. 50000, 50k, 1.5M)`, { value: text })
  const [, sign, digits, suffix] = match as unknown as [string, string, string, string]
  const value = Number(digits) * (SUFFIX[suffix.toLowerCase()] ?? 1)
  if (sign === '-' || value <= 0) throw invalid(`${what} must be positive, got ${text}`, { value: text })
  if (!Number.isInteger(value)) throw invalid(`${what} ${text} is not a whole number of tokens`, { value: text })
  if (!Number.isSafeInteger(value)) throw invalid(`${what} ${text} is too large`, { value: text })
  return value
}

export interface CommandBudget {
  /** The command as written, e.g. `/analyze`. */
  command: string
  tokens: number
}

/**
 * `--command-budget /analyze=50k`: the command (its first word; a leading `/` is optional
 * when matching) and its limit.
 */
export function parseCommandBudget(text: string): CommandBudget {
  const at = text.lastIndexOf('=')
  const command = at === -1 ? '' : text.slice(0, at).trim()
  const limit = at === -1 ? '' : text.slice(at + 1).trim()
  if (command === '' || limit === '' || /\s/.test(command)) {
    throw invalid(`--command-budget ${JSON.stringify(text)} is not command=limit (e.g. /analyze=50k)`, { value: text })
  }
  return { command, tokens: parseTokenLimit(limit, `--command-budget ${command}`) }
}

/** A cost limit in USD, `2.50` or `$2.50`, as integer nano-USD. */
export function parseUsdLimit(text: string, what = '--cost-budget'): number {
  const cleaned = text.trim().replace(/^\$/, '')
  const value = Number(cleaned)
  if (cleaned === '' || !/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(cleaned) || !Number.isFinite(value)) {
    throw invalid(`${what} ${JSON.stringify(text)} is not an amount in USD (e.g. 2.50)`, { value: text })
  }
  if (value <= 0) throw invalid(`${what} must be positive, got ${text}`, { value: text })
  if (value > 9_000_000) throw invalid(`${what} ${text} is too large`, { value: text })
  return usdToNano(value)
}

/** The key a budget is kept under: the command's first word, without a leading `/`, lower-cased. */
export function budgetKeyOf(command: string): string {
  const first = command.trim().split(/\s+/, 1)[0] ?? ''
  return first.replace(/^\//, '').toLowerCase()
}
