// `npm run build && node bench/ws.js`: live events and alert channels, each figure next to
// a reference measured in the same run.
//
// 1. Fan-out: POST /usage as fast as 32 connections go, with 100 WebSocket clients
//    subscribed to `usage`, against the same load with no client. Reports events/s
//    delivered (summed over the clients) and how many of the published events each
//    client got.
// 2. Channels: POST /usage at a fixed rate where every request raises three alerts (a
//    per-session policy, a new session each request), with no channel against three
//    (webhook and Slack to a local receiver, and the log), in alternating rounds. Reports
//    the latency the channels add to the request.
import { spawn } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { performance } from 'node:perf_hooks'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'
import WebSocket from 'ws'

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10)
/** Channels: requests a second offered (each raises three alerts), rounds of each setting, seconds a round. */
const RATE = Number(process.env.BENCH_RATE ?? 100)
const ROUNDS = 3
const ROUND_S = Math.max(2, Math.round(DURATION_S / 2))
const CLIENTS = 100
const CONNECTIONS = 32
const here = new URL('.', import.meta.url).pathname
const call = { provider: 'anthropic', model: 'claude-sonnet-4-20250514' }
const json = { 'content-type': 'application/json' }

async function startServer() {
  const dataDir = mkdtempSync(join(tmpdir(), 'budget-bench-ws-'))
  // stderr ignored: the log channel writes a line per alert there.
  const child = spawn(process.execPath, [join(here, 'server.js'), 'normal', dataDir], { stdio: ['ignore', 'pipe', 'ignore'] })
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next()
  return {
    url: first.value.trim(),
    async stop() {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

async function request(url, method, path, body) {
  const response = await fetch(url + path, { method, headers: body === undefined ? {} : json, body: body === undefined ? undefined : JSON.stringify(body) })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return response.status === 204 ? null : response.json()
}

const cannon = (options) => autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...options })
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function fanOut() {
  const server = await startServer()
  const budget = await request(server.url, 'POST', '/api/v1/budgets', { name: 'fan-out' })
  const usage = { method: 'POST', path: '/api/v1/usage', headers: json, body: JSON.stringify({ budgetId: budget.id, ...call, inputTokens: 100, outputTokens: 50 }) }

  const alone = await cannon({ url: server.url, requests: [usage] })

  let delivered = 0
  let lastAt = 0
  const counts = new Array(CLIENTS).fill(0)
  const sockets = await Promise.all(
    counts.map(
      (_, i) =>
        new Promise((resolve, reject) => {
          const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws`)
          socket.on('message', (data) => {
            // Counted without parsing, which would cost this process more than the server: every
            // message starts {"type":" and the usage events' type starts with u.
            if (data[9] === 0x75) {
              counts[i] += 1
              delivered += 1
              lastAt = performance.now()
            }
          })
          socket.once('error', reject)
          socket.once('open', () => {
            socket.send(JSON.stringify({ type: 'subscribe', topics: ['usage'] }))
            resolve(socket)
          })
        }),
    ),
  )
  await sleep(500)
  const recorded = async () => (await request(server.url, 'GET', `/api/v1/usage/summary?budgetId=${budget.id}`)).totals.requests
  const recordedBefore = await recorded()
  const started = performance.now()
  const loaded = await cannon({ url: server.url, requests: [usage] })
  // Let the last events reach every client.
  let seen = -1
  while (seen !== delivered) {
    seen = delivered
    await sleep(200)
  }
  const events = delivered
  const seconds = (lastAt - started) / 1000
  for (const socket of sockets) socket.terminate()
  // Every record the server took, requests still in flight when autocannon stopped included.
  const published = (await recorded()) - recordedBefore
  await server.stop()
  return { alone, loaded, published, events, seconds, minPerClient: Math.min(...counts) }
}

/** A webhook and Slack endpoint that answers 200 at once and counts what it got. */
async function aReceiver() {
  let received = 0
  const webhookAlerts = new Set()
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      received += 1
      if (req.url === '/hook') webhookAlerts.add(req.headers['x-budget-alert-id'])
      res.writeHead(200).end('ok')
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${server.address().port}`
  return {
    webhookUrl: `${base}/hook`,
    slackUrl: `${base}/slack`,
    get received() {
      return received
    },
    /** Distinct alerts the webhook got: each should arrive once, but a retry after a timeout repeats one. */
    get webhookAlerts() {
      return webhookAlerts.size
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}

/** Latency samples of several autocannon runs, merged: mean and percentiles over all requests. */
function merge(results) {
  const requests = results.reduce((n, r) => n + r.requests.total, 0)
  const mean = results.reduce((sum, r) => sum + r.latency.average * r.requests.total, 0) / requests
  const worst = (key) => Math.max(...results.map((r) => r.latency[key]))
  const median = (key) => [...results.map((r) => r.latency[key])].sort((a, b) => a - b)[Math.floor(results.length / 2)]
  return { requests, mean, p50: median('p50'), p99: worst('p99'), errors: results.reduce((n, r) => n + r.errors + r.non2xx, 0) }
}

async function channels() {
  const server = await startServer()
  const receiver = await aReceiver()
  const budget = await request(server.url, 'POST', '/api/v1/budgets', { name: 'storm' })
  // Every new session passes 100 tokens at once: warning, action and exceeded each request.
  await request(server.url, 'POST', '/api/v1/policies', { budgetId: budget.id, type: 'warn', period: 'per_session', tokenLimit: 100 })
  await request(server.url, 'DELETE', '/api/v1/channels/chn_websocket')
  const ids = []
  for (const channel of [
    { name: 'hook', kind: 'webhook', url: receiver.webhookUrl, enabled: false },
    { name: 'slack', kind: 'slack', url: receiver.slackUrl, enabled: false },
    { name: 'log', kind: 'log', enabled: false },
  ]) {
    ids.push((await request(server.url, 'POST', '/api/v1/channels', channel)).id)
  }
  const setChannels = async (enabled) => {
    for (const id of ids) await request(server.url, 'PATCH', `/api/v1/channels/${id}`, { enabled })
    // The service caches the enabled channels for 2 s.
    await sleep(2_500)
  }
  let session = 0
  const usage = {
    method: 'POST',
    path: '/api/v1/usage',
    headers: json,
    setupRequest: (req) => ({ ...req, body: JSON.stringify({ budgetId: budget.id, contextId: `s-${++session}`, ...call, inputTokens: 100, outputTokens: 50 }) }),
  }
  // The same offered load for both, in alternating rounds, so that neither gets the quieter moments.
  const run = () => cannon({ url: server.url, requests: [usage], duration: ROUND_S, overallRate: RATE })
  const none = []
  const three = []
  for (let round = 0; round < ROUNDS; round++) {
    none.push(await run())
    await setChannels(true)
    three.push(await run())
    await setChannels(false)
  }
  // Deliveries run behind the requests; wait until they stop arriving.
  let deliveries = -1
  while (deliveries !== receiver.received) {
    deliveries = receiver.received
    await sleep(1_000)
  }
  const webhookAlerts = receiver.webhookAlerts
  await receiver.close()
  await server.stop()
  return { none: merge(none), three: merge(three), deliveries, webhookAlerts }
}

const fan = await fanOut()
const storm = await channels()

const slat = (r) => `mean ${r.mean.toFixed(2)} ms, p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}`
const lat = (r) => `mean ${r.latency.average.toFixed(2)} ms, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`
const rows = [
  ['POST /usage, no WebSocket client (reference)', `${Math.round(fan.alone.requests.average)} req/s`, lat(fan.alone), '1.00'],
  [
    `POST /usage with ${CLIENTS} clients subscribed to usage`,
    `${Math.round(fan.loaded.requests.average)} req/s`,
    lat(fan.loaded),
    (fan.loaded.requests.average / fan.alone.requests.average).toFixed(3),
  ],
  [
    `events delivered to ${CLIENTS} clients`,
    `${Math.round(fan.events / fan.seconds)} events/s`,
    `${fan.published} published, each client got ≥ ${fan.minPerClient} (${((100 * fan.minPerClient) / fan.published).toFixed(1)} %)`,
    '',
  ],
  [`POST /usage at ${RATE} req/s, each raising 3 alerts, no channel (reference)`, `${storm.none.requests} requests`, slat(storm.none), '1.00'],
  [
    `POST /usage at ${RATE} req/s, each raising 3 alerts, 3 channels (webhook, slack, log)`,
    `${storm.three.requests} requests`,
    `${slat(storm.three)}; added mean latency ${(storm.three.mean - storm.none.mean).toFixed(2)} ms; ${storm.deliveries} HTTP deliveries (${storm.webhookAlerts} distinct alerts at the webhook) for ${storm.three.requests} requests`,
    (storm.three.mean / storm.none.mean).toFixed(3),
  ],
]
const table = ['| measure | figure | notes | ratio to its reference |', '|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
console.log(table)
const section = `\n## ${new Date().toISOString().slice(0, 16)}Z — live events and alert channels (bench/ws.js), node ${process.version}, ${CONNECTIONS} connections, ${DURATION_S} s each\n\n${table}\n\nLatency ratios compare mean latency with the reference; the channel rows offer the same fixed rate, each request raising three alerts (a per-session policy, a new session each request), in ${ROUNDS} alternating rounds of ${ROUND_S} s; their p50 is the median round's, their p99 the worst round's.\n`
if (process.env.BENCH_RECORD !== '0') appendFileSync(join(here, 'RESULTS.md'), section)
