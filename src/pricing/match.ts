/**
 * Evaluates genai-prices match logic against a model or provider id.
 *
 * Mirrors `@pydantic/genai-prices` exactly: the id is trimmed and lower-cased once (its
 * calcPrice does that before matching), string operators compare lower-case on both
 * sides, and a regex runs as written against the lower-cased id, so an upper-case regex
 * never matches — as there. Logic with no known operator matches nothing.
 *
 * Pure; does not decide which provider or model wins (pricing/catalog.ts).
 */
import type { MatchLogic } from '../domain/price.js'

// Resolution runs once per distinct id (the catalog memoises), but a provider's models are
// tried one after another, so each pattern is compiled only once.
const compiled = new Map<string, RegExp>()

function regexFor(source: string): RegExp {
  let regex = compiled.get(source)
  if (regex === undefined) {
    regex = new RegExp(source)
    compiled.set(source, regex)
  }
  return regex
}

function matchesLowered(logic: MatchLogic, id: string): boolean {
  if ('or' in logic) return logic.or.some((l) => matchesLowered(l, id))
  if ('and' in logic) return logic.and.every((l) => matchesLowered(l, id))
  if ('equals' in logic) return id === logic.equals.toLowerCase()
  if ('starts_with' in logic) return id.startsWith(logic.starts_with.toLowerCase())
  if ('ends_with' in logic) return id.endsWith(logic.ends_with.toLowerCase())
  if ('contains' in logic) return id.includes(logic.contains.toLowerCase())
  if ('regex' in logic) return regexFor(logic.regex).test(id)
  return false
}

/** Whether `id` satisfies `logic`, case-insensitively as genai-prices does. */
export function matchesId(logic: MatchLogic, id: string): boolean {
  return matchesLowered(logic, id.trim().toLowerCase())
}
