/**
 * A real local HTTP server standing in for a webhook or Slack endpoint: it records every
 * request (headers and raw body) and answers with the status the test scripts, or holds
 * the answer until the test releases it.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  url: string
  headers: IncomingHttpHeaders
  body: string
}

export type Answer = number | 'hang'

export interface Receiver {
  url: string
  requests: Received[]
  /** Requests received and not answered yet. */
  readonly waiting: number
  /** Answers every held request with 200. */
  release(): void
  /** Resolves once `count` requests have arrived. */
  received(count: number): Promise<Received[]>
  close(): Promise<void>
}

/** `answer(n)` is the status of the n-th request (0-based); 200 by default. */
export async function aReceiver(answer: (n: number) => Answer = () => 200): Promise<Receiver> {
  const requests: Received[] = []
  const held: (() => void)[] = []
  const waiters: { count: number; resolve: (r: Received[]) => void }[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const n = requests.length
      requests.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) waiter.resolve(requests.slice())
      const status = answer(n)
      if (status === 'hang') held.push(() => res.writeHead(200).end('ok'))
      else res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const release = () => {
    for (const answerNow of held.splice(0)) answerNow()
  }
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    get waiting() {
      return held.length
    },
    release,
    received(count) {
      if (requests.length >= count) return Promise.resolve(requests.slice())
      return new Promise((resolve) => waiters.push({ count, resolve }))
    },
    async close() {
      release()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
