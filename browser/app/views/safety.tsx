/** The safety number with a contact: compare it in person or on a call, then mark it verified. */
import { groupDigits } from '../format.js'
import { useLoad, useVersion } from '../hooks.js'
import { qrSvg } from '../qr.js'
import type { ViewProps } from '../view.js'

export function Safety ({ tab, go, fail, contact }: ViewProps & { contact: string }): preact.JSX.Element {
  const version = useVersion(tab)
  const view = useLoad(async () => {
    try {
      const v = await tab.ferry.roster.safety(contact)
      const svg = await qrSvg([{ data: v.qr, mode: 'byte' }])
      return { v, svg }
    } catch (err: any) {
      return { error: err.message as string }
    }
  }, [version, contact])
  if (view == null) return <p class='hint'>Computing the safety number…</p>
  if ('error' in view) return <div class='card'><p class='error' role='alert'>{view.error}</p><button onClick={() => go({ name: 'chat', contact })}>Back</button></div>
  const { v, svg } = view
  const act = async (what: 'confirm' | 'accept'): Promise<void> => {
    try {
      if (what === 'confirm') await tab.ferry.roster.confirm(contact)
      else await tab.ferry.roster.acceptIdentity(contact)
      tab.changed()
    } catch (err) { fail(err) }
  }
  return (
    <div class='card safety' data-test='safety'>
      <h2>Safety number with {contact}</h2>
      {v.pending != null
        ? <p class='warn' role='alert'>{contact}'s identity key changed. It may be a new device — or someone in between. Compare the new number before you accept it.</p>
        : <p>Compare these numbers with {contact}'s screen, in person or on a call. If they match, nobody is in between.</p>}
      <p class='digits' data-test='safety-digits'>{groupDigits((v.pending ?? v).digits).map((g, i) => <span key={i}>{g}</span>)}</p>
      <div class='qr' dangerouslySetInnerHTML={{ __html: svg }} role='img' aria-label='Safety number QR code' />
      <p data-test='verified-state'>{v.verified ? 'Verified ✓' : 'Not verified'}</p>
      <div class='row'>
        {v.pending != null && <button onClick={() => { void act('accept') }}>Accept the new key</button>}
        {v.pending == null && !v.verified && <button onClick={() => { void act('confirm') }} data-test='confirm-safety'>They match: mark verified</button>}
        <button onClick={() => go({ name: 'chat', contact })}>Back to the conversation</button>
      </div>
    </div>
  )
}
