/**
 * Counting the input tokens of a request before it is sent, to size its reservation.
 *
 * `tiktoken` uses js-tiktoken's o200k_base encoding when the package is installed (it is an
 * optional peer dependency) and falls back to the approximate count otherwise; texts
 * longer than TIKTOKEN_MAX_CHARS are counted approximately too, since encoding them costs
 * more than an estimate is worth. `approximate` is a character count / 4, rounded up. The
 * real usage is committed after the call either way: this only sizes the hold.
 */
export type TokenCounter = (text: string) => number
export type TokenCounting = 'tiktoken' | 'approximate' | TokenCounter

const TIKTOKEN_MAX_CHARS = 200_000

export const approximateTokens: TokenCounter = (text) => Math.ceil(text.length / 4)

let tiktoken: Promise<TokenCounter | null> | null = null

async function loadTiktoken(): Promise<TokenCounter | null> {
  try {
    const [{ Tiktoken }, ranks] = await Promise.all([import('js-tiktoken/lite'), import('js-tiktoken/ranks/o200k_base')])
    const encoding = new Tiktoken(ranks.default)
    // No special tokens: a prompt that contains "<|endoftext|>" is counted as text, not refused.
    return (text) => (text.length > TIKTOKEN_MAX_CHARS ? approximateTokens(text) : encoding.encode(text, [], []).length)
  } catch {
    return null
  }
}

export async function tokenCounter(counting: TokenCounting = 'tiktoken'): Promise<TokenCounter> {
  if (typeof counting === 'function') return counting
  if (counting === 'approximate') return approximateTokens
  tiktoken ??= loadTiktoken()
  return (await tiktoken) ?? approximateTokens
}
