/**
 * The ASCII budget bar of the live status and the final report: `[##########..........]`,
 * coloured by how much of the budget is used — green below 70 %, yellow below 90 %, red
 * from 90 % (and past 100 %, where the bar stays full).
 */
import type { Colors } from './colors.js'

export const BAR_WIDTH = 20

export function budgetBar(utilization: number, colors: Colors, width = BAR_WIDTH): string {
  const ratio = Number.isFinite(utilization) ? Math.max(0, utilization) : 0
  const filled = Math.min(width, Math.round(Math.min(1, ratio) * width))
  return `[${colorFor(ratio, colors)('#'.repeat(filled))}${'.'.repeat(width - filled)}]`
}

export function colorFor(utilization: number, colors: Colors): (text: string) => string {
  if (utilization >= 0.9) return colors.red
  if (utilization >= 0.7) return colors.yellow
  return colors.green
}

/** `52%`, `100%`, `134%`. */
export const percentOf = (utilization: number) => `${Math.round(Math.max(0, utilization) * 100)}%`
