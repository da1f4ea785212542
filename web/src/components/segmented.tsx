/** A row of toggle buttons choosing one option (aria-pressed marks the chosen one). */
export function Segmented<T extends string>({ label, options, value, onChange }: { label: string; options: Record<T, string>; value: T; onChange: (value: T) => void }) {
  return (
    <div class="segmented" role="group" aria-label={label}>
      {(Object.entries(options) as [T, string][]).map(([key, text]) => (
        <button key={key} type="button" aria-pressed={key === value} onClick={() => onChange(key)}>
          {text}
        </button>
      ))}
    </div>
  )
}
