/**
 * The SSE parser the wrappers read streamed usage with, fed the way networks deliver.
 */
import { describe, expect, it } from 'vitest'
import { SseParser } from '../../src/client/wrappers/sse.js'

function parse(pieces: string[], end = false): [string | undefined, string][] {
  const events: [string | undefined, string][] = []
  const parser = new SseParser((event, data) => events.push([event, data]))
  for (const piece of pieces) parser.push(piece)
  if (end) parser.end()
  return events
}

describe('SseParser', () => {
  it('dispatches each event on its blank line, whatever the pieces', () => {
    const text = 'event: message_start\ndata: {"a":1}\n\n: a comment\ndata: [DONE]\n\n'

    const whole = parse([text])
    const byCharacter = parse([...text])

    expect(whole).toEqual([
      ['message_start', '{"a":1}'],
      [undefined, '[DONE]'],
    ])
    expect(byCharacter).toEqual(whole)
  })

  it('takes CRLF line ends split between two pieces as one line end', () => {
    expect(parse(['data: x\r', '\n\r', '\n', 'data: y\r\n\r\n'])).toEqual([
      [undefined, 'x'],
      [undefined, 'y'],
    ])
  })

  it('joins multi-line data and dispatches an unterminated last event at the end', () => {
    expect(parse(['data: a\ndata: b\n\ndata: c'], true)).toEqual([
      [undefined, 'a\nb'],
      [undefined, 'c'],
    ])
  })
})
