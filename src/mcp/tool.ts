/**
 * What an MCP tool is here: a name, a description, a domain schema for its input and one
 * for its output, the least API-key role that may call it, and a call into the
 * BudgetService. Tools are defined once (tools/*.ts) and registered on every server, stdio
 * and HTTP alike.
 *
 * Roles: over HTTP the transport hands the caller's key as `authInfo` (scopes = [role]);
 * a tool refuses a key whose role is too low with FORBIDDEN. Without authInfo (stdio, or
 * an open server with no key) every tool may be called.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js'
import type { z } from 'zod'
import type { BudgetService } from '../client/service.js'
import { type Role, Role as RoleSchema, roleAllows } from '../domain/api-key.js'
import { errorResult, failureResult, successResult } from './tool-result.js'

/** A tool with its types erased, ready to register. */
export interface Tool {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly role: Role
  readonly input: z.ZodObject
  readonly output: z.ZodObject
  readonly annotations: ToolAnnotations
  call(service: BudgetService, input: unknown): Promise<{ value: object; summary: string }>
}

export interface ToolDefinition<I extends z.ZodObject, O extends z.ZodObject> {
  name: string
  title: string
  description: string
  role: Role
  input: I
  output: O
  /** Reads only: changes nothing in the store. */
  readOnly: boolean
  run(service: BudgetService, input: z.output<I>): Promise<z.output<O>>
  /** One or a few lines for a person or a model reading the result. */
  summarize(result: z.output<O>): string
}

export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(definition: ToolDefinition<I, O>): Tool {
  return {
    name: definition.name,
    title: definition.title,
    description: definition.description,
    role: definition.role,
    input: definition.input,
    output: definition.output,
    annotations: { title: definition.title, readOnlyHint: definition.readOnly, destructiveHint: false, openWorldHint: false },
    async call(service, input) {
      const value = await definition.run(service, input as z.output<I>)
      return { value, summary: definition.summarize(value) }
    },
  }
}

/** The role an HTTP caller's key has; undefined when the call is not authenticated (stdio, open server). */
function roleOf(authInfo: AuthInfo | undefined): Role | null | undefined {
  if (authInfo === undefined) return undefined
  const role = authInfo.scopes.find((scope) => RoleSchema.safeParse(scope).success)
  return (role as Role | undefined) ?? null
}

export function registerTools(server: McpServer, service: BudgetService, tools: readonly Tool[], onError: (error: unknown) => void): void {
  for (const tool of tools) {
    const callback = async (input: unknown, extra: { authInfo?: AuthInfo }): Promise<CallToolResult> => {
      const role = roleOf(extra.authInfo)
      if (role !== undefined && (role === null || !roleAllows(role, tool.role))) {
        return errorResult('FORBIDDEN', `${tool.name} needs a key with role ${tool.role}; this key has role ${role ?? 'none'}`, { needs: tool.role, has: role })
      }
      try {
        const { value, summary } = await tool.call(service, input)
        return successResult(value, summary)
      } catch (error) {
        return failureResult(error, onError)
      }
    }
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.input, outputSchema: tool.output, annotations: tool.annotations },
      callback as never,
    )
  }
}
