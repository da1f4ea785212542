/** Asks for an API key when the service needs one. The key is kept for this tab only (sessionStorage). */
import { useState } from 'preact/hooks'
import { useSession } from '../session.js'

export function KeyPrompt({ problem }: { problem: string | null }) {
  const { signIn } = useSession()
  const [key, setKey] = useState('')
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    if (key.trim() === '') return
    setBusy(true)
    await signIn(key.trim())
    setBusy(false)
  }
  return (
    <main id="main" class="key-prompt">
      <form class="panel form" onSubmit={submit} aria-labelledby="key-heading">
        <h1 id="key-heading">Sign in with an API key</h1>
        <p>This service has API keys, so the dashboard needs one. A read key shows everything; write and admin keys can also change budgets, acknowledge alerts and approve prices.</p>
        <div class={`field${problem ? ' invalid' : ''}`}>
          <label for="api-key">API key</label>
          <input id="api-key" type="password" autoComplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} aria-invalid={problem !== null} aria-describedby={problem ? 'api-key-error' : 'api-key-hint'} autoFocus />
          <small id="api-key-hint" class="muted">
            Create one with <code>budget keys create dashboard --role read</code>. It is kept in this tab only and forgotten when the tab closes.
          </small>
          {problem && (
            <small id="api-key-error" class="field-error" role="alert">
              {problem}
            </small>
          )}
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
