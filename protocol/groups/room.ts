/**
 * One team room as one member sees it: the membership log (membership.ts) and the key agreement
 * (dcgka.ts) joined, plus the room's application messages (room-message.ts). Pure: the caller
 * carries the bytes `receive`, `send` and the admin actions return to the other members, and
 * hands in what arrives, in any order, as often as it likes (docs/groups.md).
 *
 * How the layers meet. A membership change is two ops by the same author: the change itself, then
 * a `Key` op whose payload is the DCGKA control message (create, add, remove); updates, acks and
 * add-acks are `Key` ops alone. A key payload is processed when its op enters the log, so in
 * causal order; only if its author was a member in the op's own causal past (rule 1 of the merge
 * rule, so every member makes the same choice), and a create, add or remove only if it agrees with
 * the membership that op saw. A removed member's concurrent key ops still count: once a member's
 * chain has taken in a secret the removed member lacks, nothing it adds later gives it back.
 */
import { toHex } from '../util/bytes.js'
import { GROUP_ID_BYTES, signOp, verifyOp } from './ops.js'
import { MembershipLog } from './membership.js'
import { InvalidTargetError, MalformedOpError, NotAdminError, NotMemberError, RemovedMemberError } from './errors.js'
import { addMember, createGroup, decodeKeyState, decryptFromMember, encodeKeyState, encryptToGroup, initGroupKeys, processKeyPayload, removeMember, updateGroupKeys } from './dcgka.js'
import { UnknownEpochError } from './key-errors.js'
import { ExpiredGroupMessageError, MAX_HELD_MESSAGES, MAX_HELD_OPS, MAX_KEPT_MESSAGES, signMessage, verifyMessage } from './room-message.js'
import { associated, bringsUsIn, keyOpProblem } from './room-keys.js'
import { RoomSnapshot } from './pb/groups.js'
import { cardFor, logDirectory } from './cards.js'
import type { GroupOp, OpBody } from './ops.js'
import type { GroupState } from './membership.js'
import type { GroupKeyState, KeyDirectory, KeyOperationResult } from './dcgka.js'
import type { RoomChanges, RoomInit, RoomMessage, SignedMessage } from './room-message.js'

/** The snapshot format's version. */
const SNAPSHOT_VERSION = 1
export type { RoomChanges, RoomInit, RoomMessage }
export { MAX_HELD_MESSAGES, MAX_HELD_OPS, MAX_KEPT_MESSAGES }

const hex = (b: Uint8Array): string => toHex(b)

export class Room {
  readonly group: Uint8Array
  readonly log: MembershipLog
  private keys: GroupKeyState
  private readonly init: RoomInit
  private readonly heldOps = new Map<string, GroupOp>()
  private heldMessages: SignedMessage[] = []
  /** key ops that arrived while we were not in the group yet (we process those after our welcome) */
  private early: string[] = []
  private readonly seen = new Set<string>()
  /** messages we sent or opened, by id, until they expire: what we ferry to members who lack them */
  readonly kept = new Map<string, SignedMessage>()
  /** the first failure of each key op we could not process (kept for `ferry group info`) */
  readonly keyFailures = new Map<string, Error>()

  private constructor (init: RoomInit, log: MembershipLog) {
    this.init = init
    this.log = log
    this.group = log.group
    this.keys = initGroupKeys({ groupId: hex(log.group), me: this.me, initialPrivateKey: init.initialPrivateKey })
  }

  /** Each member's two-party key, from the cards in the log. */
  private readonly directory: KeyDirectory = logDirectory(() => this.log)

  private get me (): string {
    return hex(this.init.me.identityKey.publicKey.raw)
  }

  private now (): number {
    return (this.init.now ?? Date.now)()
  }

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

  /** The membership as every op held determines it. */
  state (): GroupState {
    return this.log.state()
  }

  /** Whether we are in the room's keys: created, welcomed, and not removed. */
  get keyStatus (): GroupKeyState['status'] {
    return this.keys.status
  }

  private role (who: string): 'admin' | 'member' | undefined {
    return this.state().members.find(m => hex(m.identity) === who)?.role
  }

  private async author (body: OpBody): Promise<GroupOp> {
    const id = this.init.me.identityKey.publicKey.raw
    const op = await signOp({ group: this.group, parents: this.log.nextParents(id), seq: this.log.nextSeq(id), at: this.now(), body }, this.init.me, this.init.crypto)
    this.log.receive(op)
    this.seen.add(op.id)
    return op
  }

  private async keyOp (result: KeyOperationResult): Promise<Uint8Array> {
    this.keys = result.state
    return (await this.author({ kind: 'key', payload: result.payload })).bytes
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
    const op = await this.author({ kind: 'add', member, card: cardFor(this.init.cards, member) })
    const verdict = this.log.verdict(op.id)
    if (verdict !== 'valid') throw verdict
    return [op.bytes, await this.keyOp(await addMember(this.init.crypto, this.keys, hex(member), this.directory))]
  }

  /**
   * Remove a member (admins only): from the moment this returns, what we send is closed to it.
   *
   * @throws NotAdminError, InvalidTargetError
   */
  async remove (member: Uint8Array): Promise<Uint8Array[]> {
    this.requireAdmin()
    if (this.role(hex(member)) == null) throw new InvalidTargetError('not a member')
    const op = await this.author({ kind: 'remove', member })
    return [op.bytes, await this.keyOp(await removeMember(this.init.crypto, this.keys, hex(member), this.directory))]
  }

  /** A key update: post-compromise security for the whole room once the others ack. */
  async update (): Promise<Uint8Array[]> {
    return [await this.keyOp(await updateGroupKeys(this.init.crypto, this.keys, this.directory))]
  }

  /** Rename, set the timer, promote or demote (admins only). */
  async change (body: { kind: 'rename', name: string } | { kind: 'setTimer', expiresMs: number } | { kind: 'promote' | 'demote', member: Uint8Array }): Promise<Uint8Array[]> {
    this.requireAdmin()
    const op = await this.author(body)
    const verdict = this.log.verdict(op.id)
    if (verdict !== 'valid') throw verdict
    return [op.bytes]
  }

  /**
   * Seal and sign a message for every member; it expires after the room's timer.
   *
   * @throws NotMemberError when we are not (or no longer) a member
   */
  async send (plaintext: Uint8Array): Promise<{ id: string, bytes: Uint8Array }> {
    if (this.role(this.me) == null) throw new NotMemberError('we are not a member of this room')
    const sentAt = this.now()
    const timer = this.state().timer
    const header = { group: this.group, sentAt, expiresAt: timer > 0 ? sentAt + timer : 0 }
    // the message ratchet binds group, sender, epoch and n itself; we add the times
    const sealed = await encryptToGroup(this.init.crypto, this.keys, plaintext, associated(this.init.me.identityKey.publicKey.raw, header))
    this.keys = sealed.state
    const signed = await signMessage(this.init.me, { ...header, epoch: sealed.message.epochRef, n: sealed.message.n }, sealed.message.ciphertext, this.init.crypto)
    this.seen.add(signed.id)
    this.keep(signed)
    return { id: signed.id, bytes: signed.bytes }
  }

  /** Leave the room. Every member removes us from its keys when it sees this. */
  async leave (): Promise<Uint8Array[]> {
    if (this.role(this.me) == null) throw new NotMemberError('we are not a member of this room')
    return [(await this.author({ kind: 'leave' })).bytes]
  }

  /**
   * Take in ops and messages from anyone, in any order, duplicates included. Nothing here throws
   * for bad input: what cannot be used is in `refused`, what must wait is held.
   */
  async receive (ops: Uint8Array[], messages: Uint8Array[] = []): Promise<RoomChanges> {
    const changes: RoomChanges = { ops: [], messages: [], refused: [], missing: [] }
    for (const bytes of ops) await this.takeOp(bytes, changes)
    await this.reconcile(changes)
    for (const bytes of messages) await this.takeMessage(bytes, changes, true)
    const held = this.heldMessages
    this.heldMessages = []
    for (const m of held) await this.openMessage(m, changes, true)
    changes.missing = [...new Set([...this.heldOps.values()].flatMap(op => this.log.missing(op.parents)))].filter(id => !this.heldOps.has(id)).sort()
    return changes
  }

  private async takeOp (bytes: Uint8Array, changes: RoomChanges): Promise<void> {
    let op: GroupOp
    try {
      op = await verifyOp(bytes, this.init.crypto)
    } catch (err: any) {
      changes.refused.push({ id: 'op', error: err })
      return
    }
    if (this.seen.has(op.id)) return
    const queue = [op]
    while (queue.length > 0) {
      const next = queue.shift() as GroupOp
      let result
      try {
        result = this.log.receive(next)
      } catch (err: any) {
        this.seen.add(next.id)
        changes.refused.push({ id: next.id, error: err })
        continue
      }
      if (result.status === 'missing') {
        this.hold(next)
        continue
      }
      this.heldOps.delete(next.id)
      this.seen.add(next.id)
      if (result.status === 'added') await this.applied(next, changes)
      for (const waiting of this.heldOps.values()) {
        if (waiting.parents.includes(next.id) && this.log.missing(waiting.parents).length === 0) queue.push(waiting)
      }
    }
  }

  private hold (op: GroupOp): void {
    this.heldOps.set(op.id, op)
    if (this.heldOps.size > MAX_HELD_OPS) this.heldOps.delete(this.heldOps.keys().next().value as string)
  }

  /** An op entered the log: process its key payload, in causal order. */
  private async applied (op: GroupOp, changes: RoomChanges): Promise<void> {
    if (op.body.kind !== 'key' || hex(op.author) === this.me) return
    if (this.keys.status === 'removed') return
    const problem = keyOpProblem(this.log, op)
    if (problem != null) {
      this.keyFailures.set(op.id, problem)
      changes.refused.push({ id: op.id, error: problem })
      return
    }
    if (this.keys.status === 'pending' && !bringsUsIn(op, this.me)) {
      this.early.push(op.id)
      return
    }
    await this.processKey(op, changes)
    if (this.keys.status === 'member' && this.early.length > 0) {
      const early = this.early.filter(id => !this.log.isBefore(id, op.id))
      this.early = []
      for (const id of early) await this.processKey(this.log.get(id) as GroupOp, changes)
    }
  }

  /**
   * Keys follow the log, at once. Whoever the log no longer lists but our keys still hold (a
   * removal whose key op has not reached us yet, a member who left, an add that lost to a
   * concurrent removal) we remove from our keys before we send anything else, so nothing we send
   * afterwards is open to it. Several members may do this for the same removal; each costs one
   * key payload.
   */
  private async reconcile (changes: RoomChanges): Promise<void> {
    if (this.keys.status !== 'member') return
    const listed = new Set(this.state().members.map(m => hex(m.identity)))
    if (!listed.has(this.me)) return
    for (const member of this.keys.members) {
      if (member !== this.me && !listed.has(member)) changes.ops.push(await this.keyOp(await removeMember(this.init.crypto, this.keys, member, this.directory)))
    }
  }

  private async processKey (op: GroupOp, changes: RoomChanges): Promise<void> {
    try {
      const r = await processKeyPayload(this.init.crypto, this.keys, hex(op.author), (op.body as { payload: Uint8Array }).payload, this.directory)
      this.keys = r.state
      if (r.response != null) changes.ops.push(await this.keyOp({ state: this.keys, payload: r.response, epochs: [] }))
    } catch (err: any) {
      this.keyFailures.set(op.id, err)
      changes.refused.push({ id: op.id, error: err })
    }
  }

  private async takeMessage (bytes: Uint8Array, changes: RoomChanges, retry: boolean): Promise<void> {
    let m: SignedMessage
    try {
      m = await verifyMessage(bytes, this.init.crypto)
    } catch (err: any) {
      changes.refused.push({ id: 'message', error: err })
      return
    }
    if (this.seen.has(m.id)) return
    await this.openMessage(m, changes, retry)
  }

  /** Open a message, hold it until the ops it needs arrive, or refuse it for good. */
  private async openMessage (m: SignedMessage, changes: RoomChanges, retry: boolean): Promise<void> {
    const refuse = (error: Error): void => {
      this.seen.add(m.id)
      changes.refused.push({ id: m.id, error })
    }
    if (toHex(m.group) !== toHex(this.group)) return refuse(new InvalidTargetError('the message is for another room'))
    if (m.expiresAt !== 0 && m.expiresAt <= this.now()) return refuse(new ExpiredGroupMessageError('the message has expired'))
    const sender = hex(m.sender)
    if (sender === this.me) return
    if (this.role(sender) == null) {
      // remove wins for messages too: once we applied a removal, its member's messages are refused
      if (this.removedHere(sender)) return refuse(new RemovedMemberError('the sender is not a member any more'))
      return this.holdMessage(m, retry)
    }
    try {
      const r = await decryptFromMember(this.init.crypto, this.keys, sender, { epochRef: m.epoch, n: m.n, ciphertext: m.ciphertext }, associated(m.sender, m))
      this.keys = r.state
      this.seen.add(m.id)
      changes.messages.push({ id: m.id, sender: m.sender, plaintext: r.plaintext, sentAt: m.sentAt, expiresAt: m.expiresAt })
      this.keep(m)
    } catch (err: any) {
      if (err instanceof UnknownEpochError || this.keys.status === 'pending') return this.holdMessage(m, retry)
      refuse(err)
    }
  }

  private removedHere (who: string): boolean {
    return this.log.ops().some(op => ((op.body.kind === 'remove' && hex(op.body.member) === who) || (op.body.kind === 'leave' && hex(op.author) === who)) && this.log.verdict(op.id) === 'valid')
  }

  private holdMessage (m: SignedMessage, retry: boolean): void {
    if (!retry) return
    if (this.heldMessages.some(h => h.id === m.id)) return
    this.heldMessages.push(m)
    if (this.heldMessages.length > MAX_HELD_MESSAGES) this.heldMessages.shift()
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
      kept: [...this.kept.values()].map(m => m.bytes)
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
    return room
  }

  private keep (m: SignedMessage): void {
    this.kept.set(m.id, m)
    for (const [id, k] of this.kept) if (this.kept.size > MAX_KEPT_MESSAGES || (k.expiresAt !== 0 && k.expiresAt <= this.now())) this.kept.delete(id)
  }

  /** Messages waiting for ops (for a summary, or to drop at expiry). */
  get held (): number {
    return this.heldMessages.length
  }
}
