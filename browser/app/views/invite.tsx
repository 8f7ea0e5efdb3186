/** This user's invite: QR code, the ferry:// link, and a link to this app that opens "add contact" with it. */
import { useLoad, useVersion } from '../hooks.js'
import { qrSvg } from '../qr.js'
import type { ViewProps } from '../view.js'

export function MyInvite ({ tab, fail }: ViewProps): preact.JSX.Element {
  const version = useVersion(tab)
  // an invite carries current addresses (relay slots come and go): remake it when things change
  const data = useLoad(async () => {
    const invite = await tab.ferry.roster.invite()
    const svg = await qrSvg(invite, { errorCorrectionLevel: 'L' })
    return { invite, svg, link: `${location.origin}/#invite=${encodeURIComponent(invite)}` }
  }, [version])
  if (data == null) return <p class='hint'>Making your invite…</p>
  const copy = async (text: string): Promise<void> => {
    try { await navigator.clipboard.writeText(text) } catch (err) { fail(err) }
  }
  const relayed = tab.ferry.addresses().some(a => a.includes('/p2p-circuit'))
  return (
    <div class='card invite' data-test='invite'>
      <h2>My invite</h2>
      <p>Show this QR code, or send the invite to someone you trust. Anyone holding it can message you.</p>
      {!relayed && <p class='warn'>Not connected to a daemon yet: other browsers cannot reach you with this invite until you are.</p>}
      <div class='qr' dangerouslySetInnerHTML={{ __html: data.svg }} role='img' aria-label='Invite QR code' />
      <label for='my-invite'>Invite</label>
      <textarea id='my-invite' readOnly rows={5} value={data.invite} data-test='my-invite' spellcheck={false} onFocus={e => (e.target as HTMLTextAreaElement).select()} />
      <div class='row'>
        <button onClick={() => { void copy(data.invite) }}>Copy invite</button>
        <button onClick={() => { void copy(data.link) }}>Copy app link</button>
      </div>
    </div>
  )
}
