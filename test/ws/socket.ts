/**
 * A real `ws` client for WebSocket tests: keeps every message the server sent, waits for
 * the next one that matches, and can stop reading (a slow or dead consumer).
 */
import type { Socket } from 'node:net'
import WebSocket from 'ws'
import type { ServerMessage } from '../../src/domain/ws-message.js'

export interface TestSocket {
  socket: WebSocket
  messages: ServerMessage[]
  /** Events (messages with a topic) received so far. */
  events(): ServerMessage[]
  /** The first message from the `from`-th on that matches (default: any). */
  next(match?: (m: ServerMessage) => boolean, from?: number): Promise<ServerMessage>
  send(message: unknown): void
  /** Resolves with the close code once the connection has ended. */
  closed: Promise<number>
  /** Stops reading from the network, so the server's sends pile up. */
  pause(): void
  resume(): void
  close(): Promise<void>
}

export function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/ws`
}

export async function aSocket(httpUrl: string, headers: Record<string, string> = {}): Promise<TestSocket> {
  const socket = new WebSocket(wsUrl(httpUrl), { headers })
  const messages: ServerMessage[] = []
  const waiters: { match: (m: ServerMessage) => boolean; from: number; resolve: (m: ServerMessage) => void }[] = []
  const find = (match: (m: ServerMessage) => boolean, from: number) => messages.slice(from).find(match)
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as ServerMessage)
    for (const waiter of [...waiters]) {
      const found = find(waiter.match, waiter.from)
      if (found) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(found)
      }
    }
  })
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)))
  socket.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  const raw = () => (socket as unknown as { _socket: Socket })._socket
  return {
    socket,
    messages,
    events: () => messages.filter((m) => m.topic !== null),
    next(match = () => true, from = 0) {
      const found = find(match, from)
      if (found) return Promise.resolve(found)
      return new Promise((resolve) => waiters.push({ match, from, resolve }))
    },
    send(message) {
      socket.send(typeof message === 'string' ? message : JSON.stringify(message))
    },
    closed,
    pause: () => raw().pause(),
    resume: () => raw().resume(),
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return
      socket.terminate()
      await closed
    },
  }
}

/** Waits until `condition` holds, checking every few milliseconds (the test's timeout bounds it). */
export async function eventually(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10))
}
