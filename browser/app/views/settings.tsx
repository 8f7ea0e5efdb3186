/**
 * Settings: where your mail waits while this tab is closed (mailboxes on contacts' daemons that
 * agreed to host it), the daemons this browser joins through, STUN/TURN servers (none unless
 * added), who you are, your devices (docs/DEVICES.md): each can be revoked from here, and a
 * backup of this browser's identity (docs/BACKUP.md), when this browser holds the identity key (a
 * browser linked to another device does not: docs/identity-custody.md).
 */
import { useState } from 'preact/hooks'
import { holdsIdentityKey, identityToString } from '../../../protocol/crypto/identity.js'
import { useLoad, useVersion } from '../hooks.js'
import { checkDaemon, checkIceServer, loadSettings, saveSettings } from '../settings.js'
import { ExportBackup } from './backup.js'
import type { ViewProps } from '../view.js'

export function SettingsView ({ tab, config, fail }: ViewProps): preact.JSX.Element {
  const version = useVersion(tab)
  const data = useLoad(async () => ({ contacts: await tab.ferry.roster.list(), mailboxes: await tab.ferry.needMailboxes().status(), devices: await tab.ferry.devices.views() }), [version])
  const [settings, setSettings] = useState(loadSettings())
  const [daemon, setDaemon] = useState('')
  const [ice, setIce] = useState('')
  const [saved, setSaved] = useState(false)
  const store = (s: typeof settings): void => { saveSettings(s); setSettings(s); setSaved(true) }
  if (data == null) return <p class='hint'>Loading…</p>
  const holder = holdsIdentityKey(tab.ferry.identity.identityKey)
  const using = new Set(data.mailboxes.using.map(u => u.contact))
  const toggle = async (name: string, on: boolean): Promise<void> => {
    const next = data.contacts.map(c => c.name).filter(n => n === name ? on : using.has(n))
    try {
      await tab.ferry.useMailboxes(next)
      tab.changed()
    } catch (err) { fail(err) }
  }
  const revoke = async (device: string): Promise<void> => {
    if (!confirm(`Revoke device ${device}? Your contacts stop sending to it and refuse what it sends.`)) return
    try {
      await tab.ferry.devices.revoke(device)
      tab.changed()
    } catch (err) { fail(err) }
  }
  const addDaemon = (e: Event): void => {
    e.preventDefault()
    try { store({ ...settings, daemons: [...new Set([...settings.daemons, checkDaemon(daemon)])] }); setDaemon('') } catch (err) { fail(err) }
  }
  const addIce = (e: Event): void => {
    e.preventDefault()
    try { store({ ...settings, iceServers: [...settings.iceServers, checkIceServer(ice)] }); setIce('') } catch (err) { fail(err) }
  }
  return (
    <div class='card settings' data-test='settings'>
      <h2>Mailboxes</h2>
      <p>While this tab is closed, your messages can wait — sealed — on the daemons of contacts who agreed to keep them (on their side: <code>ferry mailbox host NAME</code>).</p>
      {data.contacts.length === 0 && <p class='hint'>Add a contact first.</p>}
      <ul class='checks'>
        {data.contacts.map(c => (
          <li key={c.name}><label><input type='checkbox' checked={using.has(c.name)} onChange={e => { void toggle(c.name, (e.target as HTMLInputElement).checked) }} data-test={`mailbox-${c.name}`} /> keep my mail at {c.name}'s</label></li>
        ))}
      </ul>
      <h2>Daemons</h2>
      <p>This browser joins the network through these daemons, and other browsers reach it through them. With more than one, a refusal by one does not cut you off.</p>
      <ul class='addrs'>
        {config.daemons.map(d => <li key={d}><code>{d}</code> <span class='hint'>(served this app)</span></li>)}
        {settings.daemons.map(d => <li key={d}><code>{d}</code> <button onClick={() => store({ ...settings, daemons: settings.daemons.filter(x => x !== d) })}>Remove</button></li>)}
      </ul>
      <form class='row' onSubmit={addDaemon}>
        <input value={daemon} onInput={e => setDaemon((e.target as HTMLInputElement).value)} placeholder='/ip4/…/tcp/7471/ws/p2p/12D3…' aria-label='Daemon address' />
        <button type='submit'>Add daemon</button>
      </form>
      <h2>STUN / TURN</h2>
      <p>None by default, so no third party learns your address. Add your team's own server if browsers on different networks must connect.</p>
      <ul class='addrs'>{settings.iceServers.map(s => <li key={String(s.urls)}><code>{String(s.urls)}</code> <button onClick={() => store({ ...settings, iceServers: settings.iceServers.filter(x => x !== s) })}>Remove</button></li>)}</ul>
      <form class='row' onSubmit={addIce}>
        <input value={ice} onInput={e => setIce((e.target as HTMLInputElement).value)} placeholder='stun:stun.example.org:3478' aria-label='STUN or TURN server' />
        <button type='submit'>Add server</button>
      </form>
      {saved && <p class='warn'>Saved. <button onClick={() => location.reload()}>Reload</button> to use the new settings.</p>}
      <h2>You</h2>
      <dl class='me-info'>
        <dt>Identity</dt><dd><code>{identityToString(tab.ferry.identity.identityKey.publicKey.raw)}</code></dd>
        <dt>Device (peer id)</dt><dd><code data-test='peer-id'>{tab.ferry.peerId}</code></dd>
      </dl>
      <h2>Your devices</h2>
      <p>Every device of your identity gets your messages and shows what the others sent. Link another with <code>ferry device link</code> on a daemon of yours, then paste its code on the new device's first screen.</p>
      {!holder && <p class='hint' data-test='not-holder'>Your identity key stays on the device you linked this browser from: link, revoke and back up there.</p>}
      <ul class='addrs' data-test='devices'>
        {data.devices.map(d => (
          <li key={d.device} data-test='device'>
            <code>{d.device}</code> {d.name !== '' && <span>{d.name}</span>} {d.current ? <span class='hint'>(this browser)</span> : holder && <button onClick={() => { void revoke(d.device) }} data-test={`revoke-${d.device}`}>Revoke</button>}
          </li>
        ))}
      </ul>
      {tab.exportBackup != null && holder && <ExportBackup exportBackup={tab.exportBackup} fail={fail} />}
    </div>
  )
}
