/**
 * Linked devices on the daemon (docs/DEVICES.md): the `/ferry/link/1.0.0` handler of the existing
 * device, and what a new device receives: the identity's public key (the private key stays here:
 * docs/identity-custody.md), the new device's certificate, the signed device list, contacts (with
 * verifications and timers), the block list and the mailbox hosts the person uses. Sessions, prekeys, history and rooms are not sent: the new device makes
 * its own sessions.
 */
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { LINK_PROTOCOL, LinkOffers } from '../../protocol/devices/link.js'
import { InvalidInputError } from '../../protocol/index.js'
import { nodeCrypto } from '../crypto.js'
import { collect } from '../backup/contents.js'
import { encodeLinkPayload, LINK_PAYLOAD_KIND } from '../../protocol/devices/link-payload.js'
import { LinkRequests } from '../web/link-requests.js'
import type { Ferry, MessageRecord } from '../../protocol/index.js'
import type { KeyFile } from '../keyfile.js'
import { heldIdentityKey } from '../../protocol/crypto/identity.js'

const offers = new WeakMap<Ferry, LinkOffers>()
const requests = new WeakMap<Ferry, LinkRequests>()

/** The web app's "link to this daemon's user" requests of this daemon (made once). */
export function linkRequestsOf (ferry: Ferry): LinkRequests {
  let r = requests.get(ferry)
  if (r == null) requests.set(ferry, r = new LinkRequests())
  return r
}

/**
 * Approve the web app's request that shows `code`: it gets a one-time link code.
 *
 * @returns the device name the page asked for
 * @throws UnknownLinkRequestError
 */
export async function approveLinkRequest (ferry: Ferry, code: string, historySince?: number): Promise<string> {
  return await linkRequestsOf(ferry).approve(code, async () => await linkCode(ferry, historySince))
}

/**
 * Answer link requests on this daemon: a code from `linkCode` lets one new device in.
 *
 * @param log - gets the confirmation number of each link, to compare with the new device's
 */
export async function serveLinks (ferry: Ferry, dataDir: string, keys: KeyFile, log: (msg: string) => void): Promise<void> {
  const linkOffers = new LinkOffers(nodeCrypto(), Date.now)
  offers.set(ferry, linkOffers)
  await ferry.libp2p.handle(LINK_PROTOCOL, async (stream, connection) => linkOffers.answer(stream, connection, {
    grant: async (device, cross, name, confirm, options) => {
      const entry = await ferry.devices.link(device, cross, name)
      const contents = await collect(dataDir, keys, { history: options.historySince != null })
      log(`linked device ${device.toString()}${name === '' ? '' : ` (${name})`}; confirmation ${confirm}`)
      ferry.devices.announce().catch((err: any) => { log(`the device list was not announced: ${String(err.message)}`) })
      const history = contents.history?.filter(m => m.createdAt >= (options.historySince ?? 0))
      const payload = encodeLinkPayload({ kind: LINK_PAYLOAD_KIND, name: keys.name, identityKey: publicKeyToProtobuf(keys.identity.identityKey.publicKey), certificate: entry.certificate, devices: await ferry.devices.encoded(), contacts: contents.contacts, blocked: contents.blocked, mailboxUse: contents.settings.mailboxUse, history: history?.length })
      return { payload, history: history == null ? undefined : historyChunks(history) }
    }
  }), { maxInboundStreams: 2, maxOutboundStreams: 1 })
}

/** History in chunks of at most HISTORY_CHUNK_BYTES of JSON (a message is at most 64 KiB of text). */
export function * historyChunks (history: MessageRecord[]): Generator<Uint8Array> {
  let chunk: MessageRecord[] = []
  let bytes = 0
  for (const m of history) {
    const size = m.text.length * 3 + 256
    if (chunk.length > 0 && bytes + size > HISTORY_CHUNK_BYTES) {
      yield new TextEncoder().encode(JSON.stringify(chunk))
      chunk = []
      bytes = 0
    }
    chunk.push(m)
    bytes += size
  }
  if (chunk.length > 0) yield new TextEncoder().encode(JSON.stringify(chunk))
}

const HISTORY_CHUNK_BYTES = 512 * 1024

/**
 * A new one-time link code for this daemon's identity.
 *
 * @param historySince - offer the messages since this time (ms) too
 */
export async function linkCode (ferry: Ferry, historySince?: number): Promise<string> {
  const o = offers.get(ferry)
  if (o == null) throw new InvalidInputError('this node does not link devices')
  heldIdentityKey(ferry.identity.identityKey) // only the device holding the identity key certifies new ones
  return o.offer(ferry.identity.identityKey.publicKey.raw, ferry.peerId, ferry.addresses().map(a => a.replace(/\/p2p\/[^/]+$/, '')), { historySince })
}
