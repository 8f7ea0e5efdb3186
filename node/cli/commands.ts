/**
 * One function per CLI command. Each prints its result (JSON with --json) and throws on error;
 * main.ts turns errors into one line on stderr and a non-zero exit code.
 */
import { existsSync } from 'node:fs'
import { dataFiles, dataPaths } from '../paths.js'
import { ApiClient } from './client.js'
import { escapeControls, messageLine, plain, safeJson, timestamp } from './terminal.js'

export interface Flags {
  /** the web app server of `ferry start`, or false (`--no-web`) */
  web: false | { port?: number, host?: string, cert?: string, key?: string }
  json: boolean
  follow: boolean
  dataDir: string
  name?: string
  listen: string[]
  apiPort?: number
  /** `ferry start --api-socket` */
  apiSocket?: boolean
  confirm: boolean
  accept: boolean
  /** `ferry requests decline ID --block` */
  block: boolean
  qrSvg?: string
  qrPng?: string
  /** `ferry invite --no-qr`: the link alone, on a terminal too */
  qr?: boolean
  mdns: boolean
  relayServer: boolean
  relays: string[]
  bootstrap: string[]
  expires?: string
  quotaMb?: string
  quotaMsgs?: string
  maxTtl?: string
  /** ferry sim run */
  out?: string
  /** ferry send --file: the file to send */
  file?: string
  seed?: string
  faultDropEvery?: string
  /** whether --data-dir was given (ferry sim agent wants it said) */
  dataDirGiven?: boolean
  /** ferry sim run --remote FILE */
  remote?: string
  /** ferry sim agent */
  host?: string
  port?: string
  tokenFile?: string
  names?: string
  /** ferry sim k8s */
  image?: string
  namespace?: string
  /** ferry group create --member (repeatable) */
  member?: string[]
  /** ferry group admin --revoke */
  revoke?: boolean
  /** ferry messages / read --group */
  group?: string
  /** ferry backup export --history */
  history?: boolean
  /** ferry init --link CODE */
  link?: string
  /** ferry device link --history --since DUR */
  since?: string
  /** `ferry messages --last N`: the newest N only */
  last?: string
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * A duration such as 90s, 10m, 1h or 7d, in ms.
 *
 * @throws UsageError
 */
export function parseDuration (text: string, flag: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(text.trim())
  if (m == null) throw new UsageError(`${flag} takes a duration such as 30s, 10m, 1h or 7d`)
  return Number(m[1]) * UNITS[m[2]]
}

function positiveInt (text: string | undefined, flag: string): number | undefined {
  if (text == null) return undefined
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${flag} takes a positive whole number`)
  return n
}

/** A command's usage error (wrong arguments). */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** One piece of plain output; values from the network go in through `plain` (node/cli/terminal.ts). */
const out = (s: string): void => { process.stdout.write(s + '\n') }
const json = (v: unknown): void => out(safeJson(v, 2))

// The CLI is a thin client of the daemon's API: what only init, id without a daemon, start and
// QR codes need (the keys, the protocol, the daemon itself, the QR encoder) loads when they run.

export async function init (f: Flags): Promise<void> {
  const [{ createKeyFile }, { newPassphrase }, { identityToString }] = await Promise.all([import('../keyfile.js'), import('../passphrase.js'), import('../../protocol/crypto/identity.js')])
  const files = dataFiles(f.dataDir)
  const keys = await createKeyFile(files.key, f.name ?? '', await newPassphrase())
  const id = identityToString(keys.identity.identityKey.publicKey.raw)
  const protection = keys.protection === 'passphrase' ? 'protected by your passphrase' : 'protected by file permissions only (no passphrase)'
  if (f.json) return json({ identity: id, peerId: keys.identity.deviceKey.publicKey.toString(), dataDir: files.dir, protection: keys.protection })
  out(plain`created identity ${id}\npeer id ${keys.identity.deviceKey.publicKey.toString()}\ndata dir ${files.dir}\nkeys ${protection}`)
}

export async function id (f: Flags): Promise<void> {
  let info: { identity: string, peerId: string, addresses: string[] }
  const files = dataPaths(f.dataDir)
  const live = existsSync(files.api) ? await new ApiClient(f.dataDir).get('/v1/id').catch(() => undefined) : undefined
  if (live != null) {
    info = live
  } else {
    // no daemon: answer from disk; addresses are the configured ones (no /p2p/ until it runs)
    const [{ readPublic }, { readConfig }] = await Promise.all([import('../keyfile.js'), import('../daemon/config.js')])
    const pub = readPublic(files.key)
    info = { identity: pub.identity, peerId: pub.peerId, addresses: readConfig(files.config).listen ?? [] }
  }
  if (f.json) return json(info)
  out(plain`identity  ${info.identity}\npeer id   ${info.peerId}`)
  for (const a of info.addresses) out(plain`address   ${a}`)
}

export async function start (f: Flags): Promise<void> {
  // a log line may quote the network (an error a peer sent): escaped like every plain output
  const log = (msg: string): void => { process.stdout.write(`[ferry] ${escapeControls(msg)}\n`) }
  const warn = (msg: string): void => { process.stderr.write(`[ferry] warning: ${escapeControls(msg)}\n`) }
  const { startDaemon } = await import('../daemon/daemon.js')
  const daemon = await startDaemon({ dataDir: f.dataDir, listen: f.listen, apiPort: f.apiPort, apiSocket: f.apiSocket, mdns: f.mdns, relayServer: f.relayServer, relays: f.relays, bootstrap: f.bootstrap, web: f.web, log, warn })
  log(`peer id ${daemon.ferry.peerId}`)
  for (const a of daemon.ferry.addresses()) log(`listening on ${a}`)
  log(`control API on 127.0.0.1:${daemon.apiPort} (token in ${dataPaths(f.dataDir).token})`)
  if (daemon.apiSocket != null) log(`control API also on ${daemon.apiSocket}`)
  if (daemon.webUrl != null) log(`web app on ${daemon.webUrl}`)
  log('running; Ctrl-C to stop')
  // a promise some network path forgot to handle must not end a daemon every peer can reach (Node
  // ends the process by default): it is logged, by kind only (its message may quote a peer), and
  // the daemon goes on; an uncaught exception still ends it
  process.on('unhandledRejection', (err: any) => { warn(`unhandled rejection (${err?.name ?? typeof err}); continuing`) })
  // the handlers stay until the process exits: a signal that arrives once the daemon has stopped
  // (while the output is flushed) is ignored rather than killing a process about to exit 0, and a
  // second Ctrl-C while it is still stopping ends it at once, as a shell reports Ctrl-C (130)
  let state: 'running' | 'stopping' | 'stopped' = 'running'
  await new Promise<void>(resolve => {
    const shutdown = (signal: string): void => {
      if (state === 'stopped') return
      if (state === 'stopping') {
        log(`${signal} again: stopping now`)
        process.exit(130)
      }
      state = 'stopping'
      log(`${signal}: shutting down`)
      daemon.stop().then(resolve, (err: any) => { log(`error while stopping: ${err.message}`); resolve() })
    }
    process.on('SIGINT', () => { shutdown('SIGINT') })
    process.on('SIGTERM', () => { shutdown('SIGTERM') })
  })
  state = 'stopped'
  log('stopped')
}

export async function invite (f: Flags): Promise<void> {
  const { invite } = await new ApiClient(f.dataDir).get<{ invite: string }>('/v1/invite')
  const { qrForTerminal, writeQrPng, writeQrSvg } = await import('./qr.js')
  if (f.qrSvg != null) await writeQrSvg(f.qrSvg, invite)
  if (f.qrPng != null) await writeQrPng(f.qrPng, invite)
  if (f.json) return json({ invite, ...(f.qrSvg != null ? { qrSvg: f.qrSvg } : {}), ...(f.qrPng != null ? { qrPng: f.qrPng } : {}) })
  // the QR code goes to a terminal only (scripts that read the link get just the link), and
  // before the link: the QR is ~80 lines, so a link printed first would scroll out of sight
  if (process.stdout.isTTY === true && f.qr !== false) out(await qrForTerminal(invite))
  out(plain`${invite}`)
}

export async function lookup (f: Flags, args: string[]): Promise<void> {
  const [target] = args
  if (target == null || args.length > 1) throw new UsageError('usage: ferry lookup NAME|PEERID|IDENTITY [--json]')
  const r = await new ApiClient(f.dataDir).get(`/v1/lookup?target=${encodeURIComponent(target)}`)
  if (f.json) return json(r)
  out(plain`${r.contact ?? r.peer} reached via ${r.source} (${r.hops} hops, ${r.ms} ms) over ${r.transport}\n  connected to ${r.remoteAddr}`)
  for (const a of r.addresses) out(plain`  known address ${a}`)
}

export async function contact (f: Flags, args: string[]): Promise<void> {
  const [sub, name, target] = args
  const api = new ApiClient(f.dataDir)
  if (sub === 'add') {
    if (name == null || target == null) throw new UsageError('usage: ferry contact add NAME INVITE|MULTIADDR')
    const c = await api.post('/v1/contacts', { name, target })
    return f.json ? json(c) : out(plain`added contact ${c.name} (${c.peerId})`)
  }
  if (sub === 'set') {
    if (name == null || f.expires == null || target != null) throw new UsageError('usage: ferry contact set NAME --expires DUR|off')
    const expiresMs = f.expires === 'off' ? null : parseDuration(f.expires, '--expires')
    const c = await api.post('/v1/contacts/expires', { name, expiresMs })
    return f.json ? json(c) : out(c.expiresMs == null ? plain`messages to ${name} no longer disappear` : plain`messages to ${name} now disappear after ${f.expires}`)
  }
  if (sub === 'list') {
    const list = await api.get<any[]>('/v1/contacts')
    if (f.json) return json(list)
    if (list.length === 0) return out('no contacts yet — add one with `ferry contact add NAME INVITE`')
    for (const c of list) out(plain`${c.name}\t${c.peerId}` + (c.unread > 0 ? plain`\t${c.unread} unread` : ''))
    return
  }
  if (sub === 'block' || sub === 'unblock' || sub === 'remove') {
    if (name == null || target != null) throw new UsageError(`usage: ferry contact ${sub} NAME`)
    const c = await api.post(`/v1/contacts/${sub}`, { name })
    if (f.json) return json(c)
    return out(sub === 'block'
      ? plain`blocked ${name}: what they send is turned away (they are not told), nothing goes to them, and their mailbox capability is revoked`
      : sub === 'unblock' ? plain`unblocked ${name}` : plain`removed ${name}; your conversation stays, and what they send from now on arrives as a message request`)
  }
  throw new UsageError('usage: ferry contact add NAME INVITE|MULTIADDR | list | set NAME --expires DUR|off | block NAME | unblock NAME | remove NAME')
}

/**
 * `ferry requests`: messages from people who are not contacts. `accept ID --name NAME` makes the
 * sender a contact (its messages join the history); `decline ID [--block]` deletes them.
 */
export async function requests (f: Flags, args: string[]): Promise<void> {
  const [sub, id, ...rest] = args
  const api = new ApiClient(f.dataDir)
  if (sub === 'accept') {
    if (id == null || f.name == null || rest.length > 0) throw new UsageError('usage: ferry requests accept ID --name NAME')
    const c = await api.post('/v1/requests/accept', { id, name: f.name })
    return f.json ? json(c) : out(plain`accepted: ${c.name} (${c.peerId}) is now a contact; their messages are in \`ferry messages ${c.name}\``)
  }
  if (sub === 'decline') {
    if (id == null || rest.length > 0) throw new UsageError('usage: ferry requests decline ID [--block]')
    const r = await api.post('/v1/requests/decline', { id, block: f.block })
    return f.json ? json(r) : out(plain`declined: ${r.messages} message${r.messages === 1 ? '' : 's'} from ${r.peer} deleted` + (f.block ? '; they are blocked' : ''))
  }
  if (sub != null) throw new UsageError('usage: ferry requests [--json] | ferry requests accept ID --name NAME | ferry requests decline ID [--block]')
  const list = await api.get<any[]>('/v1/requests')
  if (f.json) return json(list)
  if (list.length === 0) return out('no message requests')
  for (const r of list) {
    out(plain`${r.id}  from ${r.peer}  ${r.messages} message${r.messages === 1 ? '' : 's'}, last ${timestamp(r.receivedAt)}`)
    out(plain`    identity ${r.identity ?? 'unknown'}`)
    out(plain`    latest: ${r.text}`)
  }
  out('accept with `ferry requests accept ID --name NAME`, or `ferry requests decline ID [--block]`')
}

export async function send (f: Flags, args: string[]): Promise<void> {
  const [name, text] = args
  if (name == null || text == null || args.length > 2) throw new UsageError('usage: ferry send NAME TEXT (quote the text)')
  const ttlMs = f.expires == null ? undefined : parseDuration(f.expires, '--expires')
  const m = await new ApiClient(f.dataDir).post('/v1/messages', { contact: name, text, ttlMs })
  if (f.json) return json(m)
  out(plain`${m.id} ${m.status}`)
}

const MB = 1024 * 1024

export async function mailbox (f: Flags, args: string[]): Promise<void> {
  const [sub = 'status', ...names] = args
  const api = new ApiClient(f.dataDir)
  if (sub === 'host') {
    if (names.length !== 1) throw new UsageError('usage: ferry mailbox host NAME [--quota-mb N] [--quota-msgs N] [--max-ttl DUR]')
    const mb = positiveInt(f.quotaMb, '--quota-mb')
    const body = { name: names[0], quotaBytes: mb == null ? undefined : mb * MB, quotaMessages: positiveInt(f.quotaMsgs, '--quota-msgs'), maxTtlMs: f.maxTtl == null ? undefined : parseDuration(f.maxTtl, '--max-ttl') }
    const o = await api.post('/v1/mailbox/host', body)
    return f.json ? json(o) : out(plain`keeping mail for ${o.contact}: up to ${Math.round(o.quotaBytes / MB)} MiB, ${o.quotaMessages} messages, ${Math.round(o.maxTtlMs / 86_400_000 * 10) / 10} days each`)
  }
  if (sub === 'unhost' || sub === 'revoke') {
    if (names.length !== 1) throw new UsageError(`usage: ferry mailbox ${sub} NAME`)
    const r = await api.post(`/v1/mailbox/${sub}`, { name: names[0] })
    if (f.json) return json(r)
    return out(sub === 'unhost' ? plain`no longer keeping mail for ${names[0]}` : plain`revoked ${names[0]}'s capability: ${r.hosts} mailbox hosts told now, the others when next reached; until \`ferry mailbox allow ${names[0]}\``)
  }
  if (sub === 'allow') {
    if (names.length !== 1) throw new UsageError('usage: ferry mailbox allow NAME')
    const r = await api.post('/v1/mailbox/allow', { name: names[0] })
    return f.json ? json(r) : out(plain`${names[0]} may deposit at your mailboxes again (a new capability is on its way)`)
  }
  if (sub === 'use') {
    if (names.length === 0) throw new UsageError('usage: ferry mailbox use NAME...')
    const r = await api.post('/v1/mailbox/use', { names })
    return f.json ? json(r) : out(plain`your mail may now wait at ${r.using.join(', ')}; your contacts get capabilities at their next connection`)
  }
  if (sub === 'collect') {
    const r = await api.post('/v1/mailbox/collect', {})
    if (f.json) return json(r)
    for (const c of r.collected) out(plain`${c.host}: ${c.fetched} fetched, ${c.stored} stored, ${c.acked} deleted there`)
    return out(plain`${r.receipts} delivery receipts collected`)
  }
  if (sub !== 'status' || names.length > 0) throw new UsageError('usage: ferry mailbox [status|host|unhost|use|revoke|allow|collect] ...')
  const s = await api.get('/v1/mailbox')
  if (f.json) return json(s)
  if (s.hosting.length === 0) out('hosting  nobody')
  for (const h of s.hosting) out(plain`hosting  ${h.contact}: ${h.messages}/${h.quotaMessages} messages, ${(h.bytes / MB).toFixed(1)}/${Math.round(h.quotaBytes / MB)} MiB`)
  out(s.using.length === 0 ? 'using    no mailboxes (ferry mailbox use NAME...)' : plain`using    ${s.using.map((u: any) => u.contact).join(', ')}`)
}

/**
 * `ferry read NAME`: the user has read contact NAME's messages; they become 'read' and NAME gets
 * a read receipt. `ferry messages` never does this, so scripts can poll it.
 */
export async function read (f: Flags, args: string[]): Promise<void> {
  const [name] = args
  if (name == null || args.length > 1) throw new UsageError('usage: ferry read NAME [--json]')
  const r = await new ApiClient(f.dataDir).post<{ contact: string, read: string[] }>('/v1/read', { name })
  if (f.json) return json(r)
  out(plain`${r.read.length} message${r.read.length === 1 ? '' : 's'} from ${r.contact} marked read`)
}

export async function messages (f: Flags, args: string[]): Promise<void> {
  const api = new ApiClient(f.dataDir)
  if (f.last != null && !/^\d{1,9}$/.test(f.last)) throw new UsageError('--last takes a number of messages, e.g. --last 50')
  const q = args[0] != null ? `contact=${encodeURIComponent(args[0])}` : ''
  const list = await api.get<any[]>(`/v1/messages?${q}${f.last != null ? `&last=${f.last}` : ''}`)
  if (!f.follow) return f.json ? json(list) : list.forEach(m => { out(messageLine(m)) })
  // --follow: print what exists, then every new message and status change as it happens
  let after = 0
  for (const m of list) { after = Math.max(after, m.rev); f.json ? out(safeJson(m)) : out(messageLine(m)) }
  for await (const m of api.stream(`/v1/messages/follow?${q}&changedAfter=${after}`)) {
    f.json ? out(safeJson(m)) : out(messageLine(m))
  }
}

export async function status (f: Flags): Promise<void> {
  const s = await new ApiClient(f.dataDir).get('/v1/status')
  if (f.json) return json(s)
  out(plain`peer id   ${s.peerId}\nidentity  ${s.identity}\noutbox    ${s.outbox} queued`)
  out(plain`dht       ${s.dht == null ? 'off' : `${s.dht.mode}, ${s.dht.routingTable} peers in the routing table`}`)
  out(plain`lan       ${s.lan.enabled ? `mDNS on, ${s.lan.peers} Ferry peers seen` : 'mDNS off'}`)
  out(plain`relay     ${s.relay.server ? `serving ${s.relay.serving} reservations` : 'not serving'}; ${s.relay.reservations.length === 0 ? 'no slot on a relay' : `slot on ${s.relay.reservations.join(', ')}`}`)
  if (s.connections.length === 0) out('no connections')
  for (const c of s.connections) out(plain`${c.transport.padEnd(14)} ${c.contact ?? c.peer}  ${c.remoteAddr}`)
}

/**
 * `ferry verify NAME [--confirm | --accept]`. The plain output holds no digits besides the safety
 * number, so it can be compared (or checked by a script) as is.
 */
export async function verify (f: Flags, args: string[]): Promise<void> {
  const [name] = args
  if (name == null || args.length > 1 || (f.confirm && f.accept)) throw new UsageError('usage: ferry verify NAME [--confirm | --accept]')
  const api = new ApiClient(f.dataDir)
  if (f.accept) {
    await api.post('/v1/contacts/verify', { name, action: 'accept' })
    if (!f.json) out(plain`accepted ${name}'s new identity key; sending resumes. It is not verified: compare safety numbers again.`)
  } else if (f.confirm) {
    await api.post('/v1/contacts/verify', { name, action: 'confirm' })
    if (!f.json) out(plain`${name} is now verified.`)
  }
  const v = await api.get(`/v1/contacts/safety?name=${encodeURIComponent(name)}`)
  if (f.json) return json(v)
  if (f.accept || f.confirm) return
  if (v.pending != null) {
    out(plain`WARNING: ${name}'s identity key changed. Sending is paused until you accept the new key.`)
    out(plain`New safety number with ${name}:\n  ${v.pending.safetyNumber}`)
    out(plain`If ${name} confirms it in person or by a trusted channel: ferry verify ${name} --accept`)
    return
  }
  out(plain`Safety number with ${name}:\n  ${v.safetyNumber}`)
  out(v.verified ? 'Status: verified.' : plain`Status: not verified. Compare it with ${name}'s screen, then run: ferry verify ${name} --confirm`)
}
