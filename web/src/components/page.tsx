/** The frame of every page: its heading (focused on navigation, for screen readers), a line saying what it shows, and its controls. */
import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'

export function Page({ title, intro, actions, children }: { title: string; intro?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    document.title = `${title} · Tekton Budget`
    // Moving focus to the new page's heading tells assistive technology that the page changed.
    if (document.activeElement !== document.body && document.activeElement?.closest('nav')) heading.current?.focus()
  }, [title])
  return (
    <>
      <header class="page-header">
        <div>
          <h1 tabIndex={-1} ref={heading}>
            {title}
          </h1>
          {intro && <p class="intro">{intro}</p>}
        </div>
        {actions && <div class="page-actions">{actions}</div>}
      </header>
      {children}
    </>
  )
}

export function Section({ title, actions, children, id }: { title: string; actions?: ComponentChildren; children: ComponentChildren; id?: string }) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-heading`
  return (
    <section class="panel" aria-labelledby={headingId}>
      <div class="panel-header">
        <h2 id={headingId}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  )
}

export function Stat({ label, value, detail, testId }: { label: string; value: ComponentChildren; detail?: ComponentChildren; testId?: string }) {
  return (
    <div class="stat" data-testid={testId}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {detail && <div class="stat-detail">{detail}</div>}
    </div>
  )
}
