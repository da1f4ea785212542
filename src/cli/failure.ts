/**
 * From a failure to what the user sees and the exit code: 2 for usage (bad flags, a bad
 * setting or one a flag must override, input refused as VALIDATION_FAILED), 1 for
 * everything else. The
 * message goes to stderr with its code; the stack only with --debug.
 */
import { CommanderError } from 'commander'
import { ZodError } from 'zod'
import { ConfigError } from '../config.js'
import { BudgetError } from '../domain/errors.js'
import { EXIT } from './context.js'
import type { Output } from './output.js'

/** A refusal that a setting or flag fixes: a bad setting, or a public address without --insecure. */
const isSettingError = (error: unknown) => error instanceof ConfigError || (error instanceof Error && error.name === 'InsecureHostError')

/** Node's system errors (EADDRINUSE, EACCES, …) carry their own code. */
const systemCode = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage
  if (isSettingError(error) || error instanceof ZodError) return EXIT.usage
  if (error instanceof BudgetError) return error.code === 'VALIDATION_FAILED' ? EXIT.usage : EXIT.error
  return EXIT.error
}

/** Reports a failure and returns the exit code. Commander has already printed its own usage errors. */
export function reportFailure(error: unknown, out: Output, debug: boolean): number {
  const code = exitCodeOf(error)
  const stack = debug && error instanceof Error ? error.stack : undefined
  if (error instanceof CommanderError) {
    if (code !== EXIT.ok && out.json) out.error(error.message.replace(/^error: /, ''), 'VALIDATION_FAILED', { commander: error.code })
  } else if (error instanceof BudgetError) {
    out.error(error.message, error.code, error.details ?? {}, stack)
  } else if (isSettingError(error)) {
    out.error((error as Error).message, 'VALIDATION_FAILED', {}, stack)
  } else if (error instanceof ZodError) {
    out.error(error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), 'VALIDATION_FAILED', { issues: error.issues }, stack)
  } else if (systemCode(error) !== undefined) {
    out.error((error as Error).message, 'INTERNAL', { code: systemCode(error) }, stack)
  } else {
    const message = error instanceof Error ? error.message : String(error)
    out.error(debug ? message : `${message} (run with --debug for the stack trace)`, 'INTERNAL', {}, stack)
  }
  return code
}
