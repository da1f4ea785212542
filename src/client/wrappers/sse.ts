/**
 * An incremental parser of server-sent events (text/event-stream), fed decoded text in
 * whatever pieces the network delivers. Only what usage tracking needs: `event` and
 * `data` fields, dispatched on a blank line.
 */
export type SseListener = (event: string | undefined, data: string) => void

export class SseParser {
  private buffer = ''
  private event: string | undefined
  private data: string[] = []

  constructor(private readonly listener: SseListener) {}

  push(text: string): void {
    this.buffer += text
    let newline = this.buffer.search(/\r\n|\r|\n/)
    // A lone \r at the end may be the first half of \r\n: wait for the next piece.
    while (newline >= 0 && !(newline === this.buffer.length - 1 && this.buffer[newline] === '\r')) {
      const line = this.buffer.slice(0, newline)
      const width = this.buffer.startsWith('\r\n', newline) ? 2 : 1
      this.buffer = this.buffer.slice(newline + width)
      this.line(line)
      newline = this.buffer.search(/\r\n|\r|\n/)
    }
  }

  /** Dispatches an event left without its closing blank line when the stream ends. */
  end(): void {
    if (this.buffer !== '') this.line(this.buffer)
    this.buffer = ''
    this.line('')
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.listener(this.event, this.data.join('\n'))
      this.event = undefined
      this.data = []
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'event') this.event = value
    else if (field === 'data') this.data.push(value)
  }
}
