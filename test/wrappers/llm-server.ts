/**
 * A local HTTP server that speaks the OpenAI (Chat Completions, Responses) and Anthropic
 * (Messages) APIs from recorded responses in fixtures/: JSON, or server-sent events when
 * the request asks for a stream, sent in uneven pieces as a network would. The response's
 * model is the one requested, so that a switched model shows in what is recorded. It
 * keeps every request, and can be told to fail the next ones.
 */
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Json } from '../support/http.js'

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')

interface Route {
  json: string
  sse: string
  /** The model the recording answered with; replaced by the requested one. */
  model: string
  error: unknown
}

const OPENAI_ERROR = { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } }

const ROUTES: Record<string, Route> = {
  '/v1/chat/completions': { json: fixture('openai-chat.json'), sse: fixture('openai-chat.sse'), model: 'gpt-4o-2024-08-06', error: OPENAI_ERROR },
  '/v1/responses': { json: fixture('openai-responses.json'), sse: fixture('openai-responses.sse'), model: '', error: OPENAI_ERROR },
  '/v1/messages': {
    json: fixture('anthropic-messages.json'),
    sse: fixture('anthropic-messages.sse'),
    model: 'claude-sonnet-4-20250514',
    error: { type: 'error', error: { type: 'api_error', message: 'Internal server error' } },
  },
}

/** The recorded JSON response of a route, as a test reads its usage. */
export const recordedJson = (path: keyof typeof ROUTES): Json => JSON.parse(ROUTES[path]!.json)

export interface RecordedRequest {
  path: string
  body: Json
  headers: IncomingMessage['headers']
}

export interface LlmServer {
  url: string
  requests: RecordedRequest[]
  /** The next `times` requests answer `status` with the API's error body. */
  failNext(status: number, times?: number): void
  close(): Promise<void>
}

function withModel(text: string, route: Route, model: string): string {
  // The Responses recordings name two models; both become the requested one.
  if (route.model === '') return text.replace(/"model":\s*"[^"]*"/g, `"model":${JSON.stringify(model)}`)
  return text.replaceAll(route.model, model)
}

async function sendInPieces(res: ServerResponse, text: string): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  // Uneven pieces: events and even lines arrive split, as over a real network.
  for (let at = 0; at < text.length; at += 97) {
    res.write(text.slice(at, at + 97))
    await new Promise((resolve) => setImmediate(resolve))
  }
  res.end()
}

export async function aFakeLlmServer(): Promise<LlmServer> {
  const requests: RecordedRequest[] = []
  let failures: { status: number; left: number } | null = null

  const server = createServer((req, res) => {
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (raw += chunk))
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? ''
      const body = raw === '' ? null : JSON.parse(raw)
      requests.push({ path, body, headers: req.headers })
      const route = ROUTES[path]
      if (route === undefined || req.method !== 'POST') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${path}` } }))
        return
      }
      if (failures !== null && failures.left > 0) {
        failures.left -= 1
        res.writeHead(failures.status, { 'content-type': 'application/json' }).end(JSON.stringify(route.error))
        return
      }
      const model = String(body?.model ?? route.model)
      if (body?.stream === true) void sendInPieces(res, withModel(route.sse, route, model))
      else res.writeHead(200, { 'content-type': 'application/json' }).end(withModel(route.json, route, model))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(status, times = 1) {
      failures = { status, left: times }
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
