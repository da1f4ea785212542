/**
 * Time charts drawn by uPlot: stacked bars of usage per bucket (each group a colour,
 * biggest at the bottom) and step lines for prices that change at instants. The chart
 * follows its container's width and the OS colour scheme; the data is also in a table
 * beside every chart, which is what a screen reader reads (the canvas has a label).
 */
import { useEffect, useRef } from 'preact/hooks'
import type uPlot from 'uplot'

// uPlot is fetched with the first chart, so that pages without one (the overview) load without it.
let uplot: Promise<typeof uPlot> | null = null
const loadUplot = () => (uplot ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([m]) => m.default))

export interface Series {
  label: string
  values: (number | null)[]
}

interface Props {
  /** Accessible name of the chart. */
  label: string
  /** Bucket starts (stacked bars) or instants (steps), epoch seconds, ascending. */
  x: number[]
  series: Series[]
  kind: 'stacked-bars' | 'steps'
  format: (value: number) => string
  height?: number
  testId?: string
}

const PALETTE_SIZE = 8

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
}

function stackedData(x: number[], series: Series[]): { data: uPlot.AlignedData; order: number[] } {
  // Cumulative sums, drawn from the top of the stack down so each bar paints over the one above it.
  const sums: number[][] = []
  let running = x.map(() => 0)
  for (const s of series) {
    running = running.map((total, i) => total + (s.values[i] ?? 0))
    sums.push(running)
  }
  const order = series.map((_, i) => series.length - 1 - i)
  return { data: [x, ...order.map((i) => sums[i] ?? [])], order }
}

function options(UPlot: typeof uPlot, props: Props, width: number, order: number[]): uPlot.Options {
  const text = cssVar('--muted')
  const grid = cssVar('--grid')
  const colour = (i: number) => cssVar(`--chart-${(i % PALETTE_SIZE) + 1}`)
  const stacked = props.kind === 'stacked-bars'
  const step = props.x.length > 1 ? (props.x[1] ?? 0) - (props.x[0] ?? 0) : 3600
  const raw = (seriesIndex: number, dataIndex: number) => props.series[order[seriesIndex - 1] ?? 0]?.values[dataIndex] ?? null
  return {
    width,
    height: props.height ?? 260,
    legend: { live: true },
    cursor: { points: { show: !stacked } },
    scales: {
      x: { time: true, ...(stacked && { range: (_u, min, max) => [min - step / 2, max + step / 2] }) },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
    },
    axes: [
      { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
      { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, size: 70, values: (_u, ticks) => ticks.map((t) => props.format(t)) },
    ],
    series: [
      {},
      ...order.map((i, position) => ({
        label: props.series[i]?.label ?? '',
        stroke: colour(i),
        width: stacked ? 0 : 2,
        ...(stacked && { fill: colour(i), paths: UPlot.paths.bars!({ size: [0.8, 48] }), points: { show: false } }),
        ...(!stacked && { paths: UPlot.paths.stepped!({ align: 1 }) }),
        value: (_u: uPlot, _v: number | null, _s: number, dataIndex: number | null) => {
          const v = dataIndex === null ? null : stacked ? raw(position + 1, dataIndex) : (props.series[i]?.values[dataIndex] ?? null)
          return v === null ? '—' : props.format(v)
        },
      })),
    ],
  }
}

export function Chart(props: Props) {
  const container = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const target = container.current
    if (target === null || props.x.length === 0) return
    let plot: uPlot | null = null
    let disposed = false
    const build = async () => {
      const UPlot = await loadUplot()
      if (disposed) return
      plot?.destroy()
      const { data, order } = props.kind === 'stacked-bars' ? stackedData(props.x, props.series) : { data: [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData, order: props.series.map((_, i) => i) }
      plot = new UPlot(options(UPlot, props, Math.max(300, target.clientWidth), order), data, target)
    }
    void build()
    const resize = new ResizeObserver(() => plot?.setSize({ width: Math.max(300, target.clientWidth), height: props.height ?? 260 }))
    resize.observe(target)
    const scheme = matchMedia('(prefers-color-scheme: dark)')
    scheme.addEventListener('change', build)
    return () => {
      disposed = true
      resize.disconnect()
      scheme.removeEventListener('change', build)
      plot?.destroy()
    }
  }, [props.x, props.series, props.kind, props.format, props.height])

  if (props.x.length === 0) return <p class="chart-empty">No data in this range.</p>
  return <div class="chart" ref={container} role="img" aria-label={props.label} data-testid={props.testId} />
}
