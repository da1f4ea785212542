/**
 * What one WebSocket client listens to: a set of topics, each for every budget or
 * narrowed to some. An event without a budget (a batch naming none, a price update)
 * reaches only subscriptions that are not narrowed; a batch reaches a narrowed one when
 * it touched one of its budgets.
 */
import type { BudgetEvent } from '../events/bus.js'
import type { LiveTopic, Subscription } from '../domain/ws-message.js'

export class Subscriptions {
  /** topic → budgets it is narrowed to, or null for every budget. */
  private readonly topics = new Map<LiveTopic, Set<string> | null>()

  add(topics: readonly LiveTopic[], budgetId: string | null): void {
    for (const topic of topics) {
      const current = this.topics.get(topic)
      if (budgetId === null || current === null) this.topics.set(topic, null)
      else this.topics.set(topic, new Set([...(current ?? []), budgetId]))
    }
  }

  /** Stops the topics (default: all); with a budget, only that budget of each. */
  remove(topics: readonly LiveTopic[] | undefined, budgetId: string | null): void {
    for (const topic of topics ?? [...this.topics.keys()]) {
      const current = this.topics.get(topic)
      if (current === undefined) continue
      if (budgetId === null) {
        this.topics.delete(topic)
      } else if (current !== null) {
        current.delete(budgetId)
        if (current.size === 0) this.topics.delete(topic)
      }
    }
  }

  matches(event: BudgetEvent): boolean {
    const budgets = this.topics.get(event.topic)
    if (budgets === undefined) return false
    if (budgets === null) return true
    if (event.budgetId !== null) return budgets.has(event.budgetId)
    const touched = (event.payload as { budgetIds?: unknown } | null)?.budgetIds
    return Array.isArray(touched) && touched.some((id) => budgets.has(id as string))
  }

  list(): Subscription[] {
    return [...this.topics].map(([topic, budgets]) => ({ topic, budgetIds: budgets === null ? null : [...budgets] }))
  }
}
