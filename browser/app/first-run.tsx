/**
 * The first run of a browser profile (no identity yet): create one, link to an existing one, or
 * restore a backup. Loaded on demand by main.tsx, so a profile that has an identity never
 * downloads these screens or the linking code.
 */
import { render } from 'preact'
import { createIdentity } from '../../protocol/crypto/identity.js'
import { askToLink, linkThisBrowser } from '../link.js'
import { listRestarts } from './restarts.js'
import { checkDaemon, checkIceServer, loadSettings, saveSettings } from './settings.js'
import { Setup } from './views/setup.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import type { BrowserStores } from '../store/index.js'
import type { AppConfig } from './view.js'

/** The entries `check` accepts (a backup's settings are checked as if typed in). */
function valid<T> (values: unknown[], check: (v: string) => T): T[] {
  return values.flatMap(v => { try { return [check(String(v))] } catch { return [] } })
}

/**
 * Show the first screen in `root`; `start` runs the messenger once an identity is stored. Every
 * way in writes the identity last: a failure before leaves the profile on this screen.
 */
export function showFirstRun (root: HTMLElement, opened: BrowserStores, config: AppConfig, start: (identity: Identity, name: string) => Promise<void>): void {
  render(<Setup
    onCreate={async (name: string) => {
      const identity = await createIdentity()
      await opened.identity.save(identity, name)
      await start(identity, name)
    }}
    onLink={async (code: string, deviceName: string) => {
      const { identity, payload, confirm, history } = await linkThisBrowser(code, deviceName)
      for (const c of payload.contacts) await opened.stores.contacts.add(c)
      for (const peer of payload.blocked) await opened.stores.contacts.block(peer, Date.now())
      await opened.stores.mailbox.useHosts(payload.mailboxUse)
      if (history.length > 0) await opened.stores.messages.restoreHistory(history)
      await opened.identity.deviceList().save(payload.devices)
      // hello to every contact once the peer runs: a new session from this device, which they take as another device of this person
      listRestarts(payload.contacts.map(c => c.peerId))
      await opened.identity.save(identity, payload.name)
      return { confirm, history: history.length, proceed: async () => { await start(identity, payload.name) } }
    }}
    daemon={config.daemon == null ? undefined : { name: config.daemon.name, ask: askToLink }}
    onRestore={async (file, phrase, progress) => {
      const { identity, name, contents } = await (await import('../backup.js')).importBackup(opened, file, phrase, progress)
      const mine = loadSettings()
      const theirs = contents.settings.browser
      if (theirs != null) saveSettings({ daemons: [...new Set([...mine.daemons, ...valid(theirs.daemons, checkDaemon)])], iceServers: [...mine.iceServers, ...valid(theirs.iceServers.map(s => String((s as any)?.urls)), checkIceServer)] })
      listRestarts(contents.contacts.map(c => c.peerId))
      await start(identity, name)
    }}
         />, root)
}
