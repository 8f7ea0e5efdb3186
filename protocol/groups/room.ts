/**
 * One team room as one member sees it: the membership log (membership.ts) and the key agreement
 * (dcgka.ts) joined, plus the room's application messages (room-message.ts). Pure: the caller
 * carries the bytes `receive`, `send` and the admin actions return to the other members, and
 * hands in what arrives, in any order, as often as it likes (docs/groups.md). What a member does
 * is here; how a room takes things in is room-intake.ts.
 */
import { toHex as hex } from '../util/bytes.js'
import { GROUP_ID_BYTES, signOp, verifyOp } from './ops.js'
import { MembershipLog } from './membership.js'
import { InvalidTargetError, MalformedOpError, NotAdminError, NotMemberError } from './errors.js'
import { addMember, createGroup, decodeKeyState, encodeKeyState, encryptToGroup, removeMember, updateGroupKeys } from './dcgka.js'
import { MAX_HELD_MESSAGES, MAX_HELD_OPS, MAX_KEPT_MESSAGES, SNAPSHOT_VERSION, signMessage, verifyMessage } from './room-message.js'
import { associated } from './room-keys.js'
import { RoomSnapshot } from './pb/groups.js'
import { cardFor } from './cards.js'
import { RoomIntake } from './room-intake.js'
import { verifyReceipt } from './receipts.js'
import type { Receipt } from './receipts.js'
import type { RoomChanges, RoomInit, RoomMessage } from './room-message.js'
import type { Card } from './cards.js'

export type { RoomChanges, RoomInit, RoomMessage }
export { MAX_HELD_MESSAGES, MAX_HELD_OPS, MAX_KEPT_MESSAGES }

export class Room extends RoomIntake {
  /** the newest receipt (receipts.ts) of each member's device, by `${identity hex}/${device hex}` */
  readonly receipts = new Map<string, Receipt>()

  /**
   * Create a room: the Create op and the key agreement's create, for `members` besides us.
   *
   * @returns the room and the ops to send every member
   */
  static async create (init: RoomInit, name: string, members: Uint8Array[], expiresMs = 0): Promise<{ room: Room, ops: Uint8Array[] }> {
    const group = init.crypto.randomBytes(GROUP_ID_BYTES)
    const cards = [init.me.identityKey.publicKey.raw, ...members].map(m => cardFor(init.cards, m))
    const root = await signOp({ group, parents: [], seq: 1, at: (init.now ?? Date.now)(), body: { kind: 'create', name, members, expiresMs, cards } }, init.me, init.crypto)
    const room = new Room(init, new MembershipLog(root))
    const ids = [room.me, ...members.map(hex)]
    const key = await room.keyOp(await createGroup(init.crypto, room.keys, ids, room.directory))
    return { room, ops: [root.bytes, key] }
  }

  /**
   * A room we were told of: its Create op, from any member (it proves nothing until ops that add
   * us and key payloads for us follow, signed by members).
   */
  static async fromRoot (init: RoomInit, rootBytes: Uint8Array): Promise<Room> {
    return new Room(init, new MembershipLog(await verifyOp(rootBytes, init.crypto)))
  }

  private requireAdmin (): void {
    const role = this.role(this.me)
    if (role == null) throw new NotMemberError('we are not a member of this room')
    if (role !== 'admin') throw new NotAdminError('only an admin can do this')
  }

  /**
   * Add a member (admins only). @throws NotAdminError, InvalidTargetError, GroupFullError
   */
  async add (member: Uint8Array): Promise<Uint8Array[]> {
    this.requireAdmin()
    if (this.role(hex(member)) != null) throw new InvalidTargetError('already a member')
    if (this.keys.status !== 'member') throw new NotMemberError('our keys are not ready: the room\'s welcome has not reached us yet')
    const op = await this.author({ kind: 'add', member, card: cardFor(this.init.cards, member) })
    return [op.bytes, await this.keyOp(await addMember(this.init.crypto, this.keys, this.gens.idAt(hex(member), op.id), this.directory))]
  }

  /**
   * Remove a member (admins only): from the moment this returns, what we send is closed to it.
   * A member our keys do not hold yet (its add's key op has not reached us) gets no key op: what
   * we send is closed to it already, and reconcile shuts it out if that key op comes later.
   *
   * @throws NotAdminError, InvalidTargetError
   */
  async remove (member: Uint8Array): Promise<Uint8Array[]> {
    this.requireAdmin()
    if (this.role(hex(member)) == null) throw new InvalidTargetError('not a member')
    // every device of the member: one key remove each
    const ids = [...this.gens.listedIdsAt()].filter(id => this.gens.identityOf(id) === hex(member))
    const out = [(await this.author({ kind: 'remove', member })).bytes]
    for (const id of ids) {
      if (this.keys.status === 'member' && this.keys.members.includes(id)) out.push(await this.keyOp(await removeMember(this.init.crypto, this.keys, id, this.directory)))
    }
    return out
  }

  /**
   * Bring another device of our own identity into the room as a device of the same member (no
   * admin needed): an AddDevice carrying its certificate and card, then the key add that welcomes
   * it. It reads what every member seals after processing that add.
   *
   * @throws NotMemberError when our keys are not ready; InvalidTargetError, GroupFullError, RemovedDeviceError (rule 7)
   */
  async addDevice (peer: Uint8Array, certificate: Uint8Array, card: Card): Promise<Uint8Array[]> {
    if (!this.inRoom) throw new NotMemberError('this device is not in the room')
    if (this.keys.status !== 'member' || this.ourId() !== this.keys.me) throw new NotMemberError('our keys are not ready: the room\'s welcome has not reached us yet')
    const op = await this.author({ kind: 'addDevice', peer, certificate, card })
    return [op.bytes, await this.keyOp(await addMember(this.init.crypto, this.keys, this.gens.keyIdAt(this.me, hex(peer), op.id), this.directory))]
  }

  /**
   * Take a device of our own identity out of the room for good (it was revoked): a RemoveDevice,
   * then a key remove, so nothing we seal afterwards is open to it.
   *
   * @throws NotMemberError; InvalidTargetError when it is not one of our devices in the room, or our last
   */
  async removeDevice (peer: Uint8Array): Promise<Uint8Array[]> {
    if (!this.inRoom) throw new NotMemberError('this device is not in the room')
    const id = this.gens.keyIdAt(this.me, hex(peer))
    const op = await this.author({ kind: 'removeDevice', peer })
    if (this.keys.status !== 'member' || !this.keys.members.includes(id) || id === this.keys.me) return [op.bytes]
    return [op.bytes, await this.keyOp(await removeMember(this.init.crypto, this.keys, id, this.directory))]
  }

  /**
   * Whether the room lists our device: our identity a member and our device one of its devices
   * there, named by an AddDevice, or the base (recorded as us, or unrecorded and the card that
   * started our generation ours). A room that does not is not kept (delivery.ts).
   */
  listsMe (): boolean {
    if (this.role(this.me) == null) return false
    const d = this.log.devicesOf(this.me)
    const device = hex(this.device)
    if (d == null || this.log.deviceGone(this.me, device)) return false
    if (d.named.has(device)) return true
    return !d.baseGone && (d.base != null ? d.base === device : this.baseIsUs())
  }

  /** How many devices a member has in the room (its base counts while it is not taken out, recorded or not). */
  deviceCount (member: string): number {
    const d = this.log.devicesOf(member)
    return d == null ? 0 : d.named.size + (d.baseGone ? 0 : 1)
  }

  /** A member's devices in the room (ours by default), hex peer ids: the base once recorded and not taken out, and the named ones. */
  devices (member = this.me): string[] {
    const d = this.log.devicesOf(member)
    if (d == null) return []
    return [...(d.base != null && !d.baseGone ? [d.base] : []), ...d.named]
  }

  /** A key update: post-compromise security for the whole room once the others ack. */
  async update (): Promise<Uint8Array[]> {
    return [await this.keyOp(await updateGroupKeys(this.init.crypto, this.keys, this.directory))]
  }

  /** Rename, set the timer, promote or demote (admins only). @throws NotAdminError, NotMemberError, InvalidTargetError */
  async change (body: { kind: 'rename', name: string } | { kind: 'setTimer', expiresMs: number } | { kind: 'promote' | 'demote', member: Uint8Array }): Promise<Uint8Array[]> {
    return [(await this.author(body)).bytes]
  }

  /**
   * Seal and sign a message for every member; it expires after `expiresMs`, by default the room's
   * timer (0: never).
   *
   * @throws NotMemberError when we are not (or no longer) a member
   */
  async send (plaintext: Uint8Array, expiresMs?: number): Promise<{ id: string, bytes: Uint8Array, expiresAt: number }> {
    if (!this.inRoom) throw new NotMemberError(this.role(this.me) == null ? 'we are not a member of this room' : 'this device is not in the room')
    const sentAt = this.now()
    const timer = expiresMs ?? this.state().timer
    const header = { group: this.group, sentAt, expiresAt: timer > 0 ? sentAt + timer : 0 }
    // the message ratchet binds group, sender, epoch and n itself; we add the times
    const sealed = await encryptToGroup(this.init.crypto, this.keys, plaintext, associated(this.init.me.identityKey.publicKey.raw, header))
    this.keys = sealed.state
    const generation = this.gens.generationOf(this.keys.me) ?? 0
    const deviceKey = this.gens.deviceOf(this.keys.me) != null
    const signed = await signMessage(this.init.me, { ...header, epoch: sealed.message.epochRef, n: sealed.message.n, generation, deviceKey }, sealed.message.ciphertext, this.init.crypto)
    this.seen.add(signed.id)
    this.keep(signed)
    return { id: signed.id, bytes: signed.bytes, expiresAt: header.expiresAt }
  }

  /** Leave the room. Every member removes us from its keys when it sees this. */
  async leave (): Promise<Uint8Array[]> {
    if (this.role(this.me) == null) throw new NotMemberError('we are not a member of this room')
    return [(await this.author({ kind: 'leave' })).bytes]
  }

  /**
   * Keep a verified receipt when it is of this room, its member is listed, and it is newer than
   * the one held for that member.
   *
   * @returns whether it was kept (the caller passes kept ones on)
   */
  keepReceipt (r: Receipt): boolean {
    const member = hex(r.member)
    if (hex(r.group) !== hex(this.group) || this.role(member) == null || this.log.deviceGone(member, hex(r.device))) return false
    const key = `${member}/${hex(r.device)}`
    if ((this.receipts.get(key)?.at ?? -1) >= r.at) return false
    this.receipts.set(key, r)
    return true
  }

  /**
   * The room at rest: every op, the key state, what is held. Secret (it holds keys): the store
   * seals it, and the caller writes it before sending what the last call returned.
   */
  snapshot (): Uint8Array {
    return RoomSnapshot.encode({
      version: SNAPSHOT_VERSION,
      ops: this.log.ops().map(op => op.bytes),
      keys: encodeKeyState(this.keys),
      heldOps: [...this.heldOps.values()].map(op => op.bytes),
      heldMessages: this.heldMessages.map(m => m.bytes),
      early: this.early,
      kept: [...this.kept.values()].map(m => m.bytes),
      unsent: this.unsent,
      receipts: [...this.receipts.values()].map(r => r.bytes)
    })
  }

  /**
   * A room from its snapshot; every op is verified again.
   *
   * @throws MalformedOpError when the snapshot does not decode; what MembershipLog.fromOps and
   *   decodeKeyState throw
   */
  static async restore (init: RoomInit, bytes: Uint8Array): Promise<Room> {
    let snap: RoomSnapshot
    try {
      snap = RoomSnapshot.decode(bytes)
    } catch (err: any) {
      throw new MalformedOpError(`unreadable room snapshot: ${err.message}`)
    }
    if (snap.version !== SNAPSHOT_VERSION) throw new MalformedOpError(`room snapshot version ${snap.version} is not ${SNAPSHOT_VERSION}`)
    const room = new Room(init, await MembershipLog.fromOps(snap.ops, init.crypto))
    room.keys = decodeKeyState(snap.keys)
    for (const op of room.log.ops()) room.seen.add(op.id)
    for (const b of snap.heldOps) room.hold(await verifyOp(b, init.crypto))
    for (const b of snap.heldMessages) room.heldMessages.push(await verifyMessage(b, init.crypto))
    room.early = snap.early.filter(id => room.log.has(id))
    for (const b of snap.kept) room.keep(await verifyMessage(b, init.crypto))
    room.unsent = snap.unsent
    for (const b of snap.receipts) room.keepReceipt(await verifyReceipt(b, init.crypto))
    return room
  }
}
