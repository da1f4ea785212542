/** Create or change a budget: name, description, owner, tags. Validation messages come from the API. */
import { useState } from 'preact/hooks'
import type { Budget } from '../../../src/domain/budget.js'
import { patch, post, seg } from '../api.js'
import { Field, FormActions, type FieldErrors, fieldErrors, FormErrors } from './form.js'

const FIELDS = ['name', 'description', 'owner', 'tags'] as const

export function BudgetForm({ budget, onSaved, onCancel }: { budget?: Budget; onSaved: (budget: Budget) => void; onCancel?: () => void }) {
  const [values, setValues] = useState({
    name: budget?.name ?? '',
    description: budget?.description ?? '',
    owner: budget?.owner ?? '',
    tags: budget?.tags.join(', ') ?? '',
  })
  const [errors, setErrors] = useState<FieldErrors>({})
  const [saving, setSaving] = useState(false)
  const set = (field: keyof typeof values) => (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => setValues((v) => ({ ...v, [field]: e.currentTarget.value }))
  const prefix = budget ? `budget-${budget.id}` : 'new-budget'

  const submit = async (e: Event) => {
    e.preventDefault()
    setSaving(true)
    setErrors({})
    const tags = values.tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean)
    const body = {
      name: values.name,
      ...(values.description.trim() && { description: values.description }),
      ...(values.owner.trim() && { owner: values.owner }),
      ...((tags.length > 0 || budget) && { tags }),
    }
    try {
      const saved = budget ? await patch<Budget>(`/api/v1/budgets/${seg(budget.id)}`, body) : await post<Budget>('/api/v1/budgets', body)
      if (!budget) setValues({ name: '', description: '', owner: '', tags: '' })
      onSaved(saved)
    } catch (error) {
      setErrors(fieldErrors(error))
    } finally {
      setSaving(false)
    }
  }

  return (
    <form class="form" onSubmit={submit} aria-label={budget ? `Edit budget ${budget.name}` : 'Create a budget'} noValidate>
      <FormErrors errors={errors} fields={FIELDS} />
      <div class="form-grid">
        <Field id={`${prefix}-name`} label="Name" error={errors.name} hint="Unique; usable wherever an id is">
          {(a) => <input {...a} name="name" value={values.name} onInput={set('name')} autoComplete="off" />}
        </Field>
        <Field id={`${prefix}-owner`} label="Owner" error={errors.owner}>
          {(a) => <input {...a} name="owner" value={values.owner} onInput={set('owner')} />}
        </Field>
        <Field id={`${prefix}-tags`} label="Tags" error={errors.tags ?? errors['tags.0']} hint="Comma separated">
          {(a) => <input {...a} name="tags" value={values.tags} onInput={set('tags')} />}
        </Field>
        <Field id={`${prefix}-description`} label="Description" error={errors.description}>
          {(a) => <textarea {...a} name="description" rows={2} value={values.description} onInput={set('description')} />}
        </Field>
      </div>
      <FormActions saving={saving} label={budget ? 'Save budget' : 'Create budget'} onCancel={onCancel} />
    </form>
  )
}
