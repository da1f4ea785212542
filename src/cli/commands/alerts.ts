/**
 * `budget alerts list|show|ack|check|deliveries` and `budget alerts channels …`: the
 * alerts budgets and prices raised, and where alerts go (log, webhook, Slack, WebSocket).
 */
import { type Command, Option } from 'commander'
import { type Alert, AlertQuery, AlertSeverity, AlertType } from '../../domain/alert.js'
import { type Channel, ChannelInput, ChannelKind, ChannelUpdate, type DeliveryPage, DeliveryQuery } from '../../domain/channel.js'
import { type Cli, EXIT } from '../context.js'
import { collect, integer, validate } from '../flags.js'
import { instant, type Output } from '../output.js'

interface ListFlags {
  budget?: string
  type?: string
  severity?: string
  open?: boolean
  acknowledged?: boolean
  limit?: number
  cursor?: string
}

interface ChannelFlags {
  kind?: string
  url?: string
  secret?: string
  budget?: string
  global?: boolean
  minSeverity?: string
  types?: string[]
  name?: string
  enable?: boolean
  disable?: boolean
}

const FLAGS: Record<string, string> = { budgetId: '--budget', minSeverity: '--min-severity' }

export function registerAlerts(program: Command, cli: Cli): void {
  const alerts = program
    .command('alerts')
    .description('Alerts raised by budgets and prices, and the channels they go to')
    .addHelpText(
      'after',
      `
Alert types: warning (warningThreshold reached), action (actionThreshold), exceeded (100 %),
forecast (the window's burn rate reaches the limit before the window ends), price_change,
price_conflict, source_failure. One alert per policy, window and type.

Examples:
  $ budget alerts list --open
  $ budget alerts list --budget research --type exceeded --json
  $ budget alerts ack alr_0190f3… --by ada
  $ budget alerts check --budget research
  $ budget alerts channels add ops-hook --kind webhook --url https://ops.example/budget
  $ budget alerts channels add team-slack --kind slack --url https://hooks.slack.com/services/… \\
      --budget research --min-severity warning
  $ budget alerts channels test chn_0190f3…`,
    )

  alerts
    .command('list')
    .description('List alerts, newest first')
    .option('--budget <budget>', 'budget id or name')
    .addOption(new Option('--type <type>', 'alert type').choices(AlertType.options))
    .addOption(new Option('--severity <severity>', 'severity').choices(AlertSeverity.options))
    .addOption(new Option('--open', 'only alerts nobody acknowledged').conflicts('acknowledged'))
    .option('--acknowledged', 'only acknowledged alerts')
    .option('--limit <n>', 'alerts per page (1–1000, default 100)', integer)
    .option('--cursor <cursor>', 'the next-page cursor a previous page printed')
    .action(
      cli.action(async ({ out, service }, flags: ListFlags) => {
        const acknowledged = flags.open ? 'false' : flags.acknowledged ? 'true' : undefined
        const query = validate(AlertQuery, { budgetId: flags.budget, type: flags.type, severity: flags.severity, acknowledged, limit: flags.limit, cursor: flags.cursor }, FLAGS, 'query')
        const page = await (await service()).listAlerts(query)
        out.result(page, (p) => {
          const table = alertTable(out, p.items)
          return p.nextCursor === null ? table : `${table}\nmore: --cursor ${p.nextCursor}`
        })
      }),
    )

  alerts
    .command('show')
    .description('Show one alert')
    .argument('<id>', 'alert id')
    .action(
      cli.action(async ({ out, service }, id: string) => {
        const alert = await (await service()).getAlert(id)
        out.result(alert, (a) => alertFields(out, a))
      }),
    )

  alerts
    .command('ack')
    .description('Acknowledge an alert (the first acknowledgement stands)')
    .argument('<id>', 'alert id')
    .option('--by <name>', 'who acknowledges (default: the API key name with --server)')
    .action(
      cli.action(async ({ out, service }, id: string, flags: { by?: string }) => {
        const alert = await (await service()).acknowledgeAlert(id, flags.by ?? null)
        out.result(alert, (a) => `acknowledged ${a.id}${a.acknowledgedBy ? ` by ${a.acknowledgedBy}` : ''} at ${instant(a.acknowledgedAt)}`)
      }),
    )

  alerts
    .command('check')
    .description('Evaluate alert rules now and print the alerts this raised')
    .option('--budget <budget>', 'only this budget (default: every budget with policies)')
    .action(
      cli.action(async ({ out, service }, flags: { budget?: string }) => {
        const result = await (await service()).checkAlerts(flags.budget === undefined ? {} : { budgetId: flags.budget })
        out.result(result, (r) => `evaluated ${r.evaluated} budget${r.evaluated === 1 ? '' : 's'}, raised ${r.raised.length} alert${r.raised.length === 1 ? '' : 's'}${r.raised.length > 0 ? `\n${alertTable(out, r.raised)}` : ''}`)
      }),
    )

  alerts
    .command('deliveries')
    .description("An alert's delivery attempts, newest first")
    .argument('<id>', 'alert id')
    .option('--limit <n>', 'attempts per page (default 100)', integer)
    .action(
      cli.action(async ({ out, service }, id: string, flags: { limit?: number }) => {
        const page = await (await service()).listDeliveries(validate(DeliveryQuery, { alertId: id, limit: flags.limit }, FLAGS, 'query'))
        out.result(page, (p) => deliveryTable(out, p))
      }),
    )

  registerChannels(alerts, cli)
}

function registerChannels(alerts: Command, cli: Cli): void {
  const channels = alerts
    .command('channels')
    .description('Where alerts go: add, list, update, remove, test')
    .addHelpText(
      'after',
      `
Kinds: log (the service log), webhook (JSON with X-Budget-Signature: sha256=<HMAC-SHA256 of
the body with the channel secret>), slack (Slack-compatible incoming webhook), ws (WebSocket
clients, topic budget_alerts). A channel without --budget takes every alert.
Against a server these need an admin key.

Examples:
  $ budget alerts channels list
  $ budget alerts channels add ops-hook --kind webhook --url https://ops.example/budget --json | jq -r .secret
  $ budget alerts channels update chn_0190f3… --min-severity critical --types exceeded,forecast
  $ budget alerts channels remove chn_0190f3…`,
    )

  channels
    .command('list')
    .description('List channels')
    .option('--budget <budget>', "only this budget's channels")
    .action(
      cli.action(async ({ out, service }, flags: { budget?: string }) => {
        const items = await (await service()).listChannels(flags.budget)
        out.result({ items }, ({ items }) => channelTable(out, items))
      }),
    )

  channels
    .command('add')
    .description('Add a channel (a webhook secret is printed once)')
    .argument('<name>', 'what the channel is')
    .addOption(new Option('--kind <kind>', 'channel kind').choices(ChannelKind.options).makeOptionMandatory())
    .option('--url <url>', 'webhook or slack URL')
    .option('--secret <secret>', 'webhook signing secret, 16+ characters (generated when absent)')
    .option('--budget <budget>', 'only alerts of this budget (default: all alerts)')
    .addOption(new Option('--min-severity <severity>', 'only alerts at least this severe').choices(AlertSeverity.options))
    .option('--types <types>', 'only these alert types (comma list)', collect)
    .option('--disable', 'create it switched off')
    .action(
      cli.action(async ({ out, service }, name: string, flags: ChannelFlags) => {
        const input = validate(
          ChannelInput,
          { name, kind: flags.kind, url: flags.url, secret: flags.secret, budgetId: flags.budget, minSeverity: flags.minSeverity, types: flags.types, enabled: flags.disable ? false : undefined },
          { ...FLAGS, name: '<name>' },
          'channel',
        )
        const channel = await (await service()).createChannel(input)
        out.result(channel, (c) => {
          const head = `added ${c.kind} channel ${c.name} (${c.id})`
          return c.secret === null ? head : `${head}\n\n  signing secret: ${out.color.bold(c.secret)}\n\nStore it now: it is not shown again.`
        })
      }),
    )

  channels
    .command('update')
    .description('Change a channel')
    .argument('<id>', 'channel id')
    .option('--name <name>', 'new name')
    .option('--url <url>', 'new URL')
    .option('--secret <secret>', 'new webhook signing secret')
    .addOption(new Option('--budget <budget>', 'only alerts of this budget').conflicts('global'))
    .option('--global', 'take every alert again, whatever the budget')
    .addOption(new Option('--min-severity <severity>', 'only alerts at least this severe').choices(AlertSeverity.options))
    .option('--types <types>', 'only these alert types (comma list; "all" for every type)', collect)
    .addOption(new Option('--enable', 'switch it on').conflicts('disable'))
    .option('--disable', 'switch it off')
    .action(
      cli.action(async ({ out, service }, id: string, flags: ChannelFlags) => {
        const types = flags.types?.includes('all') ? [] : flags.types
        const update = validate(
          ChannelUpdate,
          {
            name: flags.name,
            url: flags.url,
            secret: flags.secret,
            budgetId: flags.global ? null : flags.budget,
            minSeverity: flags.minSeverity,
            types,
            enabled: flags.enable ? true : flags.disable ? false : undefined,
          },
          FLAGS,
          'channel',
        )
        const channel = await (await service()).updateChannel(id, update)
        out.result(channel, (c) => channelTable(out, [c]))
      }),
    )

  channels
    .command('remove')
    .description('Remove a channel')
    .argument('<id>', 'channel id')
    .action(
      cli.action(async ({ out, service }, id: string) => {
        await (await service()).deleteChannel(id)
        out.result({ id, removed: true }, () => `removed channel ${id}`)
      }),
    )

  channels
    .command('test')
    .description('Send a test alert through a channel now (exit 1 when it fails)')
    .argument('<id>', 'channel id')
    .action(
      cli.action(async ({ out, service }, id: string) => {
        const result = await (await service()).testChannel(id)
        if (!result.ok) cli.exitCode = EXIT.error
        out.result(result, (r) => (r.ok ? `delivered in ${r.durationMs} ms${r.httpStatus === null ? '' : ` (HTTP ${r.httpStatus})`}` : `${paintDelivery(out, 'failed')}: ${r.error}`))
      }),
    )

  channels
    .command('deliveries')
    .description("A channel's delivery attempts, newest first")
    .argument('<id>', 'channel id')
    .option('--limit <n>', 'attempts per page (default 100)', integer)
    .action(
      cli.action(async ({ out, service }, id: string, flags: { limit?: number }) => {
        const page = await (await service()).listDeliveries(validate(DeliveryQuery, { channelId: id, limit: flags.limit }, FLAGS, 'query'))
        out.result(page, (p) => deliveryTable(out, p))
      }),
    )
}

function alertTable(out: Output, items: Alert[]): string {
  if (items.length === 0) return 'no alerts'
  return out.table(
    ['RAISED', 'ID', 'TYPE', 'SEVERITY', 'BUDGET', 'MESSAGE', 'ACK'],
    items.map((a) => [
      instant(a.createdAt),
      out.id(a.id),
      a.type,
      paintSeverity(out, a.severity),
      out.id(a.budgetId),
      a.message.length > 90 && !out.options.wide ? `${a.message.slice(0, 89)}…` : a.message,
      a.acknowledgedAt === null ? '-' : (a.acknowledgedBy ?? 'yes'),
    ]),
  )
}

const paintSeverity = (out: Output, severity: Alert['severity']) => (severity === 'critical' ? out.color.red : severity === 'warning' ? out.color.yellow : out.color.dim)(severity)

const paintDelivery = (out: Output, status: string) => (status === 'delivered' ? out.color.green : status === 'failed' ? out.color.red : out.color.yellow)(status)

function alertFields(out: Output, a: Alert): string {
  return out.fields([
    ['id', a.id],
    ['type', a.type],
    ['severity', paintSeverity(out, a.severity)],
    ['budget', a.budgetId],
    ['policy', a.policyId],
    ['window', a.windowStart === null ? null : `${instant(a.windowStart)} – ${instant(a.windowEnd)}`],
    ['value', a.value === null ? null : `${a.value}${a.metric === 'tokens' ? ' tokens' : a.metric === 'cost' ? ' USD' : ' USD/Mtok'} of ${a.limit ?? '-'}`],
    ['message', a.message],
    ['raised', instant(a.createdAt)],
    ['acknowledged', a.acknowledgedAt === null ? null : `${instant(a.acknowledgedAt)}${a.acknowledgedBy ? ` by ${a.acknowledgedBy}` : ''}`],
  ])
}

function channelTable(out: Output, items: Channel[]): string {
  if (items.length === 0) return 'no channels'
  return out.table(
    ['ID', 'NAME', 'KIND', 'BUDGET', 'URL', 'MIN SEVERITY', 'TYPES', 'STATUS'],
    items.map((c) => [out.id(c.id), c.name, c.kind, c.budgetId === null ? 'all' : out.id(c.budgetId), c.url ?? '-', c.minSeverity, c.types.length === 0 ? 'all' : c.types.join(','), c.enabled ? 'enabled' : 'disabled']),
  )
}

function deliveryTable(out: Output, page: DeliveryPage): string {
  if (page.items.length === 0) return 'no delivery attempts'
  return out.table(
    ['AT', 'ALERT', 'CHANNEL', 'ATTEMPT', 'STATUS', 'HTTP', 'MS', 'ERROR'],
    page.items.map((d) => [instant(d.createdAt), d.alertId === null ? 'test' : out.id(d.alertId), out.id(d.channelId), d.attempt, paintDelivery(out, d.status), d.httpStatus ?? '-', d.durationMs, d.error ?? '']),
    [3, 5, 6],
  )
}
