/**
 * The text of a request that its input tokens are counted from: every string in the
 * messages, system prompt and tool definitions, whatever the SDK's shape, except inline
 * binary (base64 `data`, `data:` URLs), which tokenizes nothing like text.
 */
export function textOf(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') {
    if (!value.startsWith('data:')) into.push(value)
  } else if (Array.isArray(value)) {
    for (const item of value) textOf(item, into)
  } else if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const [key, item] of Object.entries(value)) if (key !== 'data') textOf(item, into)
  }
  return into
}

/** Counts the tokens of the named parts of a request body, plus a few per message for the chat format. */
export function countRequest(count: (text: string) => number, parts: readonly unknown[], messages: number): number {
  return count(parts.flatMap((part) => textOf(part)).join('\n')) + 4 * messages + 3
}
