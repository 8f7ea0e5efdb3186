/**
 * A team of Room holders for tests: every byte any of them ever sent is kept, so anyone can be
 * handed anything, late, twice or out of order.
 */
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { certifyDevice, createIdentity, heldIdentityKey } from '../../protocol/crypto/identity.js'
import { nodeCrypto } from '../../node/crypto.js'
import { toHex } from '../../protocol/util/bytes.js'
import { Room } from '../../protocol/groups/room.js'
import { decodeKeyPayload } from '../../protocol/groups/dcgka.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import type { KeyDirectory } from '../../protocol/groups/dcgka.js'
import { identityDhSignatureMessage } from '../../protocol/crypto/bundle.js'
import type { Card } from '../../protocol/groups/cards.js'
import type { RoomChanges, RoomInit } from '../../protocol/groups/room.js'

export const crypto = nodeCrypto()
export const te = new TextEncoder()
export const td = new TextDecoder()

export interface Person {
  name: string
  me: Identity
  id: Uint8Array
  /** the X25519 identity DH pair and its card (what the prekey bundle carries) */
  initial: { privateKey: Uint8Array, publicKey: Uint8Array }
  card: Card
  room?: Room
  /** for another device of someone's identity: whose (Team.device) */
  of?: Person
  /** texts opened, in arrival order, as "sender-name: text" */
  got: string[]
  refused: Error[]
}

/** A team of people and every byte any of them ever sent, so anyone can be handed anything. */
export class Team {
  readonly people = new Map<string, Person>()
  readonly ops: Uint8Array[] = []
  readonly messages: Uint8Array[] = []
  /** what a contact's bundle would tell: anyone's card */
  readonly cards = (identity: Uint8Array): Card | undefined => [...this.people.values()].find(p => p.of == null && toHex(p.id) === toHex(identity))?.card
  /** the same as a key directory, for tests that call dcgka.ts directly */
  readonly directory: KeyDirectory = {
    initialKey: (id: string) => {
      const p = [...this.people.values()].find(p => toHex(p.id) === id)
      if (p == null) throw new Error(`no such member ${id}`)
      return p.initial.publicKey
    }
  }

  async person (name: string): Promise<Person> {
    const me = await createIdentity()
    const initial = await crypto.x25519Generate()
    const card = { dh: initial.publicKey, signature: await crypto.sign(heldIdentityKey(me.identityKey), identityDhSignatureMessage(initial.publicKey)) }
    const p: Person = { name, me, id: me.identityKey.publicKey.raw, initial, card, got: [], refused: [] }
    this.people.set(name, p)
    return p
  }

  /**
   * Another device of `of`'s identity: its own peer key certified by the identity, its own DH key
   * and card, as a linked device has. It has no room until it is brought in (Room.addDevice).
   */
  async device (of: Person, name: string): Promise<Person> {
    const deviceKey = (await createIdentity()).deviceKey
    const me = { identityKey: of.me.identityKey, deviceKey, deviceSignature: await certifyDevice(heldIdentityKey(of.me.identityKey), deviceKey) }
    const initial = await crypto.x25519Generate()
    const card = { dh: initial.publicKey, signature: await crypto.sign(heldIdentityKey(me.identityKey), identityDhSignatureMessage(initial.publicKey)) }
    const p: Person = { name, me, id: of.id, initial, card, of, got: [], refused: [] }
    this.people.set(name, p)
    return p
  }

  /** A device's peer id bytes. */
  peer (p: Person): Uint8Array {
    return peerIdFromPrivateKey(p.me.deviceKey).toMultihash().bytes
  }

  /** `device` joins `by`'s room as another device of the same member; its room starts from the root. */
  async link (by: Person, device: Person): Promise<void> {
    this.sent(await (by.room as Room).addDevice(this.peer(device), device.me.deviceSignature, device.card))
    device.room = await Room.fromRoot(this.init(device), this.ops[0])
  }

  init (p: Person): RoomInit {
    // a device's own card is its own, as a node's is (groups.ts); everyone else's from the team
    return { me: p.me, crypto, initialPrivateKey: p.initial.privateKey, cards: id => toHex(id) === toHex(p.id) ? p.card : this.cards(id) }
  }

  nameOf (id: Uint8Array): string {
    return [...this.people.values()].find(p => p.of == null && toHex(p.id) === toHex(id))?.name ?? '?'
  }

  /** Record what a person sent, so it can be delivered later. */
  sent (ops: Uint8Array[], message?: Uint8Array): void {
    this.ops.push(...ops)
    if (message != null) this.messages.push(message)
  }

  async create (admin: Person, name: string, members: Person[]): Promise<void> {
    const made = await Room.create(this.init(admin), name, members.map(m => m.id))
    admin.room = made.room
    this.sent(made.ops)
    for (const m of members) m.room = await Room.fromRoot(this.init(m), made.ops[0])
  }

  /** Hand `p` the given bytes; what it answers is recorded as sent. */
  async deliver (p: Person, ops: Uint8Array[], messages: Uint8Array[] = []): Promise<RoomChanges> {
    const changes = await (p.room as Room).receive(ops, messages)
    this.sent(changes.ops)
    for (const m of changes.messages) p.got.push(`${this.nameOf(m.sender)}: ${td.decode(m.plaintext)}`)
    p.refused.push(...changes.refused.map(r => r.error))
    return changes
  }

  /** Deliver everything ever sent to `who` until nobody has anything new to say. */
  async settle (who: Person[]): Promise<void> {
    for (let round = 0; round < 20; round++) {
      const before = this.ops.length
      for (const p of who) await this.deliver(p, [...this.ops], [...this.messages])
      if (this.ops.length === before) return
    }
    throw new Error('the team never settled')
  }

  async send (p: Person, text: string): Promise<Uint8Array> {
    const { bytes } = await (p.room as Room).send(te.encode(text))
    this.sent([], bytes)
    return bytes
  }
}

/**
 * Make a person curious: it never applies a key removal of itself, keeping every key it has and
 * processing everything else, so what it can read is exactly what the others' keys let it.
 * (A test-only patch of a private method: the honest Room wipes its keys on its removal.)
 */
export function curious (p: Person): void {
  const room = p.room as any
  const process = room.processKey.bind(room)
  room.processKey = async (op: any, changes: any) => {
    const c = decodeKeyPayload(op.body.payload).control
    if (c.kind === 'remove' && (c.subject === toHex(p.id) || c.subject === room.keys.me)) return
    return process(op, changes)
  }
}
