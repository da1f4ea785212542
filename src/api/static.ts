/**
 * The dashboard at `/`: the files `npm run build` puts in dist/web (web/ is its source),
 * and index.html for every client route (`/usage`, `/budgets/bud_…`) so that a deep link
 * or a reload opens the right page.
 *
 * Never shadows the service: paths under /api, /docs, /ws, /mcp, /health, /ready and
 * /metrics are not looked up on disk, and an unknown path there is still the API's 404
 * envelope. Hashed assets are cached for a year, index.html is revalidated every time, and
 * the build's precompressed .br/.gz files are sent to clients that accept them.
 *
 * When dist/web is missing (the server was compiled without the dashboard) `/` says how to
 * build it instead of failing.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'

/** dist/web of this package, from src/api (tests) and from dist/api (the built service) alike. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../dist/web', import.meta.url))

/** The dashboard's pages (web/src/pages.ts); each path and everything below it is answered with index.html. */
export const CLIENT_ROUTES = ['/overview', '/usage', '/costs', '/providers', '/prices', '/alerts', '/budgets'] as const

const RESERVED = ['/api', '/docs', '/ws', '/mcp', '/health', '/ready', '/metrics']

const isReserved = (path: string) => RESERVED.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Tekton Budget</title>
<body style="font-family:system-ui;max-width:40rem;margin:3rem auto;padding:0 1rem">
<h1>The dashboard is not built</h1>
<p>This server found no dashboard files. Build them with <code>npm run build</code> (it builds the server and the dashboard into <code>dist/</code>) and restart the service.</p>
<p>The API works meanwhile: <a href="/docs">API reference</a>, <a href="/health">health</a>.</p>
</body></html>`

export async function dashboardRoutes(app: FastifyInstance, dir: string = DASHBOARD_DIR): Promise<void> {
  const routes = ['/', ...CLIENT_ROUTES, ...CLIENT_ROUTES.map((route) => `${route}/*`)]
  const hide = { schema: { hide: true } }

  if (!existsSync(join(dir, 'index.html'))) {
    for (const route of routes) app.get(route, hide, (_request, reply) => reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT))
    return
  }

  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    index: false,
    preCompressed: true,
    allowedPath: (path) => !isReserved(path),
    setHeaders: (reply, path) => {
      reply.header('cache-control', path.startsWith(join(dir, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache')
    },
  })

  const sendIndex = (_request: unknown, reply: FastifyReply) => reply.sendFile('index.html')
  for (const route of routes) app.get(route, hide, sendIndex)
}
