/** A labelled filter or setting: the label names the control exactly (label[for]), so assistive technology reads "Range", not the options. */
import type { ComponentChildren } from 'preact'
import { useId } from 'preact/hooks'

export function Control({ label, children }: { label: string; children: (id: string) => ComponentChildren }) {
  const id = useId()
  return (
    <div class="control">
      <label for={id}>{label}</label>
      {children(id)}
    </div>
  )
}
