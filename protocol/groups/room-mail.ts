/**
 * Group mail: room traffic for a member who is away, left at that member's mailbox hosts
 * (docs/groups.md "Mailboxes").
 *
 * - **Capabilities.** Every member issues each fellow member a mailbox capability scoped to the
 *   room (`Capability.group`): a host admits under it only envelopes marked as that room's group
 *   mail, so a member who is not a contact can leave group traffic and nothing else. A member
 *   hands all of its own to each member it syncs with, which carries them on to their holders
 *   (one hop: a carrier only passes on what the owner handed it). They are kept in memory (a
 *   restarted node has them again at the next sync).
 * - **Sealing.** The envelope's payload is a `GroupMail`: a packet (the message, and the newest
 *   ops that fit) with the depositor's identity and device certificate, sealed to a card key (an
 *   ephemeral X25519 key, HKDF, ChaCha20-Poly1305, the envelope header as associated data): one
 *   copy for each of the member's devices in the room, under that device's card and addressed to
 *   it, so each fetches its own. The host sees the room id, the size bucket and the times.
 * - **Posting.** A message a member did not take directly is deposited for it at k of its hosts
 *   when we hold its capability; custody makes that member `stored`. Every 20 s what is still
 *   queued for an unconnected member is tried again.
 * - **Opening.** Mail whose depositor's certificate does not match the device that deposited it,
 *   that does not open, or that names another room is refused (the collector drops it); what opens
 *   is taken in as if the depositor had handed it to us, so a removed member's mail is refused
 *   like its packets are.
 */
import { concat } from 'uint8arrays/concat'
import { DEFAULT_TTL_MS, ENVELOPE_VERSION, MIN_TTL_MS } from '../constants.js'
import { verifyDevice } from '../crypto/identity.js'
import { InvalidEnvelopeError } from '../errors.js'
import { Envelope, pad, unpad } from '../messaging/envelope.js'
import { openCapability } from '../mailbox/signed.js'
import { fromHex, toHex as hex } from '../util/bytes.js'
import { logDirectory } from './cards.js'
import { GroupPacket } from '../services/group/pb/group.js'
import { MAX_ITEMS } from '../services/group/constants.js'
import { GroupMail, GroupMailContent } from './pb/mail.js'
import { HistoryRecord, Recipient } from './pb/groups.js'
import type { Rooms } from './rooms.js'
import type { Room } from './room.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Identity } from '../crypto/identity.js'
import type { Capability } from '../mailbox/pb/mailbox.js'
import type { Custody } from '../stores/stores.js'
import type { GroupAsker } from '../services/group/index.js'
import type { Logger, PeerId } from '@libp2p/interface'

/** What room mail needs of the node's mailboxes (mailbox/mailboxes.ts). */
export interface RoomMailboxes {
  roomCapability(sender: Uint8Array, group: Uint8Array): Promise<Uint8Array | undefined>
  depositWith(capability: Uint8Array, items: Array<{ id: string, envelope: Uint8Array, mailboxes?: Custody[] }>, whose?: string): Promise<Map<string, Custody[]>>
}

export interface RoomMailInit {
  rooms: Rooms
  identity: Identity
  crypto: CryptoBackend
  /** our X25519 identity DH private key: mail is sealed to its public half (our card) */
  dhPrivateKey: Uint8Array
  /** this device (peer id bytes) */
  device: Uint8Array
  /** absent when the node keeps no mailboxes: nothing is posted or offered */
  mailboxes?: RoomMailboxes
  /** whether a member has an open connection to us now (it is reached directly, not by mail) */
  connected(identity: Uint8Array): boolean
  /** these members of room `group` hold our messages `ids` at a mailbox */
  stored(group: Uint8Array, ids: Set<string>, members: Set<string>): Promise<void>
  now(): number
  log: Logger
}

const CONTEXT = new TextEncoder().encode('ferry-group-mail-v1')

/** A device of a member that gets its own copy of room mail, and the card key it is sealed to. */
interface MailTarget {
  device: Uint8Array
  cardKey: Uint8Array
  /** a device the member's AddDevice named (not its base) */
  named: boolean
}
/** Re-sign a capability we offer after this long (they live 30 days). */
const OFFER_RENEW_MS = 24 * 60 * 60 * 1000
/** Room messages posted per room and 20 s round at most. */
const POST_BATCH = 64
/** Bytes of a mail's payload left for the newest ops, past the message (the largest bucket is 68 KiB). */
const PAYLOAD_BUDGET = 65536 + 4096 - 512
/** Capabilities we keep from fellow members, and carry for them, each in all. */
const MAX_KEPT = 4096
/** Hand the same capability to the same member again after this long (a lost exchange is repaired). */
const OFFER_AGAIN_MS = 10 * 60 * 1000

function u64 (n: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n))
  return b
}

/** Set a key in a map that keeps at most MAX_KEPT, the oldest going first. */
function bound<V> (map: Map<string, V>, key: string, value: V): void {
  map.delete(key)
  map.set(key, value)
  if (map.size > MAX_KEPT) map.delete(map.keys().next().value as string)
}

/** The associated data of a mail: its envelope's header, so a host cannot move the payload to another. */
function headerBytes (env: Envelope): Uint8Array {
  return concat([CONTEXT, env.id, env.group ?? new Uint8Array(0), env.recipientDevice, u64(env.created), u64(env.expiresAt)])
}

export class RoomMail {
  /** `${room}/${owner}` -> the capability that owner gave us for the room */
  private readonly given = new Map<string, { bytes: Uint8Array, cap: Capability }>()
  /** `${room}/${member}` -> the capability we last signed for that member */
  private readonly offered = new Map<string, { at: number, bytes: Uint8Array }>()
  /** `${room}/${owner}/${holder}` -> a capability its owner handed us to carry to its holder */
  private readonly carried = new Map<string, Uint8Array>()
  /** what we handed whom, when (so a sync every 20 s does not repeat it) */
  private readonly sent = new Map<string, number>()

  constructor (private readonly init: RoomMailInit) {}

  /**
   * What to hand `member` when we sync room `group`: our capability for every listed member (it
   * carries them to those it meets: a member we never meet still gets ours) and those we carry
   * for `member` from their owners; each once in OFFER_AGAIN_MS.
   */
  async offer (group: Uint8Array, member: Uint8Array): Promise<Uint8Array[]> {
    const room = this.init.rooms.get(group)
    if (room == null) return []
    const me = hex(this.init.identity.identityKey.publicKey.raw)
    const out: Uint8Array[] = []
    const offer = (key: string, bytes: Uint8Array): void => {
      const sent = `${hex(member)}/${key}/${hex(bytes.subarray(-16))}`
      if ((this.sent.get(sent) ?? -Infinity) > this.init.now() - OFFER_AGAIN_MS) return
      this.sent.set(sent, this.init.now())
      out.push(bytes)
    }
    for (const m of room.state().members.map(x => x.identity).filter(id => hex(id) !== me && hex(id) !== hex(member))) {
      const bytes = await this.ours(group, m)
      if (bytes != null) offer(`${hex(group)}/${me}/${hex(m)}`, bytes)
    }
    const mine = await this.ours(group, member)
    if (mine != null) offer(`${hex(group)}/${me}/${hex(member)}`, mine)
    for (const [key, bytes] of this.carried) if (key.startsWith(`${hex(group)}/`) && key.endsWith(`/${hex(member)}`)) offer(key, bytes)
    while (this.sent.size > MAX_KEPT * 4) this.sent.delete(this.sent.keys().next().value as string)
    return out
  }

  /** Our capability for `member` of room `group`, re-signed after OFFER_RENEW_MS (none when we use no hosts). */
  private async ours (group: Uint8Array, member: Uint8Array): Promise<Uint8Array | undefined> {
    const { mailboxes, now } = this.init
    if (mailboxes == null) return undefined
    const key = `${hex(group)}/${hex(member)}`
    const last = this.offered.get(key)
    if (last != null && now() - last.at < OFFER_RENEW_MS) return last.bytes
    const bytes = await mailboxes.roomCapability(member, group)
    if (bytes != null) this.offered.set(key, { at: now(), bytes })
    return bytes
  }

  /**
   * Capabilities a listed member handed us: ours to use when they name us, and, when it hands us
   * its own for someone else, ours to carry to that member. Anything else is dropped: a
   * capability is its owner's word, so a forwarder can carry one but never make one.
   */
  async keep (group: Uint8Array, from: Uint8Array, capabilities: Uint8Array[]): Promise<void> {
    const room = this.init.rooms.get(group)
    if (room == null) return
    const me = hex(this.init.identity.identityKey.publicKey.raw)
    const listed = new Set(room.state().members.map(m => hex(m.identity)))
    for (const bytes of capabilities) {
      try {
        const cap = await openCapability(bytes, this.init.crypto)
        if (cap.group == null || hex(cap.group) !== hex(group)) throw new Error('it is not scoped to this room')
        if (!listed.has(hex(cap.owner)) || !listed.has(hex(cap.sender))) throw new Error('its owner or its holder is not a member')
        const key = `${hex(group)}/${hex(cap.owner)}/${hex(cap.sender)}`
        if (hex(cap.sender) === me) {
          const held = this.given.get(`${hex(group)}/${hex(cap.owner)}`)
          if (cap.issuedAt >= (held?.cap.issuedAt ?? 0)) bound(this.given, `${hex(group)}/${hex(cap.owner)}`, { bytes, cap })
        } else if (hex(cap.owner) === hex(from)) {
          bound(this.carried, key, bytes)
        }
      } catch (err: any) {
        this.init.log('a room mailbox capability was refused: %s', err.message)
      }
    }
  }

  /** Whether we can leave mail for `member` of room `group`. */
  canPost (group: Uint8Array, member: Uint8Array): boolean {
    const held = this.given.get(`${hex(group)}/${hex(member)}`)
    return held != null && held.cap.notAfter > this.init.now()
  }

  /**
   * Deposit our messages still `queued` for members who are not connected, at their hosts; those
   * that get custody become `stored` for that member. `ids` limits it to some messages.
   *
   * @returns how many (message, member) pairs were stored
   */
  async post (group: Uint8Array, ids?: Set<string>): Promise<number> {
    const { rooms, mailboxes } = this.init
    const room = rooms.get(group)
    if (mailboxes == null || room == null) return 0
    const listed = new Set(room.state().members.map(m => hex(m.identity)))
    const now = this.init.now()
    const waiting = new Map<string, string[]>() // member -> message ids
    for (const e of await rooms.history(group)) {
      if ((ids != null && !ids.has(e.id)) || (e.expiresAt !== 0 && e.expiresAt <= now + MIN_TTL_MS)) continue
      const r = HistoryRecord.decode(e.record)
      if (!r.outgoing) continue
      for (const x of r.recipients) {
        const m = hex(x.member)
        if (x.state === Recipient.State.QUEUED && listed.has(m) && this.canPost(group, x.member) && !this.init.connected(x.member)) waiting.set(m, [...waiting.get(m) ?? [], e.id])
      }
    }
    let stored = 0
    for (const [member, messageIds] of waiting) {
      const given = this.given.get(`${hex(group)}/${member}`)
      if (given == null) continue
      try {
        // a copy for each of the member's devices in the room, sealed to that device's card and
        // left in its own slot at the member's hosts: each fetches its own, whichever is away
        const items: Array<{ id: string, envelope: Uint8Array }> = []
        const copyOf = new Map<string, string>() // item id -> message id
        for (const id of messageIds.slice(-POST_BATCH)) {
          const signed = room.kept.get(id)
          if (signed == null) continue
          for (const target of await this.targets(room, member, given.cap.ownerDevice)) {
            const item = target.named ? `${id}/${hex(target.device)}` : id
            copyOf.set(item, id)
            items.push({ id: item, envelope: await this.seal(room, fromHex(member), target, id, signed.bytes, signed.expiresAt) })
          }
        }
        const custody = await mailboxes.depositWith(given.bytes, items, `member ${member.slice(0, 16)}`)
        const done = new Set(items.filter(i => (custody.get(i.id) ?? []).length > 0).map(i => copyOf.get(i.id) as string))
        if (done.size > 0) await this.init.stored(group, done, new Set([member]))
        stored += done.size
      } catch (err: any) {
        this.init.log('could not leave room mail for %s: %s', member.slice(0, 16), err.message)
      }
    }
    return stored
  }

  /**
   * Where a member's copies go: its base device (the one the room knows it by, else the device
   * that gave us the capability when that is not a named one) under the member's card, and each
   * named device of it under that device's own card (docs/rooms-on-devices.md).
   */
  private async targets (room: Room, member: string, capabilityDevice: Uint8Array): Promise<MailTarget[]> {
    const d = room.log.devicesOf(member)
    const out: MailTarget[] = []
    const base = d?.base ?? (d?.named.has(hex(capabilityDevice)) === true ? undefined : hex(capabilityDevice))
    if (d?.baseGone !== true && base != null) out.push({ device: fromHex(base), cardKey: await logDirectory(() => room.log).initialKey(member), named: false })
    for (const peer of d?.named ?? []) {
      const card = room.gens.ownerOf(room.gens.keyIdAt(member, peer))?.card
      if (card != null) out.push({ device: fromHex(peer), cardKey: card, named: true })
    }
    return out
  }

  /** One message (and the newest ops that fit with it) as a member's group mail envelope. */
  private async seal (room: Room, member: Uint8Array, target: MailTarget, id: string, message: Uint8Array, expiresAt: number): Promise<Uint8Array> {
    const { crypto, identity } = this.init
    const ops: Uint8Array[] = []
    let left = PAYLOAD_BUDGET - message.byteLength - 512
    const log = room.log.ops()
    for (let i = log.length - 1; i >= 0 && log[i].bytes.byteLength + 8 <= left; i--) {
      ops.unshift(log[i].bytes)
      left -= log[i].bytes.byteLength + 8
    }
    const packet = GroupPacket.encode({ ops, messages: [message], receipts: [], capabilities: [] })
    const content = GroupMailContent.encode({ sender: identity.identityKey.publicKey.raw, senderDevice: this.init.device, deviceSignature: identity.deviceSignature, packet })
    const now = this.init.now()
    const env: Envelope = {
      version: ENVELOPE_VERSION,
      // the same message for the same device is the same mail: a retry is a duplicate at the host
      id: (await crypto.sha256(concat([CONTEXT, room.group, member, new TextEncoder().encode(id), target.named ? target.device : new Uint8Array(0)]))).subarray(0, 16),
      recipient: member,
      recipientDevice: target.device,
      group: room.group,
      created: now,
      expiresAt: Math.min(expiresAt === 0 ? Infinity : expiresAt, now + DEFAULT_TTL_MS),
      payload: new Uint8Array(0)
    }
    const { cardKey } = target
    const eph = await crypto.x25519Generate()
    const { key, nonce } = await this.keys(await crypto.x25519(eph.privateKey, cardKey), eph.publicKey, cardKey)
    const ciphertext = await crypto.aeadSeal(key, nonce, content, headerBytes(env))
    env.payload = pad(GroupMail.encode({ ephemeral: eph.publicKey, ciphertext }))
    return Envelope.encode(env)
  }

  private async keys (shared: Uint8Array, ephemeral: Uint8Array, cardKey: Uint8Array): Promise<{ key: Uint8Array, nonce: Uint8Array }> {
    const okm = await this.init.crypto.hkdf(shared, new Uint8Array(32), concat([CONTEXT, ephemeral, cardKey]), 44)
    return { key: okm.subarray(0, 32), nonce: okm.subarray(32) }
  }

  /**
   * Open group mail collected from one of our hosts, deposited by `depositor`.
   *
   * @throws InvalidEnvelopeError when it does not open, is not the depositor's, or is malformed
   */
  async open (env: Envelope, depositor: PeerId): Promise<{ group: Uint8Array, packet: GroupPacket, from: GroupAsker }> {
    const { crypto } = this.init
    if (env.group == null) throw new InvalidEnvelopeError('not group mail')
    try {
      const mail = GroupMail.decode(unpad(env.payload))
      if (mail.ephemeral.byteLength !== 32) throw new Error('malformed ephemeral key')
      const cardKey = await crypto.x25519PublicKey(this.init.dhPrivateKey)
      const { key, nonce } = await this.keys(await crypto.x25519(this.init.dhPrivateKey, mail.ephemeral), mail.ephemeral, cardKey)
      const content = GroupMailContent.decode(await crypto.aeadOpen(key, nonce, mail.ciphertext, headerBytes(env)))
      const device = depositor.toMultihash().bytes
      if (hex(content.senderDevice) !== hex(device) || !await verifyDevice(content.sender, device, content.deviceSignature)) throw new Error('the depositing device is not the sender\'s')
      const packet = GroupPacket.decode(content.packet, { limits: { ops: MAX_ITEMS, messages: MAX_ITEMS, receipts: MAX_ITEMS, capabilities: 0 } })
      return { group: env.group, packet: { ...packet, summary: undefined, capabilities: [] }, from: { identity: content.sender, peer: depositor } }
    } catch (err: any) {
      throw new InvalidEnvelopeError(`group mail does not open: ${err.message as string}`)
    }
  }
}
