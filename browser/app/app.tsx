/**
 * The app shell: a header with who you are and whether you are connected, one view at a time on
 * a phone (conversation list, conversation, team room, new room, add contact, invite, safety number, settings), the
 * list beside the conversation on a wide screen, and one place where errors are shown.
 */
import { useEffect, useState } from 'preact/hooks'
import { useLoad, useVersion } from './hooks.js'
import { Conversation } from './views/conversation.js'
import { Conversations, REQUESTS } from './views/conversations.js'
import { GroupChat } from './views/group.js'
import { lazyView } from './lazy.js'
import { CallHost } from './calls/host.js'
import type { FerryTab } from './tab.js'
import type { AppConfig, View, ViewProps } from './view.js'

/** An invite carried in the link the app shows (#invite=...). */
function linkedInvite (): string | undefined {
  const m = location.hash.match(/^#invite=(.+)$/)
  if (m == null) return undefined
  history.replaceState(null, '', location.pathname)
  try { return decodeURIComponent(m[1]) } catch { return undefined }
}

// screens a session may never open load when first shown
const SettingsView = lazyView(async () => (await import('./views/settings.js')).SettingsView)
const Safety = lazyView(async () => (await import('./views/safety.js')).Safety)
const NewGroup = lazyView(async () => (await import('./views/new-group.js')).NewGroup)
const MyInvite = lazyView(async () => (await import('./views/invite.js')).MyInvite)
const Requests = lazyView(async () => (await import('./views/requests.js')).Requests)
const AddContact = lazyView(async () => (await import('./views/add-contact.js')).AddContact)

export function App ({ tab, name, config }: { tab: FerryTab, name: string, config: AppConfig }): preact.JSX.Element {
  const invite = linkedInvite()
  const [view, setView] = useState<View>(invite == null ? { name: 'list' } : { name: 'add', invite })
  const [error, setError] = useState<string>()
  const version = useVersion(tab)
  const status = useLoad(async () => tab.ferry.status(), [version])
  const daemons = tab.daemonPeers()
  const connected = status?.connections.filter(c => daemons.includes(c.peer)).length ?? 0
  const go = (v: View): void => { setError(undefined); setView(v) }
  const fail = (err: unknown): void => { setError(err == null ? undefined : String((err as any)?.message ?? err)) }
  const props: ViewProps = { tab, config, go, fail }
  // Escape goes back to the conversation list from any screen (keyboard use)
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => { if (e.key === 'Escape') go({ name: 'list' }) }
    addEventListener('keydown', onKey)
    return () => { removeEventListener('keydown', onKey) }
  }, [])
  const chat = view.name === 'chat' ? view.contact : view.name === 'requests' ? REQUESTS : view.name === 'group' ? `group:${view.group}` : undefined
  return (
    <div class={`app view-${view.name}`}>
      <header class='top'>
        <button class='brand' onClick={() => go({ name: 'list' })} aria-label='Conversations'>Ferry</button>
        <span class='me' title={tab.ferry.peerId}>{name}</span>
        <span class={`net ${connected > 0 ? 'up' : 'down'}`} data-test='net' role='status'>
          {connected > 0 ? `connected · ${connected} daemon${connected === 1 ? '' : 's'}` : (tab.problem ?? 'connecting…')}
        </span>
        <nav>
          <button onClick={() => go({ name: 'add' })} data-test='nav-add'>Add contact</button>
          <button onClick={() => go({ name: 'invite' })} data-test='nav-invite'>My invite</button>
          <button onClick={() => go({ name: 'settings' })} data-test='nav-settings'>Settings</button>
        </nav>
      </header>
      {error != null && <div class='error' role='alert' data-test='error'>{error}<button class='close' onClick={() => setError(undefined)} aria-label='Dismiss'>×</button></div>}
      <main>
        <aside class='list'><Conversations {...props} selected={chat} /></aside>
        <section class='pane'>
          {view.name === 'list' && <p class='hint'>Pick a conversation, or add a contact with their invite.</p>}
          {view.name === 'chat' && <Conversation key={view.contact} {...props} contact={view.contact} />}
          {view.name === 'add' && <AddContact {...props} invite={view.invite} />}
          {view.name === 'invite' && <MyInvite {...props} />}
          {view.name === 'safety' && <Safety {...props} contact={view.contact} />}
          {view.name === 'settings' && <SettingsView {...props} />}
          {view.name === 'requests' && <Requests {...props} />}
          {view.name === 'group' && <GroupChat key={view.group} {...props} group={view.group} />}
          {view.name === 'new-group' && <NewGroup {...props} />}
        </section>
      </main>
      <CallHost tab={tab} fail={fail} />
    </div>
  )
}
