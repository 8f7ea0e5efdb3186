/**
 * `ferry device link | list | revoke` and `ferry init --link CODE` (docs/DEVICES.md). The first
 * three talk to the running daemon; `init --link` runs a short-lived libp2p node with a new device
 * key, dials the device that made the code, and writes the identity it receives into a new data dir.
 */
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { webRTCDirect } from '@libp2p/webrtc'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { Key } from 'interface-datastore'
import { createLibp2p } from 'libp2p'
import { crossSignDevice, identityToString, verifyDevice } from '../../protocol/index.js'
import { identityKeyFromBytes } from '../../protocol/crypto/identity.js'
import { decodeDeviceList } from '../../protocol/devices/device-list.js'
import { parseLinkCode, requestLink } from '../../protocol/devices/link.js'
import { nodeCrypto } from '../crypto.js'
import { occupied, restore, CONTENTS_KIND } from '../backup/contents.js'
import { decodeHistoryChunk, decodeLinkPayload } from '../../protocol/devices/link-payload.js'
import { newPassphrase } from '../passphrase.js'
import { dataPaths } from '../paths.js'
import { SqliteDatastore } from '../store/datastore.js'
import { SqliteMessageStore } from '../store/messages.js'
import { AtRestCipher } from '../at-rest.js'
import { openDatabase } from '../store/sqlite.js'
import { ApiClient } from './client.js'
import { parseDuration, UsageError } from './commands.js'
import { plain, safeJson } from './terminal.js'
import { qrForTerminal } from './qr.js'
import type { Flags } from './commands.js'
import type { MessageRecord } from '../../protocol/index.js'

const out = (s: string): void => { process.stdout.write(s + '\n') }

/** `ferry device link [--json]`, `ferry device approve CODE` (a browser's request), `ferry device list [--json]`, `ferry device revoke DEVICE`. */
export async function device (f: Flags, args: string[]): Promise<void> {
  const [sub, arg, ...rest] = args
  const api = new ApiClient(f.dataDir)
  if (sub === 'link' && arg == null) {
    const historyMs = f.history === true ? parseDuration(f.since ?? '30d', '--since') : undefined
    const { link } = await api.post('/v1/devices/link', { historyMs })
    if (f.json) return out(safeJson({ link }, 2))
    if (process.stdout.isTTY) out(await qrForTerminal(link))
    out('On the new device: ferry init --link CODE --data-dir DIR (valid 10 minutes, once). The link code:')
    return out(link)
  }
  if (sub === 'list' && arg == null) {
    const list = await api.get('/v1/devices') as Array<{ device: string, name: string, current: boolean }>
    if (f.json) return out(safeJson(list, 2))
    for (const d of list) out(plain`${d.current ? '*' : ' '} ${d.device}  ${d.name}`)
    return
  }
  if (sub === 'approve' && arg != null && rest.length === 0) {
    const historyMs = f.history === true ? parseDuration(f.since ?? '30d', '--since') : undefined
    const { name } = await api.post('/v1/devices/approve', { code: arg, historyMs })
    if (f.json) return out(safeJson({ approved: arg, name }, 2))
    return out(plain`approved: the browser${name === '' ? '' : ` "${name}"`} is linking now; compare the confirmation number it shows with the one in this daemon's log`)
  }
  if (sub === 'revoke' && arg != null && rest.length === 0) {
    await api.post('/v1/devices/revoke', { device: arg })
    if (f.json) return out(safeJson({ revoked: arg }, 2))
    return out(plain`revoked ${arg}: your contacts and devices are told; it gets nothing sent from now on`)
  }
  throw new UsageError('usage: ferry device link [--history [--since DUR]] [--json] | ferry device approve CODE [--history [--since DUR]] | ferry device list [--json] | ferry device revoke DEVICE')
}

/**
 * `ferry init --link CODE`: become another device of the identity the code names.
 *
 * @throws Error with the existing device's reason when the link is refused; nothing is written then
 */
export async function initLinked (f: Flags, text: string): Promise<void> {
  const taken = occupied(f.dataDir)
  if (taken != null) throw new Error(`${taken}: link into a new data dir (--data-dir DIR)`)
  const crypto = nodeCrypto()
  const code = parseLinkCode(text, Date.now())
  const deviceKey = await generateKeyPair('Ed25519')
  const cross = await crossSignDevice(deviceKey, code.identity)
  const node = await createLibp2p({
    privateKey: deviceKey,
    transports: [tcp(), webRTCDirect({ rtcConfiguration: { iceServers: [] } })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
  let answer
  const history: MessageRecord[] = []
  try {
    const addrs = code.addrs.map(a => multiaddr(`${a}/p2p/${code.peer}`))
    if (addrs.length === 0) throw new Error('the link code names no address')
    const connection = await node.dial(addrs, { signal: AbortSignal.timeout(20_000) })
    answer = await requestLink(crypto, connection, node.peerId, code, cross, f.name ?? '', async chunk => {
      history.push(...decodeHistoryChunk(chunk))
      // progress on stderr (stdout stays the result): one line rewritten on a terminal, a line per chunk otherwise
      process.stderr.write(`history: ${history.length} messages received${process.stderr.isTTY ? '\r' : '\n'}`)
    })
    if (history.length > 0 && process.stderr.isTTY) process.stderr.write('\n')
  } finally {
    await node.stop()
  }
  const payload = decodeLinkPayload(answer.payload)
  const identityKey = identityKeyFromBytes(payload.identityKey) // the public key (an older device sent the private one)
  if (identityToString(identityKey.publicKey.raw) !== identityToString(code.identity)) throw new Error('the link answer holds another identity than the code named')
  if (!await verifyDevice(code.identity, node.peerId.toMultihash().bytes, payload.certificate)) throw new Error('the certificate in the link answer does not verify')
  await decodeDeviceList(payload.devices, code.identity)
  const keys = await restore(f.dataDir, {
    kind: CONTENTS_KIND,
    createdAt: Date.now(),
    name: payload.name,
    keys: { identityKey: payload.identityKey, deviceKey: privateKeyToProtobuf(deviceKey), deviceSignature: payload.certificate },
    contacts: payload.contacts,
    blocked: payload.blocked,
    rooms: [],
    settings: { mailboxUse: payload.mailboxUse, mailboxOwners: [] }
  }, await newPassphrase())
  const db = openDatabase(dataPaths(f.dataDir).db)
  try {
    new SqliteDatastore(db).put(new Key('/ferry/devices'), payload.devices)
    if (history.length > 0) new SqliteMessageStore(db, new AtRestCipher(keys.storageKey)).restoreHistory(history)
  } finally {
    db.close()
  }
  const identity = identityToString(keys.identity.identityKey.publicKey.raw)
  if (f.json) return out(safeJson({ identity, peerId: node.peerId.toString(), dataDir: f.dataDir, contacts: payload.contacts.length, messages: history.length, confirmation: answer.confirm }, 2))
  out(plain`linked: this is now a device of identity ${identity}\npeer id ${node.peerId.toString()}\ndata dir ${f.dataDir}\n${payload.contacts.length} contacts, ${history.length} messages of history`)
  out(plain`confirmation ${answer.confirm} (your other device logged the same number)`)
  out('next: ferry start — it says hello to every contact, who then send to this device too')
}
