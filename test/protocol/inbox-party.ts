/**
 * Devices and a sender for the inbox specs: real sealed envelopes from a sender's Sessions, to be
 * accepted by a receiver's Inbox.
 */
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { encodeBundle } from '../../protocol/crypto/bundle.js'
import { createBundle, generatePrekeys } from '../../protocol/crypto/prekeys.js'
import { MemoryPrekeyStore } from '../../protocol/stores/memory/prekeys.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import { Envelope } from '../../protocol/messaging/envelope.js'
import { createIdentity } from '../../protocol/crypto/identity.js'
import { sealEnvelope } from '../../protocol/messaging/seal.js'
import { Sessions } from '../../protocol/messaging/sessions.js'
import type { Inbox } from '../../protocol/messaging/inbox.js'
import type { Content } from '../../protocol/pb/ferry.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import type { PeerId } from '@libp2p/interface'

export const crypto = defaultCrypto
export const NOW = 1_700_000_000_000
export const TTL = 60_000

export interface Device { identity: Identity, peerId: PeerId, prekeys: MemoryPrekeyStore }

export async function device (): Promise<Device> {
  const identity = await createIdentity()
  const prekeys = new MemoryPrekeyStore()
  await generatePrekeys(crypto, identity, prekeys, { oneTime: 4 })
  return { identity, peerId: peerIdFromPrivateKey(identity.deviceKey), prekeys }
}

/** A sender: its Sessions persist records in a map, as its outbox would with each message. */
export class Sender {
  private readonly records = new Map<string, Uint8Array>()
  readonly sessions: Sessions
  constructor (readonly me: Device, private readonly to: Device) {
    this.sessions = new Sessions({ crypto, me: me.identity, prekeys: me.prekeys, load: async peer => this.records.get(peer) })
  }

  /** Seal message `n`; `content` overrides fields of the honest content. */
  async seal (n: number, text = `message ${n}`, content: Partial<Content> = {}): Promise<Uint8Array> {
    const peer = this.to.peerId.toString()
    return this.sessions.serialize(peer, async () => {
      const bundle = await this.sessions.has(peer) ? undefined : encodeBundle(await createBundle(crypto, this.to.identity, this.to.prekeys, { withOneTime: true }))
      const fields = { id: messageId(n), recipient: this.to.identity.identityKey.publicKey.raw, recipientDevice: this.to.peerId.toMultihash().bytes, created: NOW, expiresAt: NOW + TTL }
      const honest = { sender: this.me.identity.identityKey.publicKey.raw, senderDevice: this.me.peerId.toMultihash().bytes, deviceSignature: this.me.identity.deviceSignature, text, sentAt: NOW }
      const { envelope, record } = await sealEnvelope(this.sessions, peer, fields, { ...honest, ...content }, bundle)
      this.records.set(peer, record)
      return envelope
    })
  }
}

/** A 16-byte message id holding `n` in its first two bytes. */
export function messageId (n: number): Uint8Array {
  const id = new Uint8Array(16).fill(0xee)
  new DataView(id.buffer).setUint16(0, n)
  return id
}

export async function accept (inbox: Inbox, bytes: Uint8Array, from: PeerId): Promise<{ storedAt: number }> {
  return inbox.accept(Envelope.decode(bytes), bytes, from)
}
