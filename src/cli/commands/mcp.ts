/**
 * `budget mcp`: an MCP server on stdin/stdout over the local store (or a server with
 * --server), for Claude Code, Claude Desktop and other MCP clients. Runs until stdin ends
 * or SIGINT/SIGTERM; then the store is closed as after any command.
 */
import type { Command } from 'commander'
import type { Cli } from '../context.js'

export function registerMcp(program: Command, cli: Cli): void {
  program
    .command('mcp')
    .description('Serve the budget tools and resources over MCP on stdin/stdout (for Claude Code, Claude Desktop, …)')
    .addHelpText(
      'after',
      `
Tools: allocate_budget, check_budget, record_usage, get_budget_status,
get_model_recommendations, route_with_budget_awareness, get_usage_analytics, get_prices,
calculate_cost. Resources: budget://{id}, budget://alerts, budget://prices (subscribable).
stdout carries the protocol only; errors go to stderr. A running service also serves the
same over HTTP at /mcp.

Claude Code:
  $ claude mcp add tekton-budget -- budget mcp --data-dir ~/.tekton/budget

Claude Desktop (claude_desktop_config.json):
  {"mcpServers": {"tekton-budget": {"command": "budget", "args": ["mcp"],
    "env": {"BUDGET_DATA_DIR": "/home/me/.tekton/budget"}}}}

Examples:
  $ budget mcp
  $ budget mcp --server http://127.0.0.1:8013 --api-key $BUDGET_API_KEY`,
    )
    .action(
      cli.action(async ({ out, session }) => {
        const opened = await session()
        const { BudgetEngine } = await import('../../engine/engine.js')
        const { createMcpServer } = await import('../../mcp/server.js')
        const { serveStdio } = await import('../../mcp/stdio.js')
        const events = opened.service instanceof BudgetEngine ? opened.service.ctx.events : undefined
        const mcp = createMcpServer({
          service: opened.service,
          events,
          onError: (error) => out.note(`MCP tool failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
        })
        const serving = await serveStdio(mcp)
        const stop = () => void serving.close()
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
        await serving.closed
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
      }),
    )
}
