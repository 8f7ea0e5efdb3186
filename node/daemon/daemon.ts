/**
 * `ferry start`: the peer, the local control API, clean shutdown on SIGINT/SIGTERM.
 */
import { linkRequestsOf, serveLinks } from './link.js'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { daemonKeychain } from './keychain.js'
import { multiaddr } from '@multiformats/multiaddr'
import { browserDialable, createFerry } from '../../protocol/index.js'
import { AtRestCipher } from '../at-rest.js'
import { nodeCrypto } from '../crypto.js'
import { createKeyFile, loadKeyFile, writeSecretFile } from '../keyfile.js'
import type { KeyFile } from '../keyfile.js'
import { newPassphrase, passphrase } from '../passphrase.js'
import { dataFiles } from '../paths.js'
import { SqliteContactStore } from '../store/contacts.js'
import { SqliteDatastore } from '../store/datastore.js'
import { SqliteMailboxStore } from '../store/mailbox.js'
import { SqliteMessageStore } from '../store/messages.js'
import { SqlitePrekeyStore } from '../store/prekeys.js'
import { SqliteRoomStore } from '../store/rooms.js'
import { SqliteFileStore } from '../store/files.js'
import { openDatabase } from '../store/sqlite.js'
import { lanDiscovery } from '../lan.js'
import { WakeWatch } from '../wake.js'
import { DEFAULT_LISTEN, nodeTransports } from '../transports.js'
import { serveApi, serveApiSocket } from './api.js'
import { restartSessions } from './restarts.js'
import { serveWeb, webAppBuilt, WebPortTakenError } from '../web/server.js'
import type { WebConfig, WebServer } from '../web/server.js'
import type { LinkRequests } from '../web/link-requests.js'
import { maxFileBytes, readConfig, resolvePorts, writeConfig } from './config.js'
import type { Config } from './config.js'
import { anyPort, PortUnavailableError, probe, unbindable } from './ports.js'
import type { DataFiles } from '../paths.js'
import type { Ferry } from '../../protocol/index.js'
import type { Server } from 'node:http'

export interface DaemonOptions {
  dataDir: string
  /** listen multiaddrs; default: saved config, else DEFAULT_LISTEN */
  listen?: string[]
  /** control API port; 0 or undefined = any free port */
  apiPort?: number
  /** also serve the control API on `<data dir>/api.sock` (`--api-socket`) */
  apiSocket?: boolean
  /** mDNS on the LAN (default true; `--no-mdns`) */
  mdns?: boolean
  /** relay for peers that cannot be reached directly (default true; `--no-relay-server`) */
  relayServer?: boolean
  /** relays to hold a slot on (`--relay MULTIADDR`) */
  relays?: string[]
  /** peers to join the DHT through (`--bootstrap MULTIADDR`) */
  bootstrap?: string[]
  /** the web app server (`--web-port`, `--web-host`, `--web-cert`/`--web-key`); false: none (`--no-web`) */
  web?: false | { port?: number, host?: string, cert?: string, key?: string }
  log(msg: string): void
  /** what the user must notice (a port taken, the web app not served); default: log with "warning:" */
  warn?(msg: string): void
}

export interface Daemon {
  ferry: Ferry
  apiPort: number
  /** the control API's Unix socket, when served */
  apiSocket?: string
  /** where the web app is served, when it is */
  webUrl?: string
  stop(): Promise<void>
}

/**
 * A stopping daemon closes its connections and waits this long before closing its listeners:
 * otherwise node-datachannel (WebRTC) aborts the process in about half the shutdowns that follow
 * a message exchange ("terminate called after throwing std::system_error", SIGSEGV).
 */
const STOP_SETTLE_MS = 500

/**
 * Read the API token, creating it (0600) on first start. An empty or blank token file is replaced
 * with a fresh token: an empty token would let an empty bearer in.
 */
function apiToken (path: string): string {
  const saved = existsSync(path) ? readFileSync(path, 'utf8').trim() : ''
  if (saved !== '') return saved
  const token = randomBytes(32).toString('hex')
  writeSecretFile(path, token)
  return token
}

/**
 * Start a daemon in this process.
 *
 * @throws Error when a daemon already runs for this data dir, or a listen address is unusable
 */
export async function startDaemon (opts: DaemonOptions): Promise<Daemon> {
  const warn = opts.warn ?? ((msg: string) => { opts.log(`warning: ${msg}`) })
  const files = dataFiles(opts.dataDir)
  assertNotRunning(files.api)
  const config = readConfig(files.config)
  // every check that can fail comes before the identity and the database are created
  const fresh = !existsSync(files.key)
  const maxFile = maxFileBytes(config)
  const listen = await listenAddresses(opts, config, fresh, warn)
  await assertWebPortFree(opts.web, fresh)
  const keys = fresh ? await createKeyFile(files.key, '', await newPassphrase()) : await loadKeyFile(files.key, passphrase)
  const db = openDatabase(files.db)
  const cipher = new AtRestCipher(keys.storageKey)
  const datastore = new SqliteDatastore(db)
  const ferry = await createFerry({
    identity: keys.identity,
    name: keys.name,
    stores: { contacts: new SqliteContactStore(db), messages: new SqliteMessageStore(db, cipher), prekeys: new SqlitePrekeyStore(db, cipher), mailbox: new SqliteMailboxStore(db), rooms: new SqliteRoomStore(db, cipher), files: new SqliteFileStore(db, cipher) },
    datastore,
    services: { keychain: await daemonKeychain(datastore, keys.keychainPass) },
    transports: nodeTransports(),
    crypto: nodeCrypto(),
    listen,
    lan: opts.mdns === false ? undefined : lanDiscovery(),
    relayServer: opts.relayServer !== false,
    relays: opts.relays,
    bootstrap: opts.bootstrap,
    nat: true,
    maxFileBytes: maxFile,
    stopSettleMs: STOP_SETTLE_MS
  })
  try {
    await ferry.start()
  } catch (err: any) {
    db.close()
    if (fresh) forgetIdentity(files)
    throw new Error(`could not start listening on ${listen.join(', ')}: ${err.message}${fresh ? ' (the new identity was not kept)' : ''}`)
  }
  if (fresh) opts.log(`created a new identity in ${files.key}`)
  writeConfig(files.config, { ...config, listen: resolvePorts(listen, ferry.addresses().map(a => multiaddr(a))) })
  await serveLinks(ferry, opts.dataDir, keys, opts.log)
  const token = apiToken(files.token)
  const { server, port } = await serveApi(ferry, token, opts.apiPort ?? 0, opts.log)
  let web: WebServer | undefined
  let socket: Server | undefined
  try {
    if (opts.apiSocket === true) socket = await serveApiSocket(ferry, token, files.socket, opts.log)
    web = await serveWebApp(opts, warn, async () => webConfig(ferry, keys), linkRequestsOf(ferry))
  } catch (err) {
    server.close()
    socket?.close()
    await ferry.stop()
    db.close()
    throw err
  }
  writeSecretFile(files.api, JSON.stringify({ port, pid: process.pid, web: web?.url, ...(socket != null ? { socket: files.socket } : {}) }) + '\n')

  // after sleep or a network change: re-dial contacts and flush the outbox
  const wake = new WakeWatch(reason => {
    opts.log(reason === 'sleep' ? 'resumed after sleep: reconnecting' : 'network changed: reconnecting')
    ferry.resume().catch((err: any) => { opts.log(`reconnecting failed: ${err.message}`) })
  })
  wake.start()
  const restarts = restartSessions(db, ferry, opts.log)

  let stopping: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopping ??= (async () => {
      wake.stop()
      restarts.stop()
      await restarts.first
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
      if (socket != null) {
        socket.closeAllConnections()
        await new Promise(resolve => socket?.close(resolve))
      }
      await web?.close()
      await ferry.stop()
      rmSync(files.api, { force: true })
      db.close()
    })()
    return stopping
  }
  return { ferry, apiPort: port, apiSocket: socket == null ? undefined : files.socket, webUrl: web?.url, stop }
}

/** What the web app joins through: this daemon's browser-dialable addresses, and its user's invite. */
async function webConfig (ferry: Ferry, keys: KeyFile): Promise<WebConfig> {
  const daemons = ferry.addresses().map(a => multiaddr(a)).filter(browserDialable).map(a => a.toString())
  return { daemons, daemon: { peerId: ferry.peerId, name: keys.name, invite: await ferry.roster.invite() } }
}

/**
 * Where to listen: --listen, else the saved config, else DEFAULT_LISTEN; each port checked first.
 * On a first start with the defaults (no --listen, nothing saved) a taken default port is replaced
 * by a free one, loudly: nobody holds those addresses yet, and the ports bound are saved for later
 * starts. Otherwise a taken port is an error that names it.
 *
 * @throws Error for a malformed address; PortUnavailableError
 */
async function listenAddresses (opts: DaemonOptions, config: Config, fresh: boolean, warn: (msg: string) => void): Promise<string[]> {
  const given = opts.listen != null && opts.listen.length > 0
  const listen = given ? opts.listen as string[] : config.listen ?? DEFAULT_LISTEN
  for (const l of listen) {
    try { multiaddr(l) } catch (err: any) { throw new Error(`--listen ${l}: ${err.message}`) }
  }
  const problems = await unbindable(listen)
  if (problems.length === 0) return listen
  if (!given && config.listen == null && problems.every(p => p.code === 'EADDRINUSE')) {
    const ports = problems.map(p => `${p.port}/${p.protocol}`).join(', ')
    warn(`port${problems.length > 1 ? 's' : ''} ${ports} in use by another program (another Ferry daemon on this machine?): this first start listens on free ports instead, printed below and kept in config.json for later starts`)
    const taken = new Set(problems.map(p => p.address))
    return listen.map(a => taken.has(a) ? anyPort(a) : a)
  }
  throw new PortUnavailableError(problems, listen, fresh)
}

/** An explicitly requested web port must be free (the default port is handled by serveWebApp). */
async function assertWebPortFree (web: DaemonOptions['web'], fresh: boolean): Promise<void> {
  if (web == null || web === false || web.port == null || web.port === 0 || !webAppBuilt()) return
  const host = web.host ?? '127.0.0.1'
  const code = await probe({ host, port: web.port, protocol: 'tcp' })
  if (code != null) throw new Error(`--web-port ${web.port}: cannot listen on ${host}:${web.port} (${code === 'EADDRINUSE' ? 'in use by another program' : code}); choose another port, or --no-web${fresh ? '. Nothing was created.' : ''}`)
}

/**
 * The web app server, unless --no-web or not built. When the default port is taken the daemon
 * serves no app and says so. The browser keeps its Ferry identity per origin (scheme, host and
 * port): whoever holds http://127.0.0.1:7472 owns that storage, and a silent move would leave the
 * user's bookmark pointing at that program while a different identity starts on another port.
 */
async function serveWebApp (opts: DaemonOptions, warn: (msg: string) => void, config: () => Promise<WebConfig>, linkRequests: LinkRequests): Promise<WebServer | undefined> {
  if (opts.web === false) return undefined
  if (!webAppBuilt()) {
    opts.log('the web app is not built (npm run build): serving none')
    return undefined
  }
  try {
    return await serveWeb({ ...opts.web, log: opts.log, config, linkRequests })
  } catch (err) {
    if (!(err instanceof WebPortTakenError) || opts.web?.port != null) throw err
    warn(`the web app's port ${err.where} is taken (another Ferry daemon, or another program): serving no web app. ` +
      'It does not move to another port on its own (the browser keeps its Ferry identity per address): start with --web-port N to serve it on port N (a separate browser identity there), or --no-web')
    return undefined
  }
}

/** Remove what a failed first start created, so the next start begins from nothing. */
function forgetIdentity (files: DataFiles): void {
  for (const f of [files.key, files.db, `${files.db}-wal`, `${files.db}-shm`, `${files.db}-journal`]) rmSync(f, { force: true })
}

/** Refuse to start a second daemon on one data dir: its api.json names a live process. */
function assertNotRunning (apiFile: string): void {
  if (!existsSync(apiFile)) return
  try {
    const { pid } = JSON.parse(readFileSync(apiFile, 'utf8'))
    if (pid !== process.pid) {
      process.kill(pid, 0)
      throw new Error(`a Ferry daemon (pid ${pid}) is already running for this data dir`)
    }
  } catch (err: any) {
    if (err.code !== 'ESRCH' && !(err instanceof SyntaxError)) throw err
  }
}
