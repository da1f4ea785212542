/**
 * Token counts from text, for Rhetor's count_tokens and the legacy messages that carry
 * text instead of counts. An estimate, not a tokenizer: about four characters a token
 * (OpenAI's rule of thumb for English), rounded up, so it is deterministic and needs no
 * model files. Records made from it say so (metadata.tokensEstimated).
 */
export const CHARS_PER_TOKEN = 4

export function estimateTokens(text: string | null | undefined): number {
  if (!text) return 0
  return Math.ceil(text.length / CHARS_PER_TOKEN)
}

/** Tokens of `length` characters of output, as Rhetor's estimate_cost assumed them. */
export const estimateTokensOfLength = (length: number): number => Math.ceil(Math.max(0, length) / CHARS_PER_TOKEN)
