/** First run: create an identity (keys never leave this browser); and full-page notices. */
import { useState } from 'preact/hooks'
import type { ComponentChildren } from 'preact'

export function Setup ({ onCreate }: { onCreate(name: string): Promise<void> }): preact.JSX.Element {
  const [name, setName] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
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
    </form>
  )
}

export function Notice ({ title, children }: { title: string, children: ComponentChildren }): preact.JSX.Element {
  return (
    <div class='card notice' role='alert'>
      <h1>{title}</h1>
      <p>{children}</p>
    </div>
  )
}
