/**
 * The dashboard shell: skip link, header (connection indicator, who is signed in), the
 * page navigation, and the page the URL names. Until the service says who we are it shows
 * a loading state; when it wants a key, the key prompt.
 */
import { ConnectionIndicator } from './components/connection-indicator.js'
import { KeyPrompt } from './components/key-prompt.js'
import { Empty, ErrorNotice, Loading } from './components/states.js'
import { ApiError } from './api.js'
import { LiveProvider } from './live.js'
import { match, PAGES } from './pages.js'
import { Link, useLocation } from './router.js'
import { SessionProvider, useSession } from './session.js'

export function App() {
  return (
    <SessionProvider>
      <LiveProvider>
        <Shell />
      </LiveProvider>
    </SessionProvider>
  )
}

function Shell() {
  const { access } = useSession()
  if (access.state === 'checking') {
    return (
      <main id="main" class="centered">
        <Loading what="the dashboard" />
      </main>
    )
  }
  if (access.state === 'needs-key') return <KeyPrompt problem={access.problem} />
  if (access.state === 'unreachable') return <Unreachable problem={access.problem} />
  return <Layout />
}

function Unreachable({ problem }: { problem: string }) {
  const { recheck } = useSession()
  return (
    <main id="main" class="centered">
      <ErrorNotice error={new ApiError(0, 'UNREACHABLE', problem)} what="the dashboard" onRetry={recheck} />
    </main>
  )
}

function Layout() {
  const { path } = useLocation()
  const { access, signOut } = useSession()
  const found = match(path)
  const Current = found?.page.component
  return (
    <div class="layout">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/" class="brand">
          Tekton Budget
        </Link>
        <div class="topbar-right">
          <ConnectionIndicator />
          {access.state === 'ready' && (
            <span class="who" data-testid="role">
              {access.open ? 'open access (no API keys yet)' : `${access.role} key`}
            </span>
          )}
          {access.state === 'ready' && !access.open && (
            <button type="button" class="link" onClick={signOut}>
              Sign out
            </button>
          )}
        </div>
      </header>
      <nav class="sidebar" aria-label="Pages">
        <ul>
          {PAGES.map((p) => {
            const current = found?.page === p
            return (
              <li key={p.path}>
                <Link href={p.path} aria-current={current ? 'page' : undefined}>
                  {p.label}
                </Link>
              </li>
            )
          })}
        </ul>
        <p class="small">
          <a href="/docs">API reference</a>
        </p>
      </nav>
      <main id="main" class="content" tabIndex={-1}>
        {Current ? (
          <Current id={found.id} />
        ) : (
          <Empty title="No such page">
            <p>
              <code>{path}</code> is not a page of the dashboard. <Link href="/">Go to the overview</Link>.
            </p>
          </Empty>
        )}
      </main>
    </div>
  )
}
