/** The conversation list: message requests first (when there are any), then every contact, with unread counts, verified mark and timer. */
import { useLoad, useVersion } from '../hooks.js'
import type { ViewProps } from '../view.js'

export function Conversations ({ tab, go, selected }: ViewProps & { selected?: string }): preact.JSX.Element {
  const version = useVersion(tab)
  const data = useLoad(async () => ({ contacts: await tab.ferry.roster.list(), unread: await tab.stores.messages.unread(), requests: await tab.ferry.roster.requests() }), [version])
  if (data == null) return <p class='hint'>Loading…</p>
  const requests = data.requests.length > 0 && (
    <button class={`conversation requests-entry ${selected === REQUESTS ? 'selected' : ''}`} onClick={() => go({ name: 'requests' })} data-test='open-requests'>
      <span class='who'>Message requests</span>
      <span class='badge' data-test='requests-count' aria-label={`${data.requests.length} requests`}>{data.requests.length}</span>
    </button>
  )
  if (data.contacts.length === 0) {
    return (
      <div class='empty'>
        {requests}
        <p>No contacts yet.</p>
        <button onClick={() => go({ name: 'add' })}>Add a contact</button>
        <button onClick={() => go({ name: 'invite' })}>Show my invite</button>
      </div>
    )
  }
  return (
    <>
      {requests}
      <ul class='conversations' data-test='conversations'>
        {data.contacts.map(c => {
          const unread = data.unread[c.peerId] ?? 0
          return (
            <li key={c.name}>
              <button class={`conversation ${selected === c.name ? 'selected' : ''}`} onClick={() => go({ name: 'chat', contact: c.name })} data-test={`contact-${c.name}`} aria-current={selected === c.name}>
                <span class='who'>{c.name}{c.verified === true && <span class='verified' title='safety number verified'> ✓</span>}</span>
                {c.expiresMs != null && <span class='timer' title='disappearing messages on'>disappearing</span>}
                {unread > 0 && <span class='badge' data-test={`unread-${c.name}`} aria-label={`${unread} unread`}>{unread}</span>}
              </button>
            </li>
          )
        })}
      </ul>
    </>
  )
}

/** what `selected` is while the requests view is open */
export const REQUESTS = '\u0000requests'
