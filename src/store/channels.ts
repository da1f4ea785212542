/**
 * Queries of the notification channels (table alert_channels).
 */
import type { Selectable, Updateable } from 'kysely'
import type { AlertChannelsTable, Executor } from './schema.js'

export type ChannelRow = Selectable<AlertChannelsTable>

export async function insertChannel(db: Executor, row: ChannelRow): Promise<void> {
  await db.insertInto('alertChannels').values(row).execute()
}

export async function findChannel(db: Executor, id: string): Promise<ChannelRow | undefined> {
  return db.selectFrom('alertChannels').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Every channel, or those of one budget (global ones excluded), oldest first. */
export async function selectChannels(db: Executor, budgetId?: string): Promise<ChannelRow[]> {
  let q = db.selectFrom('alertChannels').selectAll()
  if (budgetId !== undefined) q = q.where('budgetId', '=', budgetId)
  return q.orderBy('createdAt').orderBy('id').execute()
}

export async function enabledChannels(db: Executor): Promise<ChannelRow[]> {
  return db.selectFrom('alertChannels').selectAll().where('enabled', '=', 1).orderBy('createdAt').orderBy('id').execute()
}

export async function updateChannelRow(db: Executor, id: string, changes: Updateable<AlertChannelsTable>): Promise<void> {
  await db.updateTable('alertChannels').set(changes).where('id', '=', id).execute()
}

/** Deletes the channel; true when it existed. */
export async function deleteChannelRow(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('alertChannels').where('id', '=', id).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
