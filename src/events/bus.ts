/**
 * The in-process event bus: the engine publishes what happened (usage recorded, a
 * reservation made or closed, a budget's status changed) and the surfaces that push
 * live updates subscribe. Publishing never waits for subscribers and a failing
 * subscriber never reaches the publisher.
 */
export const TOPICS = ['budget_events', 'budget_alerts', 'allocation_updates', 'price_updates', 'usage'] as const
export type Topic = (typeof TOPICS)[number]

export interface BudgetEvent {
  type: string
  topic: Topic
  budgetId: string | null
  payload: unknown
  timestamp: string
  /**
   * True when another instance raised the event and the PostgreSQL relay brought it here
   * (pg-relay.ts). Live pushes want it; work the raising instance already does for its
   * own events, such as evaluating alert rules, should skip it.
   */
  remote?: boolean
}

type Listener = (event: BudgetEvent) => void

export class EventBus {
  private readonly listeners = new Set<Listener>()

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  publish(event: Omit<BudgetEvent, 'timestamp'> & { timestamp?: string }): void {
    if (this.listeners.size === 0) return
    const full: BudgetEvent = { ...event, timestamp: event.timestamp ?? new Date().toISOString() }
    for (const listener of this.listeners) {
      try {
        listener(full)
      } catch (error) {
        this.onListenerError(error)
      }
    }
  }
}
