/**
 * Renders the OpenAPI document as docs/API_REFERENCE.md, so the reference is generated
 * from the same zod schemas that validate requests, never written by hand. Pure: the
 * script and the test that keeps the file in sync both call it.
 */
type Schema = {
  type?: string | string[]
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  enum?: unknown[]
  anyOf?: Schema[]
  oneOf?: Schema[]
  allOf?: Schema[]
  description?: string
  format?: string
  minimum?: number
  maximum?: number
  default?: unknown
  const?: unknown
}

interface Operation {
  summary?: string
  description?: string
  tags?: string[]
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema; description?: string }[]
  requestBody?: { content?: Record<string, { schema?: Schema }> }
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>
}

interface OpenApiDoc {
  info: { title: string; version: string; description?: string }
  paths: Record<string, Record<string, Operation>>
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete']

function typeOf(schema: Schema | undefined): string {
  if (!schema) return 'any'
  if (schema.const !== undefined) return JSON.stringify(schema.const)
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ')
  const union = schema.anyOf ?? schema.oneOf
  if (union) return union.map(typeOf).join(' \\| ')
  if (schema.allOf) return schema.allOf.map(typeOf).join(' & ')
  if (schema.type === 'array') return `${typeOf(schema.items)}[]`
  const type = Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? 'object')
  return schema.format ? `${type} (${schema.format})` : type
}

function fieldRows(schema: Schema | undefined, prefix = ''): string[] {
  if (!schema) return []
  const variants = schema.anyOf ?? schema.oneOf
  if (variants && !schema.properties) return variants.flatMap((v, i) => [`| *variant ${i + 1}* | | | |`, ...fieldRows(v, prefix)])
  if (!schema.properties) return []
  return Object.entries(schema.properties).flatMap(([name, field]) => {
    const required = schema.required?.includes(name) ? 'yes' : ''
    const notes = [field.description, field.default !== undefined ? `default ${JSON.stringify(field.default)}` : undefined].filter(Boolean).join('; ')
    const row = `| \`${prefix}${name}\` | ${typeOf(field)} | ${required} | ${notes.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`
    const nested = field.type === 'object' && field.properties ? fieldRows(field, `${prefix}${name}.`) : []
    return [row, ...nested]
  })
}

function table(schema: Schema | undefined): string[] {
  const rows = fieldRows(schema)
  if (rows.length === 0) return []
  return ['| field | type | required | notes |', '|---|---|---|---|', ...rows, '']
}

function operation(method: string, path: string, op: Operation): string[] {
  const lines = [`### ${method.toUpperCase()} ${path}`, '']
  if (op.summary) lines.push(op.summary, '')
  if (op.description) lines.push(op.description, '')
  const params = op.parameters ?? []
  if (params.length > 0) {
    lines.push('| parameter | in | type | required | notes |', '|---|---|---|---|---|')
    for (const p of params) lines.push(`| \`${p.name}\` | ${p.in} | ${typeOf(p.schema)} | ${p.required ? 'yes' : ''} | ${(p.description ?? p.schema?.description ?? '').replace(/\|/g, '\\|')} |`)
    lines.push('')
  }
  const body = op.requestBody?.content?.['application/json']?.schema
  if (body) lines.push('Request body:', '', ...table(body))
  for (const [status, response] of Object.entries(op.responses ?? {})) {
    const schema = response.content?.['application/json']?.schema
    lines.push(`Response ${status}${response.description ? ` — ${response.description}` : ''}${schema ? ':' : ''}`, '')
    if (schema) lines.push(...table(schema))
  }
  return lines
}

export function renderApiReference(doc: OpenApiDoc): string {
  const lines = [
    `# ${doc.info.title} — reference`,
    '',
    '<!-- Generated from the OpenAPI document by `npm run docs:api`; do not edit by hand. -->',
    '',
    doc.info.description ?? '',
    '',
    'Errors are `{"error": {"code", "message", "details"}}` with the status of their code:',
    'VALIDATION_FAILED 400 (details.issues lists `{path, message}`), UNAUTHENTICATED 401, FORBIDDEN 403,',
    'NOT_FOUND 404, CONFLICT 409, PAYLOAD_TOO_LARGE 413, UNSUPPORTED_MEDIA_TYPE 415, RATE_LIMITED 429.',
    'Send an API key as `Authorization: Bearer <key>` or `X-API-Key: <key>` once any key exists.',
    '',
  ]
  const byTag = new Map<string, string[]>()
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method]
      if (!op) continue
      const tag = op.tags?.[0] ?? 'other'
      byTag.set(tag, [...(byTag.get(tag) ?? []), ...operation(method, path, op)])
    }
  }
  for (const [tag, ops] of byTag) lines.push(`## ${tag}`, '', ...ops)
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trim()}\n`
}
