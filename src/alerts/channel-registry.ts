/**
 * Channels: create, read, change, delete, and which channels an alert goes to. The
 * enabled channels are cached for a few seconds so that raising an alert does not read
 * them every time; a change made through this process is seen at once, one made on
 * another instance within the cache's life.
 */
import { type Alert, type AlertSeverity, type AlertType, severityAtLeast } from '../domain/alert.js'
import { type Channel, type ChannelInput, type ChannelKind, channelProblems, type ChannelUpdate, type CreatedChannel, newChannelId, newChannelSecret } from '../domain/channel.js'
import { invalid, notFound } from '../domain/errors.js'
import { requireBudget } from '../engine/budgets.js'
import type { EngineContext } from '../engine/context.js'
import { type ChannelRow, deleteChannelRow, enabledChannels, findChannel, insertChannel, selectChannels, updateChannelRow } from '../store/channels.js'

const CACHE_MS = 2_000

const iso = (ms: number | string) => new Date(Number(ms)).toISOString()

export function toChannel(row: ChannelRow): Channel {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as ChannelKind,
    budgetId: row.budgetId,
    url: row.url,
    hasSecret: row.secret !== null,
    minSeverity: row.minSeverity as AlertSeverity,
    types: JSON.parse(row.types) as AlertType[],
    enabled: Boolean(Number(row.enabled)),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  }
}

/** Whether `channel` takes `alert`: its budget (or every budget), its severity floor, its types. */
export function channelTakes(channel: ChannelRow, alert: Pick<Alert, 'budgetId' | 'severity' | 'type'>): boolean {
  if (!Number(channel.enabled)) return false
  if (channel.budgetId !== null && channel.budgetId !== alert.budgetId) return false
  if (!severityAtLeast(alert.severity, channel.minSeverity as AlertSeverity)) return false
  const types = JSON.parse(channel.types) as AlertType[]
  return types.length === 0 || types.includes(alert.type)
}

export class ChannelRegistry {
  private cached: { rows: ChannelRow[]; until: number } | null = null

  constructor(private readonly ctx: EngineContext) {}

  /** The enabled channels that take `alert`. */
  async channelsFor(alert: Alert): Promise<ChannelRow[]> {
    if (this.cached === null || this.cached.until <= Date.now()) {
      this.cached = { rows: await enabledChannels(this.ctx.store.db), until: Date.now() + CACHE_MS }
    }
    return this.cached.rows.filter((channel) => channelTakes(channel, alert))
  }

  async create(input: ChannelInput): Promise<CreatedChannel> {
    const db = this.ctx.store.db
    const budgetId = input.budgetId === undefined || input.budgetId === null ? null : (await requireBudget(db, input.budgetId)).id
    const secret = input.kind === 'webhook' ? (input.secret ?? newChannelSecret()) : null
    const now = this.ctx.now()
    const row: ChannelRow = {
      id: newChannelId(),
      name: input.name,
      kind: input.kind,
      budgetId,
      url: input.url ?? null,
      secret,
      minSeverity: input.minSeverity ?? 'info',
      types: JSON.stringify(input.types ?? []),
      enabled: input.enabled === false ? 0 : 1,
      createdAt: now,
      updatedAt: now,
    }
    await this.ctx.store.writes.write((trx) => insertChannel(trx, row))
    this.cached = null
    return { ...toChannel(row), secret }
  }

  async get(id: string): Promise<Channel> {
    return toChannel(await this.require(id))
  }

  /** Every channel, or those of one budget (id or name). */
  async list(budgetIdOrName?: string): Promise<Channel[]> {
    const db = this.ctx.store.db
    const budgetId = budgetIdOrName === undefined ? undefined : (await requireBudget(db, budgetIdOrName)).id
    return (await selectChannels(db, budgetId)).map(toChannel)
  }

  async update(id: string, update: ChannelUpdate): Promise<Channel> {
    const current = await this.require(id)
    const kind = current.kind as ChannelKind
    const url = update.url ?? current.url ?? undefined
    const problems = channelProblems({ kind, url })
    if (update.secret !== undefined && kind !== 'webhook') problems.push({ path: ['secret'], message: 'only a webhook channel has a secret' })
    if (problems.length > 0) throw invalid(`invalid channel: ${problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; ')}`, { issues: problems })
    const changes: Partial<ChannelRow> = { updatedAt: this.ctx.now() }
    if (update.name !== undefined) changes.name = update.name
    if (update.budgetId !== undefined) changes.budgetId = update.budgetId === null ? null : (await requireBudget(this.ctx.store.db, update.budgetId)).id
    if (update.url !== undefined) changes.url = update.url
    if (update.secret !== undefined) changes.secret = update.secret
    if (update.minSeverity !== undefined) changes.minSeverity = update.minSeverity
    if (update.types !== undefined) changes.types = JSON.stringify(update.types)
    if (update.enabled !== undefined) changes.enabled = update.enabled ? 1 : 0
    await this.ctx.store.writes.write((trx) => updateChannelRow(trx, id, changes))
    this.cached = null
    return this.get(id)
  }

  async remove(id: string): Promise<void> {
    const existed = await this.ctx.store.writes.write((trx) => deleteChannelRow(trx, id))
    if (!existed) throw notFound('channel', id)
    this.cached = null
  }

  /** The stored row, secret included; for the queue and channel tests. */
  async require(id: string): Promise<ChannelRow> {
    const row = await findChannel(this.ctx.store.db, id)
    if (!row) throw notFound('channel', id)
    return row
  }
}
