/**
 * A table whose columns sort on click or Enter (the header is a button; aria-sort says the
 * order). Numbers sort numerically, text alphabetically; missing values sort last.
 */
import type { ComponentChildren } from 'preact'
import { useMemo, useState } from 'preact/hooks'

export interface Column<T> {
  key: string
  label: string
  /** The value the column sorts by. */
  value: (row: T) => number | string | null
  /** What the cell shows (default: the value). */
  render?: (row: T) => ComponentChildren
  numeric?: boolean
}

interface Props<T> {
  caption: string
  columns: Column<T>[]
  rows: T[]
  rowKey: (row: T) => string
  initialSort?: { key: string; descending: boolean }
  /** Rows shown before "Show all". */
  pageSize?: number
  testId?: string
}

export function SortableTable<T>({ caption, columns, rows, rowKey, initialSort, pageSize = 200, testId }: Props<T>) {
  const [sort, setSort] = useState(initialSort ?? { key: columns[0]?.key ?? '', descending: false })
  const [showAll, setShowAll] = useState(false)
  const sorted = useMemo(() => {
    const column = columns.find((c) => c.key === sort.key)
    if (column === undefined) return rows
    const direction = sort.descending ? -1 : 1
    return [...rows].sort((a, b) => {
      const x = column.value(a)
      const y = column.value(b)
      if (x === y) return 0
      if (x === null) return 1
      if (y === null) return -1
      return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * direction
    })
  }, [rows, sort, columns])
  const visible = showAll ? sorted : sorted.slice(0, pageSize)

  const toggle = (key: string, numeric: boolean | undefined) =>
    setSort((s) => (s.key === key ? { key, descending: !s.descending } : { key, descending: numeric === true }))

  return (
    <div class="table-wrap">
      <table data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" class={c.numeric ? 'num' : undefined} aria-sort={sort.key === c.key ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
                <button type="button" class="sort" onClick={() => toggle(c.key, c.numeric)}>
                  {c.label}
                  <span aria-hidden="true" class="sort-mark">
                    {sort.key === c.key ? (sort.descending ? '▼' : '▲') : ''}
                  </span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {visible.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td key={c.key} class={c.numeric ? 'num' : undefined} data-col={c.key}>
                  {c.render ? c.render(row) : c.value(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {sorted.length > visible.length && (
        <p class="table-more">
          Showing {visible.length} of {sorted.length} rows.{' '}
          <button type="button" class="link" onClick={() => setShowAll(true)}>
            Show all
          </button>
        </p>
      )}
    </div>
  )
}
