/**
 * The web app's entry: one Ferry peer per browser profile. Holds a Web Lock so a second tab of the
 * same profile shows a notice instead of starting a second peer with the same keys (two writers
 * of one ratchet would break sessions). Reads /config.json from the daemon that served the app,
 * opens the IndexedDB stores, and shows identity setup or the messenger.
 */
import { render } from 'preact'
import { createIdentity } from '../../protocol/crypto/identity.js'
import { openBrowserStores } from '../store/index.js'
import { createBrowserPeer } from '../peer.js'
import { askToLink, linkThisBrowser } from '../link.js'
import { App } from './app.js'
import { FerryTab } from './tab.js'
import { checkDaemon, checkIceServer, loadSettings, saveSettings } from './settings.js'
import { listRestarts, restartSessions } from './restarts.js'
import { Notice, Setup } from './views/setup.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import type { AppConfig } from './view.js'
import type { Exported } from '../backup.js'

const root = document.getElementById('app') as HTMLElement
root.textContent = '' // the "Starting Ferry…" placeholder: Preact renders next to, not over, foreign children

async function readConfig (): Promise<AppConfig> {
  try {
    const res = await fetch('/config.json', { cache: 'no-store' })
    if (!res.ok) return { daemons: [] }
    const c = await res.json()
    return { daemons: Array.isArray(c.daemons) ? c.daemons : [], daemon: c.daemon }
  } catch {
    return { daemons: [] }
  }
}

function isWebSocket (addr: string): boolean {
  return /\/wss?(\/|$)/.test(addr)
}

/** The entries `check` accepts (a backup's settings are checked as if typed in). */
function valid<T> (values: unknown[], check: (v: string) => T): T[] {
  return values.flatMap(v => { try { return [check(String(v))] } catch { return [] } })
}

async function run (): Promise<void> {
  if (globalThis.crypto?.subtle == null || globalThis.indexedDB == null) {
    render(<Notice title='This page cannot keep keys safely'>Ferry needs WebCrypto and IndexedDB, which browsers give only to secure pages: open it at http://127.0.0.1 (or localhost) on the daemon's machine, or over HTTPS.</Notice>, root)
    return
  }
  // ask the browser not to evict this profile's storage when the disk runs short (keys and history live there)
  void navigator.storage?.persist?.().catch(() => false)
  const [config, opened] = await Promise.all([readConfig(), openBrowserStores()])
  const start = async (identity: Identity, name: string): Promise<void> => {
    const settings = loadSettings()
    // WebSockets first: libp2p queues every dial to one peer behind its first, and a WebRTC-direct
    // address the browser cannot reach would hold the tab at "connecting…" until it times out;
    // Reach upgrades a conversation to WebRTC in the background when it can
    const daemons = [...new Set([...config.daemons, ...settings.daemons])].sort((a, b) => Number(!isWebSocket(a)) - Number(!isWebSocket(b)))
    const ferry = await createBrowserPeer({ identity, name, stores: opened.stores, daemons, iceServers: settings.iceServers, deviceList: opened.identity.deviceList() })
    const exportBackup = async (history: boolean, progress: (f: number) => void): Promise<Exported> =>
      await (await import('../backup.js')).exportBackup(opened, loadSettings(), { history, progress })
    const tab = new FerryTab(ferry, opened.stores, daemons, exportBackup)
    await tab.start()
    const stopRestarts = restartSessions(ferry)
    ;(globalThis as any).ferryTab = tab // for tests and the curious: the peer id and transports, never keys
    render(<App tab={tab} name={name} config={config} />, root)
    addEventListener('pagehide', () => { stopRestarts(); void tab.stop() })
  }
  const saved = await opened.identity.load()
  if (saved != null) {
    await start(saved.identity, saved.name)
    return
  }
  render(<Setup
    onCreate={async (name: string) => {
      const identity = await createIdentity()
      await opened.identity.save(identity, name)
      await start(identity, name)
    }}
    onLink={async (code: string, deviceName: string) => {
      const { identity, payload, confirm } = await linkThisBrowser(code, deviceName)
      // contacts first, the identity last: a failure before it leaves this browser unlinked
      for (const c of payload.contacts) await opened.stores.contacts.add(c)
      for (const peer of payload.blocked) await opened.stores.contacts.block(peer, Date.now())
      await opened.stores.mailbox?.useHosts(payload.mailboxUse)
      await opened.identity.deviceList().save(payload.devices)
      await opened.identity.save(identity, payload.name)
      return {
        confirm,
        proceed: async () => {
          await start(identity, payload.name)
          // hello to every contact: a new session from this device, which they take as another device of this person
          const ferry = (globalThis as any).ferryTab.ferry
          for (const c of payload.contacts) void ferry.restartSession(c.peerId).catch(() => {})
        }
      }
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

async function boot (): Promise<void> {
  if (navigator.locks == null) return run()
  await navigator.locks.request('ferry-peer', { ifAvailable: true }, async lock => {
    if (lock == null) {
      render(<Notice title='Ferry is open in another tab'>Only one tab can run your Ferry peer at a time. Close the other tab, then reload this one.</Notice>, root)
      return
    }
    await run()
    await new Promise(() => {}) // hold the lock while the tab lives
  })
}

boot().catch((err: any) => {
  render(<Notice title='Ferry could not start'>{String(err?.message ?? err)}</Notice>, root)
})
