/**
 * The `slack` channel: a Slack-compatible incoming-webhook payload `{text, blocks}` —
 * `text` for notifications and clients without blocks, `blocks` for the message itself.
 * Mattermost, Rocket.Chat and Discord's /slack endpoint take the same payload.
 */
import type { Alert } from '../../domain/alert.js'
import type { ChannelRow } from '../../store/channels.js'
import { postJson } from './post-json.js'
import type { AttemptOutcome, SendContext } from './send.js'

const ICON: Record<Alert['severity'], string> = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' }

export function slackPayload(alert: Alert, test = false): { text: string; blocks: unknown[] } {
  const title = `${test ? '[test] ' : ''}${alert.type.replaceAll('_', ' ')} (${alert.severity})`
  const facts = [
    alert.budgetId === null ? null : `budget \`${alert.budgetId}\``,
    alert.policyId === null ? null : `policy \`${alert.policyId}\``,
    alert.windowStart === null ? null : `window from ${alert.windowStart}`,
    `alert \`${alert.id}\``,
  ].filter((f): f is string => f !== null)
  return {
    text: `${ICON[alert.severity]} ${title}: ${alert.message}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${ICON[alert.severity]} *${title}*\n${alert.message}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: facts.join(' · ') }] },
    ],
  }
}

export async function sendSlack(alert: Alert, channel: ChannelRow, context: SendContext): Promise<AttemptOutcome> {
  if (channel.url === null) return { ok: false, httpStatus: null, error: 'the channel has no url', retryable: false }
  return postJson(channel.url, JSON.stringify(slackPayload(alert, context.test)), {}, context.timeoutMs)
}
