/**
 * A real HTTP server standing in for the price feeds: each path serves a recorded fixture,
 * or misbehaves on purpose (an error status, a slow answer, a body cut short, a huge body),
 * and honours ETags like the real feeds do. Records every request it gets.
 */
import { readFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

const FIXTURES = new URL('../../fixtures/prices/', import.meta.url)

/** A fixture file's text. */
export const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8')

export interface FeedRoute {
  status?: number
  body?: string
  headers?: Record<string, string>
  /** Served with 304 to a request that sends it back in If-None-Match. */
  etag?: string
  /** Wait this long before answering. */
  delayMs?: number
  /** Declare the whole body's length, send this many bytes of it, then drop the connection. */
  truncateAt?: number
  /** Stream this many bytes of filler, with no Content-Length. */
  streamBytes?: number
}

export interface FeedServer {
  url: string
  /** Requests received, in order. */
  requests: { path: string; headers: IncomingHttpHeaders; atMs: number }[]
  /** Replaces what a path serves; a list is served one entry per request, the last one repeating. */
  serve(path: string, route: FeedRoute | FeedRoute[]): void
  close(): Promise<void>
}

export async function aFeedServer(routes: Record<string, FeedRoute | FeedRoute[]> = {}): Promise<FeedServer> {
  const table = new Map<string, FeedRoute[]>(Object.entries(routes).map(([path, r]) => [path, Array.isArray(r) ? [...r] : [r]]))
  const requests: FeedServer['requests'] = []
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://feed').pathname
    requests.push({ path, headers: req.headers, atMs: Date.now() })
    const queue = table.get(path)
    const route = queue === undefined ? { status: 404, body: 'not found' } : queue.length > 1 ? queue.shift()! : queue[0]!
    const answer = () => {
      if (route.etag !== undefined && req.headers['if-none-match'] === route.etag) {
        res.writeHead(304, { etag: route.etag }).end()
        return
      }
      const headers: Record<string, string> = { 'content-type': 'application/json', ...route.headers, ...(route.etag !== undefined && { etag: route.etag }) }
      if (route.streamBytes !== undefined) {
        res.writeHead(route.status ?? 200, headers)
        const chunk = Buffer.alloc(64 * 1024, 'x')
        let sent = 0
        const pump = () => {
          while (sent < route.streamBytes!) {
            sent += chunk.length
            if (!res.write(chunk)) return void res.once('drain', pump)
          }
          res.end()
        }
        res.on('error', () => {})
        pump()
        return
      }
      const body = Buffer.from(route.body ?? '')
      if (route.truncateAt !== undefined) {
        res.writeHead(route.status ?? 200, { ...headers, 'content-length': String(body.length) })
        res.write(body.subarray(0, route.truncateAt), () => res.destroy())
        return
      }
      res.writeHead(route.status ?? 200, { ...headers, 'content-length': String(body.length) }).end(body)
    }
    if (route.delayMs) setTimeout(answer, route.delayMs)
    else answer()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    serve(path, route) {
      table.set(path, Array.isArray(route) ? [...route] : [route])
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Every default feed served from the fixtures, at the paths `feedSettings` points the sources to. */
export function fixtureRoutes(): Record<string, FeedRoute> {
  return {
    '/litellm.json': { body: fixture('litellm.json'), etag: '"litellm-1"' },
    '/current-v1.json': { body: fixture('llmprices-current.json') },
    '/historical-v1.json': { body: fixture('llmprices-historical.json') },
    '/api/v1/models': { body: fixture('openrouter-models.json') },
    '/llmprices.html': { body: fixture('llmprices.html'), headers: { 'content-type': 'text/html; charset=utf-8' } },
    '/pretrained.html': { body: fixture('pretrained.html'), headers: { 'content-type': 'text/html; charset=utf-8' } },
  }
}

/** Source settings that point every default feed at `url` (a feed server with fixtureRoutes). */
export function feedSettings(url: string) {
  return {
    litellm: { url: `${url}/litellm.json` },
    llmprices: { url: `${url}/current-v1.json`, historyUrl: `${url}/historical-v1.json` },
    openrouter: { url: `${url}/api/v1/models` },
    llmprices_html: { url: `${url}/llmprices.html` },
    pretrained_html: { url: `${url}/pretrained.html` },
  }
}

/** Fetch settings for tests: no waiting between requests, quick retries, a short timeout. */
export const FAST_FETCH = { timeoutMs: 2_000, retries: 1, backoffMs: 5, minIntervalMs: 0 }

export interface FeedSet {
  settings: ReturnType<typeof feedSettings>
  servers: FeedServer[]
  close(): Promise<void>
}

/**
 * Every default feed on a server of its own, as on the internet: a service's per-host rate
 * limit then spaces nothing, whatever its settings.
 */
export async function aFeedSet(): Promise<FeedSet> {
  const routes = fixtureRoutes()
  const paths = [['/litellm.json'], ['/current-v1.json', '/historical-v1.json'], ['/api/v1/models'], ['/llmprices.html'], ['/pretrained.html']]
  const servers = await Promise.all(paths.map((group) => aFeedServer(Object.fromEntries(group.map((p) => [p, routes[p]!])))))
  const [litellm, llmprices, openrouter, llmpricesHtml, pretrained] = servers.map((s) => s.url)
  return {
    settings: {
      litellm: { url: `${litellm}/litellm.json` },
      llmprices: { url: `${llmprices}/current-v1.json`, historyUrl: `${llmprices}/historical-v1.json` },
      openrouter: { url: `${openrouter}/api/v1/models` },
      llmprices_html: { url: `${llmpricesHtml}/llmprices.html` },
      pretrained_html: { url: `${pretrained}/pretrained.html` },
    },
    servers,
    close: async () => {
      await Promise.all(servers.map((s) => s.close()))
    },
  }
}
