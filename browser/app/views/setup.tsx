/**
 * First run: create an identity (keys never leave this browser), link this browser to an existing
 * identity with a link code from one of its devices (or, on a page a daemon served, with its
 * user's approval), or restore one from a backup file.
 */
import { useState } from 'preact/hooks'
import { RestoreForm } from './backup.js'
import type { Progress } from '../../backup.js'
import type { LinkAsk } from '../../link.js'

/** What linking gave: the confirmation number to compare, and how to go on. */
export interface LinkDone { confirm: string, history: number, proceed(): Promise<void> }

export interface SetupProps {
  onCreate(name: string): Promise<void>
  onLink?(code: string, deviceName: string): Promise<LinkDone>
  /** when a daemon served the page: its user's name, and asking it to let this browser link */
  daemon?: { name: string, ask(deviceName: string): Promise<LinkAsk> }
  onRestore?(file: Uint8Array, phrase: string, progress: Progress): Promise<void>
}

export function Setup ({ onCreate, onLink, daemon, onRestore }: SetupProps): preact.JSX.Element {
  const [name, setName] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const [linked, setLinked] = useState<LinkDone>()
  if (linked != null) return <Linked done={linked} />
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    const n = name.trim()
    if (n.length === 0) { setError('Type the name your contacts will see.'); return }
    if (n.length > 64) { setError('A name is at most 64 characters.'); return }
    setBusy(true)
    setError(undefined)
    try {
      await onCreate(n)
    } catch (err: any) {
      setError(`Could not create your identity: ${err.message}`)
      setBusy(false)
    }
  }
  return (
    <form class='setup card' onSubmit={submit} data-test='setup'>
      <h1>Welcome to Ferry</h1>
      <p>Messages go straight to your contacts, end-to-end encrypted. There is no account: your identity is a key made here, in this browser, and kept encrypted in its storage.</p>
      <label for='setup-name'>Your name</label>
      <input id='setup-name' value={name} onInput={e => setName((e.target as HTMLInputElement).value)} autoFocus maxLength={64} autoComplete='nickname' data-test='setup-name' />
      {error != null && <p class='error' role='alert'>{error}</p>}
      <button type='submit' disabled={busy} data-test='setup-create'>{busy ? 'Creating keys…' : 'Create my identity'}</button>
      {onLink != null && daemon != null && <DaemonLink daemon={daemon} onLink={onLink} onDone={setLinked} />}
      {onLink != null && <LinkForm onLink={onLink} onDone={setLinked} />}
      {onRestore != null && <RestoreForm onRestore={onRestore} />}
    </form>
  )
}

/** "Link to an existing Ferry identity": paste the code `ferry device link` shows. */
function LinkForm ({ onLink, onDone }: { onLink(code: string, deviceName: string): Promise<LinkDone>, onDone(done: LinkDone): void }): preact.JSX.Element {
  const [code, setCode] = useState('')
  const [device, setDevice] = useState('browser')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const link = async (): Promise<void> => {
    setBusy(true)
    setError(undefined)
    try {
      onDone(await onLink(code.trim(), device.trim()))
      return
    } catch (err: any) {
      setError(`Could not link: ${err.message}`)
    }
    setBusy(false)
  }
  return (
    <details class='link' data-test='link'>
      <summary>Link to an existing Ferry identity</summary>
      <p>On a device that already holds your identity, run <code>ferry device link</code> and paste its code here (it works once, for 10 minutes). This browser becomes another device of the same identity, with your contacts.</p>
      <label for='link-code'>Link code</label>
      <textarea id='link-code' value={code} onInput={e => setCode((e.target as HTMLTextAreaElement).value)} rows={3} data-test='link-code' />
      <label for='link-device'>This device's name</label>
      <input id='link-device' value={device} onInput={e => setDevice((e.target as HTMLInputElement).value)} maxLength={64} data-test='link-device' />
      {error != null && <p class='error' role='alert'>{error}</p>}
      <button type='button' disabled={busy || code.trim() === ''} onClick={() => { void link() }} data-test='link-submit'>{busy ? 'Linking…' : 'Link this browser'}</button>
    </details>
  )
}

/** "Link to NAME (this daemon's user)": the daemon's user approves with the code shown here. */
function DaemonLink ({ daemon, onLink, onDone }: { daemon: NonNullable<SetupProps['daemon']>, onLink(code: string, deviceName: string): Promise<LinkDone>, onDone(done: LinkDone): void }): preact.JSX.Element {
  const [code, setCode] = useState<string>()
  const [error, setError] = useState<string>()
  const ask = async (): Promise<void> => {
    setError(undefined)
    try {
      const asked = await daemon.ask('browser')
      setCode(asked.code)
      onDone(await onLink(await asked.approved(), 'browser'))
      return
    } catch (err: any) {
      setError(`Could not link: ${err.message}`)
    }
    setCode(undefined)
  }
  return (
    <div class='daemon-link' data-test='daemon-link'>
      {code == null
        ? <button type='button' onClick={() => { void ask() }} data-test='daemon-link-ask'>{daemon.name === '' ? 'Link to this daemon\'s user' : `Link to ${daemon.name} (this daemon's user)`}</button>
        : <p role='status'>On the machine that runs this daemon, approve this browser with <code data-test='daemon-link-command'>ferry device approve {code}</code> — waiting…</p>}
      {error != null && <p class='error' role='alert'>{error}</p>}
    </div>
  )
}

/** Linked: the confirmation number to compare with the other device's, then on to the messenger. */
function Linked ({ done }: { done: LinkDone }): preact.JSX.Element {
  const [busy, setBusy] = useState(false)
  return (
    <div class='setup card' data-test='link-done'>
      <h1>This browser is linked</h1>
      {done.history > 0 && <p data-test='link-history'>{done.history} message{done.history === 1 ? '' : 's'} of history came along.</p>}
      <p>Confirmation number <strong data-test='link-confirm'>{done.confirm}</strong>. Your other device shows the same number (in its log). If it does not, this browser talked to someone else: do not continue, and revoke it there with <code>ferry device revoke</code>.</p>
      <button type='button' disabled={busy} onClick={() => { setBusy(true); void done.proceed() }} data-test='link-continue'>{busy ? 'Starting…' : 'Continue'}</button>
    </div>
  )
}
