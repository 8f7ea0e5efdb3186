/** Make a team room: a name and the contacts in it (they need not know each other). */
import { useState } from 'preact/hooks'
import { useLoad } from '../hooks.js'
import type { ViewProps } from '../view.js'

export function NewGroup ({ tab, go }: ViewProps): preact.JSX.Element {
  const contacts = useLoad(async () => await tab.ferry.roster.list(), [])
  const [name, setName] = useState('')
  const [picked, setPicked] = useState<string[]>([])
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const toggle = (c: string): void => setPicked(p => p.includes(c) ? p.filter(x => x !== c) : [...p, c])
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    if (name.trim().length === 0) { setError('Give the room a name.'); return }
    if (tab.ferry.groups == null) { setError('This browser keeps no team rooms.'); return }
    setBusy(true)
    try {
      const g = await tab.ferry.groups.create(name.trim(), picked)
      tab.changed()
      go({ name: 'group', group: g.group })
    } catch (err: any) {
      setError(`That did not work: ${err.message}`)
    } finally {
      setBusy(false)
    }
  }
  return (
    <form class='card add' onSubmit={submit} data-test='new-group-form'>
      <h2>New team room</h2>
      <label for='group-name'>Room name</label>
      <input id='group-name' value={name} onInput={e => setName((e.target as HTMLInputElement).value)} autoFocus maxLength={128} data-test='group-name' />
      <fieldset class='pick'>
        <legend>Members (your contacts; they need not know each other)</legend>
        {contacts == null
          ? <p class='hint'>Loading…</p>
          : contacts.length === 0
            ? <p class='hint'>Add contacts first.</p>
            : contacts.map(c => (
              <label key={c.name} class='pick-one'>
                <input type='checkbox' checked={picked.includes(c.name)} onChange={() => toggle(c.name)} data-test={`pick-${c.name}`} /> {c.name}
              </label>
            ))}
      </fieldset>
      {error != null && <p class='error' role='alert' data-test='group-error'>{error}</p>}
      <div class='row'>
        <button type='submit' disabled={busy} data-test='create-group'>{busy ? 'Creating…' : 'Create room'}</button>
      </div>
    </form>
  )
}
