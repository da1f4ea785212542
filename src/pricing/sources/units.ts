/**
 * Feed prices to integer nano-USD per million tokens, exactly.
 *
 * Feeds publish USD per token (`3e-06`, `"0.0000033333333"`) or USD per million tokens
 * (`2.5`). Multiplying such floats by 1e15 leaks binary noise (3e-6 × 1e15 =
 * 3000000000.0000005), so the decimal text is scaled as digits instead, and rounded half up
 * once. A number is read through its shortest round-trip text (`String(n)`), which is what
 * the feed wrote.
 *
 * Returns null for anything that is not a finite, non-negative decimal: the caller skips the
 * entry, it never guesses.
 */

const DECIMAL = /^\+?(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i

/** round(value × 10^scale) of a decimal text, or null when it is not a non-negative decimal or too large. */
export function scaleDecimal(text: string, scale: number): number | null {
  const match = DECIMAL.exec(text.trim())
  if (match === null) return null
  const [, whole = '', fraction = '', exponentText = '0'] = match
  if (whole === '' && fraction === '') return null
  const digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, '')
  const exponent = Number(exponentText) - fraction.length + scale
  if (!Number.isSafeInteger(exponent) || exponent > 30) return null
  let scaled: bigint
  if (exponent >= 0) {
    scaled = BigInt(digits) * 10n ** BigInt(exponent)
  } else {
    const divisor = 10n ** BigInt(-exponent)
    scaled = (BigInt(digits) * 2n + divisor) / (2n * divisor)
  }
  if (scaled > BigInt(Number.MAX_SAFE_INTEGER)) return null
  return Number(scaled)
}

function decimalText(value: unknown): string | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? String(value) : null
  if (typeof value === 'string') return value.trim() === '' ? null : value
  return null
}

/** USD per token (LiteLLM, OpenRouter) → nano-USD per million tokens. */
export function perTokenToNano(value: unknown): number | null {
  const text = decimalText(value)
  return text === null ? null : scaleDecimal(text, 15)
}

/** USD per million tokens (llm-prices, web pages) → nano-USD per million tokens. */
export function perMtokToNano(value: unknown): number | null {
  const text = decimalText(value)
  return text === null ? null : scaleDecimal(text, 9)
}

/**
 * A price as a web page shows it: `$2.50`, `2.50 USD`, `$0.0025 / 1K tokens`, `$3 per 1M`,
 * `1,250.00`. `perThousand` says the column's unit when the cell names none. Returns null
 * when the cell holds no readable price (`—`, `N/A`, `Free`, `Contact us`, two prices).
 */
export function pageCellToNano(cell: string, perThousand = false): number | null {
  const text = cell.replace(/\s+/g, ' ').trim()
  const unit = UNIT.exec(text)
  // The unit's own digits ("1M") are not a price; what is left must hold exactly one amount
  // ("$3 - $6" is a range, "$3 / $15" two prices: refused, not guessed).
  const rest = unit === null ? text : text.slice(0, unit.index) + text.slice(unit.index + unit[0].length)
  const amounts = rest.match(/\d[\d,]*(?:\.\d+)?|\.\d+/g)
  if (amounts === null || amounts.length !== 1) return null
  const unitText = (unit?.[1] ?? '').toLowerCase().replace(/[\s,]/g, '')
  const thousand = unitText === '' ? perThousand : THOUSAND.has(unitText)
  return scaleDecimal(amounts[0]!.replace(/,/g, ''), thousand ? 12 : 9)
}

const UNIT = /(?:\/|\bper)\s*(1\s*[km]\b|1,?000(?:,000)?|million|thousand|m\b|k\b|mtok|ktok)(?:\s*tokens?)?/i
const THOUSAND = new Set(['1k', 'k', '1000', 'thousand', 'ktok'])
