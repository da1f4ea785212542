/**
 * MCP over stdio, as `budget mcp` serves it to Claude Code, Claude Desktop and other
 * clients that spawn their servers: JSON-RPC lines on stdin and stdout, nothing else on
 * stdout. The server runs until `close` is called or stdin ends — and then still answers
 * the requests it had already read, so `… | budget mcp` gets every answer.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import type { BudgetMcpServer } from './server.js'

export interface StdioServing {
  /** Resolves once the server has closed. */
  readonly closed: Promise<void>
  close(): Promise<void>
}

type Id = string | number

const requestId = (m: JSONRPCMessage): Id | undefined => ('method' in m && 'id' in m ? m.id : undefined)
const responseId = (m: JSONRPCMessage): Id | undefined => (!('method' in m) && 'id' in m ? m.id : undefined)

export async function serveStdio(
  mcp: BudgetMcpServer,
  stdin: NodeJS.ReadableStream = process.stdin,
  stdout: NodeJS.WritableStream = process.stdout,
): Promise<StdioServing> {
  const transport = new StdioServerTransport(stdin as typeof process.stdin, stdout as typeof process.stdout)
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve
  })
  const close = () => mcp.close()
  await mcp.server.connect(transport)

  // The requests read and not yet answered: stdin's end closes the server once they are.
  const open = new Set<Id>()
  let ended = false
  const receive = transport.onmessage
  transport.onmessage = (message: JSONRPCMessage) => {
    const id = requestId(message)
    if (id !== undefined) open.add(id)
    receive?.(message)
  }
  const send = transport.send.bind(transport)
  transport.send = async (message: JSONRPCMessage) => {
    await send(message)
    const id = responseId(message)
    if (id !== undefined) open.delete(id)
    if (ended && open.size === 0) void close()
  }
  const onEnd = () => {
    ended = true
    if (open.size === 0) void close()
  }
  stdin.once('end', onEnd)
  void closed.then(() => stdin.off('end', onEnd))
  return { closed, close }
}
