/**
 * The range controls of the Usage, Costs and Providers pages, bound to the URL: a preset
 * or custom dates, and (where the page charts buckets) the granularity.
 */
import { GRANULARITIES, type GranularityChoice, isRangeKey, localDate, RANGES, type RangeKey, resolveRange, type ResolvedRange } from '../range.js'
import { useQueryParam } from '../router.js'
import { Control } from './control.js'

export interface RangeState {
  range: RangeKey
  fromDate: string
  toDate: string
  granularity: GranularityChoice
  /** Computed at call time, so a reload moves "last 24 hours" along with the clock. */
  resolve(): ResolvedRange
  /** Changes whenever the range settings change; a dependency for loaders. */
  key: string
}

export function useRange(defaultRange: RangeKey = '7d'): RangeState & { set: { range(v: string): void; from(v: string): void; to(v: string): void; granularity(v: string): void } } {
  const [rawRange, setRange] = useQueryParam('range', defaultRange)
  const [fromDate, setFrom] = useQueryParam('from', localDate(6))
  const [toDate, setTo] = useQueryParam('to', localDate(0))
  const [rawGranularity, setGranularity] = useQueryParam('granularity', 'auto')
  const range = isRangeKey(rawRange) ? rawRange : defaultRange
  const granularity = (GRANULARITIES as readonly string[]).includes(rawGranularity) ? (rawGranularity as GranularityChoice) : 'auto'
  return {
    range,
    fromDate,
    toDate,
    granularity,
    resolve: () => resolveRange(range, fromDate, toDate),
    key: [range, range === 'custom' ? `${fromDate}..${toDate}` : '', granularity].join('|'),
    set: { range: setRange, from: setFrom, to: setTo, granularity: setGranularity },
  }
}

export function RangePicker({ state, withGranularity = false }: { state: ReturnType<typeof useRange>; withGranularity?: boolean }) {
  return (
    <div class="controls" role="group" aria-label="Time range">
      <Control label="Range">
        {(id) => (
          <select id={id} value={state.range} onChange={(e) => state.set.range(e.currentTarget.value)}>
            {Object.entries(RANGES).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        )}
      </Control>
      {state.range === 'custom' && (
        <>
          <Control label="From">
            {(id) => (
              <input id={id} type="date" value={state.fromDate} max={state.toDate} onChange={(e) => e.currentTarget.value && state.set.from(e.currentTarget.value)} />
            )}
          </Control>
          <Control label="To">
            {(id) => (
              <input id={id} type="date" value={state.toDate} min={state.fromDate} onChange={(e) => e.currentTarget.value && state.set.to(e.currentTarget.value)} />
            )}
          </Control>
        </>
      )}
      {withGranularity && (
        <Control label="Granularity">
          {(id) => (
            <select id={id} value={state.granularity} onChange={(e) => state.set.granularity(e.currentTarget.value)}>
              {GRANULARITIES.map((g) => (
                <option key={g} value={g}>
                  {g === 'auto' ? 'Automatic' : `By ${g}`}
                </option>
              ))}
            </select>
          )}
        </Control>
      )}
    </div>
  )
}
