/**
 * MCP over stdio, as `budget mcp` serves it to Claude Code, Claude Desktop and other
 * clients that spawn their servers: JSON-RPC lines on stdin and stdout, nothing else on
 * stdout. The server runs until stdin ends or `close` is called.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import type { BudgetMcpServer } from './server.js'

export interface StdioServing {
  /** Resolves once the server has closed. */
  readonly closed: Promise<void>
  close(): Promise<void>
}

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
  const onEnd = () => void close()
  stdin.once('end', onEnd)
  await mcp.server.connect(transport)
  void closed.then(() => stdin.off('end', onEnd))
  return { closed, close }
}
