/**
 * The web app's entry: one Ferry peer per browser profile. Holds a Web Lock so a second tab of the
 * same profile shows a notice instead of starting a second peer with the same keys (two writers
 * of one ratchet would break sessions). Reads /config.json from the daemon that served the app,
 * opens the IndexedDB stores, and shows identity setup or the messenger.
 */
import { render } from 'preact'
import { openBrowserStores } from '../store/index.js'
import { createBrowserPeer } from '../peer.js'
import { App } from './app.js'
import { FerryTab } from './tab.js'
import { loadSettings } from './settings.js'
import { restartSessions } from './restarts.js'
import { Notice } from './views/notice.js'
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
  // first run only: its screens and linking load on demand, outside the bundle every start loads
  const { showFirstRun } = await import('./first-run.js')
  showFirstRun(root, opened, config, start)
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
