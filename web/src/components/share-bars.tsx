/** Horizontal bars of each part's share of a whole, labelled with the value and the percentage (readable without colour). */
import { formatPercent } from '../format.js'

export function ShareBars({ label, parts, format, testId }: { label: string; parts: { key: string; value: number }[]; format: (v: number) => string; testId?: string }) {
  const total = parts.reduce((sum, p) => sum + p.value, 0)
  return (
    <ul class="share-bars" aria-label={label} data-testid={testId}>
      {parts.map((p, i) => {
        const share = total > 0 ? p.value / total : 0
        return (
          <li key={p.key}>
            <span class="share-label">{p.key}</span>
            <span class="share-track" aria-hidden="true">
              <span class="share-fill" style={{ width: `${share * 100}%`, background: `var(--chart-${(i % 8) + 1})` }} />
            </span>
            <span class="share-figure num">
              {format(p.value)} <span class="muted">({formatPercent(share)})</span>
            </span>
          </li>
        )
      })}
    </ul>
  )
}
