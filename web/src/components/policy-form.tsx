/**
 * Add a policy to a budget or change one: type, period (rolling windows take a length),
 * token and/or dollar limits, thresholds in percent, and the scope fields a call must
 * match. The API validates; its messages appear beside the fields.
 */
import { useState } from 'preact/hooks'
import type { Policy } from '../../../src/domain/policy.js'
import { patch, post, seg } from '../api.js'
import { Field, FormActions, type FieldErrors, fieldErrors, FormErrors } from './form.js'

const TYPES = { hard_limit: 'Hard limit (block)', soft_limit: 'Soft limit (downgrade)', warn: 'Warn only', ignore: 'Ignore (track only)' } as const
const PERIODS = { hourly: 'Hourly', daily: 'Daily', weekly: 'Weekly', monthly: 'Monthly', rolling: 'Rolling window', per_session: 'Per session', per_task: 'Per task' } as const
const TIERS = ['', 'local_lightweight', 'local_midweight', 'remote_heavyweight'] as const
const SCOPE = ['provider', 'model', 'component', 'taskType'] as const
const FIELDS = ['type', 'period', 'windowSeconds', 'tokenLimit', 'costLimitUsd', 'warningThreshold', 'actionThreshold', 'scope.tier', ...SCOPE.map((s) => `scope.${s}`), 'enabled']

const numberOrUndefined = (text: string) => (text.trim() === '' ? undefined : Number(text))
const percentOf = (ratio: number | undefined) => (ratio === undefined ? '' : String(Math.round(ratio * 1000) / 10))

export function PolicyForm({ budgetId, policy, onSaved, onCancel }: { budgetId: string; policy?: Policy; onSaved: (policy: Policy) => void; onCancel?: () => void }) {
  const initial = () => ({
    type: policy?.type ?? 'hard_limit',
    period: policy?.period ?? 'daily',
    windowMinutes: policy?.windowSeconds === undefined ? '' : String(policy.windowSeconds / 60),
    tokenLimit: policy?.tokenLimit === undefined ? '' : String(policy.tokenLimit),
    costLimitUsd: policy?.costLimitUsd === undefined ? '' : String(policy.costLimitUsd),
    warning: percentOf(policy?.warningThreshold ?? 0.8),
    action: percentOf(policy?.actionThreshold ?? 0.95),
    tier: policy?.scope.tier ?? '',
    provider: policy?.scope.provider ?? '',
    model: policy?.scope.model ?? '',
    component: policy?.scope.component ?? '',
    taskType: policy?.scope.taskType ?? '',
    enabled: policy?.enabled ?? true,
  })
  const [values, setValues] = useState(initial)
  const [errors, setErrors] = useState<FieldErrors>({})
  const [saving, setSaving] = useState(false)
  const set = (field: keyof typeof values) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) => setValues((v) => ({ ...v, [field]: e.currentTarget.value }))
  const prefix = policy ? `policy-${policy.id}` : `new-policy-${budgetId}`

  const submit = async (e: Event) => {
    e.preventDefault()
    setSaving(true)
    setErrors({})
    const minutes = numberOrUndefined(values.windowMinutes)
    const warning = numberOrUndefined(values.warning)
    const action = numberOrUndefined(values.action)
    const scope = Object.fromEntries(
      (['tier', ...SCOPE] as const).map((k) => [k, values[k].trim()]).filter(([, v]) => v !== ''),
    )
    const body = {
      type: values.type,
      period: values.period,
      ...(values.period === 'rolling' && minutes !== undefined && { windowSeconds: Math.round(minutes * 60) }),
      ...(values.tokenLimit.trim() !== '' && { tokenLimit: numberOrUndefined(values.tokenLimit) }),
      ...(values.costLimitUsd.trim() !== '' && { costLimitUsd: numberOrUndefined(values.costLimitUsd) }),
      ...(warning !== undefined && { warningThreshold: warning / 100 }),
      ...(action !== undefined && { actionThreshold: action / 100 }),
      scope,
      enabled: values.enabled,
    }
    try {
      const saved = policy ? await patch<Policy>(`/api/v1/policies/${seg(policy.id)}`, body) : await post<Policy>('/api/v1/policies', { budgetId, ...body })
      if (!policy) setValues(initial())
      onSaved(saved)
    } catch (error) {
      setErrors(fieldErrors(error))
    } finally {
      setSaving(false)
    }
  }

  const windowError = errors.windowSeconds
  return (
    <form class="form" onSubmit={submit} aria-label={policy ? 'Edit policy' : 'Add a policy'} noValidate>
      <FormErrors errors={errors} fields={FIELDS} />
      <div class="form-grid">
        <Field id={`${prefix}-type`} label="Type" error={errors.type}>
          {(a) => (
            <select {...a} name="type" value={values.type} onChange={set('type')}>
              {Object.entries(TYPES).map(([v, l]) => (
                <option key={v} value={v}>
                  {l}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id={`${prefix}-period`} label="Period" error={errors.period}>
          {(a) => (
            <select {...a} name="period" value={values.period} onChange={set('period')}>
              {Object.entries(PERIODS).map(([v, l]) => (
                <option key={v} value={v}>
                  {l}
                </option>
              ))}
            </select>
          )}
        </Field>
        {values.period === 'rolling' && (
          <Field id={`${prefix}-window`} label="Window (minutes)" error={windowError}>
            {(a) => <input {...a} name="windowMinutes" type="number" min={1} inputMode="numeric" value={values.windowMinutes} onInput={set('windowMinutes')} />}
          </Field>
        )}
        <Field id={`${prefix}-tokens`} label="Token limit" error={errors.tokenLimit} hint="Leave empty for no token limit">
          {(a) => <input {...a} name="tokenLimit" type="number" min={1} step={1} inputMode="numeric" value={values.tokenLimit} onInput={set('tokenLimit')} />}
        </Field>
        <Field id={`${prefix}-cost`} label="Cost limit (USD)" error={errors.costLimitUsd} hint="Leave empty for no dollar limit">
          {(a) => <input {...a} name="costLimitUsd" type="number" min={0} step="any" inputMode="decimal" value={values.costLimitUsd} onInput={set('costLimitUsd')} />}
        </Field>
        <Field id={`${prefix}-warning`} label="Warning at (%)" error={errors.warningThreshold}>
          {(a) => <input {...a} name="warningThreshold" type="number" min={1} max={100} step="any" value={values.warning} onInput={set('warning')} />}
        </Field>
        <Field id={`${prefix}-action`} label="Action at (%)" error={errors.actionThreshold}>
          {(a) => <input {...a} name="actionThreshold" type="number" min={1} max={100} step="any" value={values.action} onInput={set('action')} />}
        </Field>
      </div>
      <fieldset class="scope">
        <legend>Applies to (empty fields match every call)</legend>
        <div class="form-grid">
          <Field id={`${prefix}-tier`} label="Tier" error={errors['scope.tier']}>
            {(a) => (
              <select {...a} name="tier" value={values.tier} onChange={set('tier')}>
                {TIERS.map((t) => (
                  <option key={t} value={t}>
                    {t === '' ? 'Any tier' : t.replace('_', ' ')}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {SCOPE.map((field) => (
            <Field key={field} id={`${prefix}-${field}`} label={field === 'taskType' ? 'Task type' : field[0]!.toUpperCase() + field.slice(1)} error={errors[`scope.${field}`]}>
              {(a) => <input {...a} name={field} value={values[field]} onInput={set(field)} placeholder="any" />}
            </Field>
          ))}
        </div>
      </fieldset>
      <label class="check">
        <input type="checkbox" checked={values.enabled} onChange={(e) => setValues((v) => ({ ...v, enabled: e.currentTarget.checked }))} /> Enabled
      </label>
      <FormActions saving={saving} label={policy ? 'Save policy' : 'Add policy'} onCancel={onCancel} />
    </form>
  )
}
