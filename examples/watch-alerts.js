// Watch a Tekton Budget service for alerts, live, and catch up after a reconnection.
//
//   npm run build
//   BUDGET_SERVER=http://127.0.0.1:8013 BUDGET_API_KEY=tbk_… node examples/watch-alerts.js [budget]
//
// The WebSocket client reconnects by itself (exponential backoff with jitter) and renews
// its subscriptions; what was published while it was away is not replayed, so on every
// reconnection this example reads the open alerts it may have missed over REST.
import { BudgetClient, LiveEvents } from 'tekton-budget/client'

const baseUrl = process.env.BUDGET_SERVER ?? 'http://127.0.0.1:8013'
const apiKey = process.env.BUDGET_API_KEY
const budget = process.argv[2]

const client = new BudgetClient({ baseUrl, apiKey })
const live = new LiveEvents({ baseUrl, apiKey })
const seen = new Set()

function show(alert) {
  if (seen.has(alert.id)) return
  seen.add(alert.id)
  const when = alert.createdAt.slice(11, 19)
  console.log(`${when} ${alert.severity.padEnd(8)} ${alert.type.padEnd(14)} ${alert.message}`)
}

live.on('event', (event) => {
  if (event.type === 'alert.raised') show(event.payload)
})
live.on('reply', (reply) => {
  if (reply.type === 'error') console.error(`server refused: ${reply.payload.message} (${reply.payload.code})`)
})
live.on('reconnecting', ({ delayMs, error }) => console.error(`connection lost${error ? ` (${error})` : ''}; retrying in ${delayMs} ms`))
live.on('open', async ({ reconnected }) => {
  console.error(`${reconnected ? 'reconnected to' : 'watching'} ${baseUrl}${budget ? ` for budget ${budget}` : ''}`)
  // Anything raised while we were away (or before we started) and not yet acknowledged.
  try {
    const open = await client.listAlerts({ budgetId: budget, acknowledged: false, limit: 20 })
    for (const alert of open.items.reverse()) show(alert)
  } catch (error) {
    console.error(`could not read open alerts: ${error.message}`)
  }
})

live.subscribe(['budget_alerts'], budget)
await live.connect()

process.once('SIGINT', async () => {
  await live.close()
  process.exit(0)
})
