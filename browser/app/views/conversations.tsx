/** The conversation list: message requests first (when there are any), then team rooms, then every contact, with unread counts, verified mark and timer. */
import { useLoad, useVersion } from '../hooks.js'
import type { ViewProps } from '../view.js'

export function Conversations ({ tab, go, selected }: ViewProps & { selected?: string }): preact.JSX.Element {
  const version = useVersion(tab)
  const data = useLoad(async () => ({ contacts: await tab.ferry.roster.list(), unread: await tab.stores.messages.unread(), requests: await tab.ferry.roster.requests(), groups: await tab.ferry.groups?.list() ?? [] }), [version])
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
  const rooms = data.groups.map(g => (
    <li key={g.group}>
      <button class={`conversation ${selected === `group:${g.group}` ? 'selected' : ''}`} onClick={() => go({ name: 'group', group: g.group })} data-test={`group-${g.name}`} aria-current={selected === `group:${g.group}`}>
        <span class='who'>{g.name}</span>
        <span class='timer'>{g.members.length} members{g.keys === 'removed' || !g.members.some(m => m.me) ? ' · left' : ''}</span>
        {g.unread > 0 && <span class='badge' data-test={`group-unread-${g.name}`} aria-label={`${g.unread} unread`}>{g.unread}</span>}
      </button>
    </li>
  ))
  const groups = (
    <>
      {rooms.length > 0 && <ul class='conversations groups' data-test='groups'>{rooms}</ul>}
      <button class='new-group' onClick={() => go({ name: 'new-group' })} data-test='new-group'>New team room</button>
    </>
  )
  return (
    <>
      {requests}
      {groups}
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
