/**
 * Backup in the web app (docs/BACKUP.md "In the web app"): Settings exports this browser's
 * identity into a file sealed under a new 24-word recovery phrase, shown once; the first screen
 * restores one (a browser's or a daemon's). The work is in browser/backup.ts, loaded when asked.
 */
import { useState } from 'preact/hooks'
import type { Exported, Progress } from '../../backup.js'

/** Save bytes as a download named `name`. */
function download (bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

const percent = (f: number | undefined): string => f == null ? '' : ` ${Math.round(f * 100)}%`

/** Settings' "Backup" section. */
export function ExportBackup ({ exportBackup, fail }: { exportBackup(history: boolean, progress: Progress): Promise<Exported>, fail(err: unknown): void }): preact.JSX.Element {
  const [history, setHistory] = useState(false)
  const [progress, setProgress] = useState<number>()
  const [done, setDone] = useState<Exported>()
  const run = async (): Promise<void> => {
    setProgress(0)
    try {
      const exported = await exportBackup(history, setProgress)
      download(exported.file, `ferry-${new Date().toISOString().slice(0, 10)}.backup`)
      setDone(exported)
    } catch (err) { fail(err) }
    setProgress(undefined)
  }
  return (
    <div data-test='backup'>
      <h2>Backup</h2>
      <p>One file holds your identity, contacts, verified safety numbers, blocks, team rooms and these settings, sealed under a 24-word recovery phrase shown once. Restore it on the first screen of a new browser, or with <code>ferry backup import</code>. Encrypted sessions are not in it: after a restore each contact is offered a new one.</p>
      <ul class='checks'><li><label><input type='checkbox' checked={history} onChange={e => setHistory((e.target as HTMLInputElement).checked)} data-test='backup-history' /> include the text of every conversation</label></li></ul>
      <button type='button' disabled={progress != null} onClick={() => { void run() }} data-test='backup-export'>{progress != null ? `Sealing…${percent(progress)}` : 'Export backup'}</button>
      {done != null && (
        <div class='phrase warn' role='status' data-test='backup-done'>
          <p>Saved a backup of {done.contacts} contact{done.contacts === 1 ? '' : 's'}{done.messages != null ? ` and ${done.messages} messages` : ''}. It opens only with this recovery phrase, shown this once: write it down and keep it apart from the file.</p>
          <p><code data-test='backup-phrase'>{done.phrase}</code></p>
          <button type='button' onClick={() => setDone(undefined)} data-test='backup-hide'>I wrote it down</button>
        </div>
      )}
    </div>
  )
}

/** The first screen's "Restore from a backup": a file and its recovery phrase. */
export function RestoreForm ({ onRestore }: { onRestore(file: Uint8Array, phrase: string, progress: Progress): Promise<void> }): preact.JSX.Element {
  const [file, setFile] = useState<Uint8Array>()
  const [phrase, setPhrase] = useState('')
  const [progress, setProgress] = useState<number>()
  const [error, setError] = useState<string>()
  const pick = async (input: HTMLInputElement): Promise<void> => {
    setError(undefined)
    const f = input.files?.[0]
    setFile(f == null ? undefined : new Uint8Array(await f.arrayBuffer()))
  }
  const restore = async (): Promise<void> => {
    if (file == null) return
    setProgress(0)
    setError(undefined)
    try {
      await onRestore(file, phrase, setProgress)
      return
    } catch (err: any) {
      setError(`Could not restore: ${err.message}`)
    }
    setProgress(undefined)
  }
  return (
    <details class='link' data-test='restore'>
      <summary>Restore from a backup</summary>
      <p>A backup file from Settings → Backup (or <code>ferry backup export</code>) and the 24-word recovery phrase shown when it was made. This browser becomes that identity, with its contacts; each contact is offered a new encrypted session.</p>
      <label for='restore-file'>Backup file</label>
      <input id='restore-file' type='file' onChange={e => { void pick(e.target as HTMLInputElement) }} data-test='restore-file' />
      <label for='restore-phrase'>Recovery phrase</label>
      <textarea id='restore-phrase' value={phrase} onInput={e => setPhrase((e.target as HTMLTextAreaElement).value)} rows={3} autoComplete='off' spellcheck={false} data-test='restore-phrase' />
      {error != null && <p class='error' role='alert'>{error}</p>}
      <button type='button' disabled={progress != null || file == null || phrase.trim() === ''} onClick={() => { void restore() }} data-test='restore-submit'>{progress != null ? `Opening…${percent(progress)}` : 'Restore'}</button>
    </details>
  )
}
