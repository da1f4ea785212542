/**
 * Form pieces: a labelled field that shows the API's validation message for it (linked
 * with aria-describedby and aria-invalid), the error summary above a form for what
 * belongs to no field (a name taken, a key that may not write), and the submit/cancel row.
 */
import type { ComponentChildren } from 'preact'
import { ApiError } from '../api.js'

export type FieldErrors = Record<string, string>

/** The API's VALIDATION_FAILED issues by top-level field; other errors under "" (the form). */
export function fieldErrors(error: unknown): FieldErrors {
  if (!(error instanceof ApiError)) return { '': error instanceof Error ? error.message : String(error) }
  const issues = error.issues
  if (issues.length === 0) return { '': error.message }
  const out: FieldErrors = {}
  for (const issue of issues) {
    const field = issue.path.length === 0 ? '' : issue.path.join('.')
    out[field] ??= issue.message
  }
  return out
}

interface FieldProps {
  id: string
  label: string
  error?: string | undefined
  hint?: string
  children: (attrs: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ComponentChildren
}

export function Field({ id, label, error, hint, children }: FieldProps) {
  const described = [error && `${id}-error`, hint && `${id}-hint`].filter(Boolean).join(' ')
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children({ id, 'aria-invalid': error !== undefined, ...(described && { 'aria-describedby': described }) })}
      {hint && (
        <small id={`${id}-hint`} class="muted">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} class="field-error" data-testid={`error-${id}`}>
          {error}
        </small>
      )}
    </div>
  )
}

export function FormErrors({ errors, fields }: { errors: FieldErrors; fields: readonly string[] }) {
  const general = Object.entries(errors).filter(([field]) => field === '' || !fields.includes(field))
  if (general.length === 0 && Object.keys(errors).length === 0) return null
  return (
    <div class="state error" role="alert" data-testid="form-errors">
      {general.length > 0 ? general.map(([field, message]) => <p key={field}>{field ? `${field}: ${message}` : message}</p>) : <p>Some fields need attention: see the messages below them.</p>}
    </div>
  )
}

/** The submit button (disabled and saying so while saving) and, when the form can be dismissed, Cancel. */
export function FormActions({ saving, label, onCancel }: { saving: boolean; label: string; onCancel?: (() => void) | undefined }) {
  return (
    <div class="form-actions">
      <button type="submit" class="primary" disabled={saving}>
        {saving ? 'Saving…' : label}
      </button>
      {onCancel && (
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      )}
    </div>
  )
}
