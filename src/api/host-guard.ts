/**
 * DNS-rebinding guard for a service bound to loopback: a web page can point its own host
 * name at 127.0.0.1 and then talk to an open local service from the browser. Such requests
 * carry the page's host name, so a loopback-bound service answers only requests whose Host
 * is a loopback name.
 */
import type { FastifyInstance } from 'fastify'
import { isLoopback } from '../config.js'
import { BudgetError } from '../domain/errors.js'

/** The host name of a Host header: `[::1]:8013` → `::1`, `localhost:8013` → `localhost`. */
export function hostName(header: string): string {
  if (header.startsWith('[')) return header.slice(1, header.indexOf(']'))
  return header.split(':')[0] ?? ''
}

export function registerHostGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const host = request.headers.host ?? ''
    if (!isLoopback(hostName(host).toLowerCase())) {
      throw new BudgetError('FORBIDDEN', `host ${host} is not a loopback name; this service listens on loopback only`, { host })
    }
  })
}
