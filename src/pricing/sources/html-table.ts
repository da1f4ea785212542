/**
 * Price tables on web pages, read defensively with cheerio.
 *
 * A table counts when its header names a model column and input and output price columns
 * (by words, in any order: "Model", "Input ($/1M tokens)", "Output price"…); a provider
 * comes from a provider column or from a heading row that spans the table ("Anthropic").
 * A column whose header says "1K" is per thousand tokens. A row whose prices cannot be read
 * ("—", "Free", "$3 - $6") is skipped; a page with no such table, or with mostly unreadable
 * rows, throws SourceFormatError — a redesign is reported, never read as numbers.
 */
import { load } from 'cheerio'
import { basePrice, type ParsedFeed, type RawObservation, requireReadable, SourceFormatError } from './adapter.js'
import { pageCellToNano } from './units.js'

interface Columns {
  model: number
  provider: number | null
  input: number
  output: number
  cacheRead: number | null
  inputPerThousand: boolean
  outputPerThousand: boolean
  cacheReadPerThousand: boolean
}

const PER_THOUSAND = /\b1\s*k\b|thousand|1,000\b(?!,)/i

function findColumns(headers: string[]): Columns | null {
  const index = (test: (h: string) => boolean) => {
    const i = headers.findIndex(test)
    return i < 0 ? null : i
  }
  const model = index((h) => /\bmodel\b|^name$/i.test(h))
  const input = index((h) => /\b(input|prompt)\b/i.test(h) && !/cache/i.test(h))
  const output = index((h) => /\b(output|completion)\b/i.test(h))
  if (model === null || input === null || output === null) return null
  const cacheRead = index((h) => /cache/i.test(h) && !/write|creation/i.test(h))
  return {
    model,
    provider: index((h) => /provider|vendor|creator|company|organi[sz]ation|developer/i.test(h)),
    input,
    output,
    cacheRead,
    inputPerThousand: PER_THOUSAND.test(headers[input] ?? ''),
    outputPerThousand: PER_THOUSAND.test(headers[output] ?? ''),
    cacheReadPerThousand: cacheRead !== null && PER_THOUSAND.test(headers[cacheRead] ?? ''),
  }
}

const squeeze = (value: string) => value.replace(/\s+/g, ' ').trim()

/** Reads every price table of `html`; `what` names the page in errors. */
export function parsePriceTables(html: string, what: string): ParsedFeed {
  const $ = load(html)
  const feed: ParsedFeed = { observations: [], skipped: 0 }
  let tables = 0
  $('table').each((_, table) => {
    const rows = $(table).find('tr').toArray()
    const headerAt = rows.findIndex((row) => $(row).children('th').length >= 3)
    if (headerAt < 0) return
    const columns = findColumns($(rows[headerAt]).children('th, td').toArray().map((cell) => squeeze($(cell).text())))
    if (columns === null) return
    tables++
    let groupProvider: string | null = null
    for (const row of rows.slice(headerAt + 1)) {
      const cells = $(row).children('th, td')
      if (cells.length === 1) {
        // A heading row spanning the table names the provider of the rows below it.
        groupProvider = squeeze(cells.text()) || null
        continue
      }
      if (cells.length === 0) continue
      const modelCell = cells.eq(columns.model)
      const modelId = modelCell.attr('data-model-id') ?? modelCell.find('[data-model-id]').attr('data-model-id')
      const observation = readRow(cells.toArray().map((cell) => squeeze($(cell).text())), modelId, columns, groupProvider)
      if (observation === null) feed.skipped++
      else feed.observations.push(observation)
    }
  })
  if (tables === 0) throw new SourceFormatError(`${what}: no price table (model, input and output columns) on the page; its layout has probably changed`)
  return requireReadable(feed, what)
}

function readRow(cells: string[], modelId: string | undefined, columns: Columns, groupProvider: string | null): RawObservation | null {
  const cell = (i: number | null) => (i === null ? '' : (cells[i] ?? ''))
  const model = modelId?.trim() || cell(columns.model)
  const inputNano = pageCellToNano(cell(columns.input), columns.inputPerThousand)
  const outputNano = pageCellToNano(cell(columns.output), columns.outputPerThousand)
  if (model === '' || inputNano === null || outputNano === null) return null
  const price = basePrice(inputNano, outputNano)
  if (columns.cacheRead !== null) price.cacheReadNano = pageCellToNano(cell(columns.cacheRead), columns.cacheReadPerThousand)
  const provider = cell(columns.provider) || groupProvider
  return { sourceProvider: provider, sourceModelId: model, price }
}
