/**
 * Reading a streamed NDJSON response (an export) row by row as it arrives, so a client
 * holds one chunk at a time however long the export is. A response cut short mid-way
 * (the server failed after it began) is an error, never a silently shorter result.
 */
import { BudgetError } from '../domain/errors.js'

export async function* ndjsonRows<T>(response: Response, what: string): AsyncGenerator<T> {
  const body = response.body
  if (body === null) return
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let rest = ''
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>
      try {
        chunk = await reader.read()
      } catch (error) {
        throw new BudgetError('UNAVAILABLE', `${what}: the export stopped before its end (${(error as Error).message})`, {}, { cause: error })
      }
      if (chunk.done) break
      const lines = (rest + decoder.decode(chunk.value, { stream: true })).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) if (line.trim() !== '') yield JSON.parse(line) as T
    }
    rest += decoder.decode()
    if (rest.trim() !== '') yield JSON.parse(rest) as T
  } finally {
    await reader.cancel().catch(() => {})
  }
}
