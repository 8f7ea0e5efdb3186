/**
 * Message requests: people who are not your contacts wrote to you. Their messages wait here, apart
 * from your conversations (no read receipts go back), until you accept — they become a contact you
 * name — or decline; declining can also block them.
 */
import { useState } from 'preact/hooks'
import { useLoad, useVersion } from '../hooks.js'
import { when } from '../format.js'
import type { ViewProps } from '../view.js'
import type { RequestView } from '../../../protocol/messaging/requests.js'

export function Requests ({ tab, go, fail }: ViewProps): preact.JSX.Element {
  const version = useVersion(tab)
  const requests = useLoad(async () => tab.ferry.roster.requests(), [version])
  if (requests == null) return <p class='hint'>Loading…</p>
  return (
    <div class='card requests' data-test='requests'>
      <h2>Message requests</h2>
      <p class='hint-inline'>People who are not your contacts. They cannot see that you read their messages until you accept.</p>
      {requests.length === 0 && <p class='hint' data-test='no-requests'>No message requests.</p>}
      <ul class='request-list'>
        {requests.map(r => <Request key={r.peer} request={r} tab={tab} go={go} fail={fail} />)}
      </ul>
    </div>
  )
}

function Request ({ request: r, tab, go, fail }: Pick<ViewProps, 'tab' | 'go' | 'fail'> & { request: RequestView }): preact.JSX.Element {
  const [name, setName] = useState('')
  const [busy, setBusy] = useState(false)
  const act = async (what: () => Promise<unknown>, then?: () => void): Promise<void> => {
    setBusy(true)
    try {
      await what()
      fail(undefined)
      tab.changed()
      then?.()
    } catch (err) {
      fail(err)
    } finally {
      setBusy(false)
    }
  }
  const accept = async (e: Event): Promise<void> => {
    e.preventDefault()
    const n = name.trim()
    if (n.length === 0) { fail('Give them a name (only you see it) to accept the request.'); return }
    await act(async () => tab.ferry.roster.acceptRequest(r.id, n), () => go({ name: 'chat', contact: n }))
  }
  return (
    <li class='request' data-test={`request-${r.peer}`}>
      <p class='who'>Someone new <code title={r.identity ?? r.peer}>{(r.identity ?? r.peer).slice(0, 12)}…</code></p>
      <p class='preview' data-test='request-text'>{r.text}</p>
      <p class='meta'>{r.messages} message{r.messages === 1 ? '' : 's'} · last {when(r.receivedAt, Date.now())}</p>
      <form class='row' onSubmit={accept}>
        <input value={name} onInput={e => setName((e.target as HTMLInputElement).value)} placeholder='Name them to accept' maxLength={64} aria-label='Name for this contact' data-test='request-name' />
        <button type='submit' disabled={busy} data-test='request-accept'>Accept</button>
        <button type='button' disabled={busy} onClick={() => { void act(async () => tab.ferry.roster.declineRequest(r.id)) }} data-test='request-decline'>Decline</button>
        <button type='button' class='danger' disabled={busy} onClick={() => { void act(async () => tab.ferry.roster.declineRequest(r.id, { block: true })) }} data-test='request-block'>Block</button>
      </form>
    </li>
  )
}
