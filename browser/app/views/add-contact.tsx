/** Add a contact by pasting their invite (a ferry:// link, or a link to this app carrying one). */
import { useState } from 'preact/hooks'
import type { ViewProps } from '../view.js'

/** The invite inside whatever was pasted: a ferry:// invite as is, or the #invite= of an app link. */
export function pastedInvite (pasted: string): string {
  const s = pasted.trim()
  const m = s.match(/#invite=(.+)$/)
  if (m != null) {
    try { return decodeURIComponent(m[1]) } catch { return s }
  }
  return s
}

export function AddContact ({ tab, go, config, invite }: ViewProps & { invite?: string }): preact.JSX.Element {
  const [name, setName] = useState('')
  const [text, setText] = useState(invite ?? '')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    const n = name.trim()
    const inv = pastedInvite(text)
    if (n.length === 0) { setError('Give the contact a name (only you see it).'); return }
    if (inv.length === 0) { setError('Paste the invite your contact sent you.'); return }
    setBusy(true)
    try {
      await tab.ferry.roster.add(n, inv)
      tab.changed()
      go({ name: 'chat', contact: n })
    } catch (err: any) {
      setError(`That did not work: ${err.message}`)
    } finally {
      setBusy(false)
    }
  }
  const daemon = config.daemon
  return (
    <form class='card add' onSubmit={submit} data-test='add-form'>
      <h2>Add a contact</h2>
      <label for='add-name'>Name</label>
      <input id='add-name' value={name} onInput={e => setName((e.target as HTMLInputElement).value)} autoFocus maxLength={64} data-test='add-name' />
      <label for='add-invite'>Their invite</label>
      <textarea id='add-invite' value={text} onInput={e => setText((e.target as HTMLTextAreaElement).value)} rows={5} placeholder='ferry://…' spellcheck={false} data-test='add-invite' />
      {error != null && <p class='error' role='alert' data-test='add-error'>{error}</p>}
      <div class='row'>
        <button type='submit' disabled={busy} data-test='add-submit'>{busy ? 'Adding…' : 'Add contact'}</button>
        {daemon != null && <button type='button' onClick={() => { setName(daemon.name.length > 0 ? daemon.name : 'daemon'); setText(daemon.invite) }} data-test='add-daemon'>Use this daemon's user ({daemon.name.length > 0 ? daemon.name : daemon.peerId.slice(-8)})</button>}
      </div>
    </form>
  )
}
