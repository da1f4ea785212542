/**
 * The `log` channel: one structured line in the service log per alert — `error` for
 * critical alerts, `warn` for warnings, `info` otherwise.
 */
import type { Alert } from '../../domain/alert.js'
import type { ChannelRow } from '../../store/channels.js'
import type { AlertLog, AttemptOutcome, SendContext } from './send.js'

export async function sendLog(alert: Alert, channel: ChannelRow, context: SendContext): Promise<AttemptOutcome> {
  const fields = { alert, channelId: channel.id, test: context.test }
  const message = context.test ? 'alert channel test' : 'alert raised'
  if (alert.severity === 'critical') context.log.error(fields, message)
  else if (alert.severity === 'warning') context.log.warn(fields, message)
  else context.log.info(fields, message)
  return { ok: true, httpStatus: null, error: null, retryable: false }
}

/** The log alerting writes to until the service hands it its own: one JSON line on stderr per entry. */
export const stderrLog: AlertLog = {
  info: (fields, message) => writeLine(30, fields, message),
  warn: (fields, message) => writeLine(40, fields, message),
  error: (fields, message) => writeLine(50, fields, message),
}

function writeLine(level: number, fields: object, message: string): void {
  const err = (fields as { err?: unknown }).err
  const shown = err instanceof Error ? { ...fields, err: { message: err.message, stack: err.stack } } : fields
  process.stderr.write(`${JSON.stringify({ level, time: Date.now(), ...shown, msg: message })}\n`)
}
