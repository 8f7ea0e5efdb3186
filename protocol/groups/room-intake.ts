/**
 * What a team room takes in (room.ts builds on it): ops in causal order with their key payloads,
 * the keys kept in step with the log, and messages opened, held or refused. Pure, like Room.
 *
 * How the layers meet. A membership change is two ops by the same author: the change itself, then
 * a `Key` op whose payload is the DCGKA control message (create, add, remove); updates, acks and
 * add-acks are `Key` ops alone. A key payload is processed when its op enters the log, so in
 * causal order; only if its author was a member in the op's own causal past (rule 1 of the merge
 * rule, so every member makes the same choice), and a create, add or remove only if it agrees with
 * the membership that op saw. A removed member's concurrent key ops still count: once a member's
 * chain has taken in a secret the removed member lacks, nothing it adds later gives it back.
 * The keys name a person by its generation's id (generations.ts), so one removed and added again
 * is a new member to them, and what its old membership still sends is taken as the old one's.
 * Each device of a member that its AddDevice named is a participant of the keys under an id of its
 * own; its siblings process its key ops as anyone's, and its messages open as ours, from elsewhere.
 */
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { equalBytes, toHex as hex } from '../util/bytes.js'
import { signOp, verifyOp } from './ops.js'
import { InvalidTargetError, NotMemberError, RemovedDeviceError, RemovedMemberError } from './errors.js'
import { decryptFromMember, initGroupKeys, processKeyPayload, removeMember } from './dcgka.js'
import { UnknownEpochError } from './key-errors.js'
import { ExpiredGroupMessageError, MAX_HELD_MESSAGES, MAX_HELD_OPS, MAX_KEPT_MESSAGES, verifyMessage } from './room-message.js'
import { associated, bringsUsIn, concurrentKeyOps, endingsOf, keyOpProblem, removedIn, standingOf } from './room-keys.js'
import { logDirectory, memberCard } from './cards.js'
import { Generations, deviceKeyId, generationId } from './generations.js'
import type { MembershipLog, GroupState } from './membership.js'
import type { GroupOp, OpBody } from './ops.js'
import type { GroupKeyState, KeyDirectory, KeyOperationResult, Standing } from './dcgka.js'
import type { RoomChanges, RoomInit, SignedMessage } from './room-message.js'

export abstract class RoomIntake {
  readonly group: Uint8Array
  protected keys: GroupKeyState
  protected readonly heldOps = new Map<string, GroupOp>()
  protected heldMessages: SignedMessage[] = []
  /** key ops that arrived while we were not in the group yet (we process those after our welcome) */
  protected early: string[] = []
  /** key answers waiting for the log to list us (sendUnsent) */
  protected unsent: Uint8Array[] = []
  protected readonly seen = new Set<string>()
  /** messages we sent or opened, by id, until they expire: what we ferry to members who lack them */
  readonly kept = new Map<string, SignedMessage>()
  /** the first failure of each key op we could not process (kept for `ferry group info`) */
  readonly keyFailures = new Map<string, Error>()

  protected constructor (protected readonly init: RoomInit, readonly log: MembershipLog) {
    this.group = log.group
    this.keys = initGroupKeys({ groupId: hex(log.group), me: this.me, initialPrivateKey: init.initialPrivateKey })
  }

  /** the key id of each member generation (what the keys call each person) */
  readonly gens = new Generations(() => this.log)
  /** Each member's two-party key, from the cards in the log. */
  protected readonly directory: KeyDirectory = logDirectory(() => this.log, id => this.gens.ownerOf(id))

  protected get me (): string {
    return hex(this.init.me.identityKey.publicKey.raw)
  }

  protected now (): number {
    return (this.init.now ?? Date.now)()
  }

  /** The membership as every op held determines it. */
  state (): GroupState {
    return this.log.state()
  }

  /** Whether we are in the room's keys: created or welcomed, and neither removed nor paused (dcgka.ts). */
  get keyStatus (): GroupKeyState['status'] {
    return this.keys.status
  }

  protected role (who: string): 'admin' | 'member' | undefined {
    return this.state().members.find(m => hex(m.identity) === who)?.role
  }

  /** our device: its ops form their own chain in the log */
  protected get device (): Uint8Array {
    this.deviceId ??= peerIdFromPrivateKey(this.init.me.deviceKey).toMultihash().bytes
    return this.deviceId
  }

  private deviceId?: Uint8Array

  /** our device's key id as op `at` sees it (or every op held): our own if our AddDevice named us, else the generation's */
  protected ourId (at?: string): string {
    return this.gens.keyIdAt(this.me, hex(this.device), at)
  }

  /** Whether our device is one of our devices in the room (rule 7). */
  get inRoom (): boolean {
    return this.role(this.me) != null && this.log.isParticipant(this.me, hex(this.device))
  }

  /**
   * Whether our device can be the one whose card started our generation: the base recorded as
   * us, or none recorded and the card of the Create or Add is ours. A sibling that another device
   * brought in is not, and never tries to open what was sealed to the base.
   */
  protected baseIsUs (): boolean {
    const base = this.log.devicesOf(this.me)?.base
    if (base != null) return base === hex(this.device)
    const ours = this.init.cards(this.init.me.identityKey.publicKey.raw)?.dh
    const theirs = memberCard(this.log, this.me)
    return ours == null || theirs == null || equalBytes(ours, theirs)
  }

  protected async author (body: OpBody): Promise<GroupOp> {
    const id = this.init.me.identityKey.publicKey.raw
    // judged before it is signed: an op our own log would void is never written
    const verdict = this.log.judgeNext(id, body, this.device)
    if (verdict !== 'valid') throw verdict
    const op = await signOp({ group: this.group, parents: this.log.nextParents(id, this.device), seq: this.log.nextSeq(id, this.device), at: this.now(), body }, this.init.me, this.init.crypto)
    this.log.receive(op)
    this.seen.add(op.id)
    return op
  }

  /** Author a key op, then take its state: a key operation the log refuses changes nothing. */
  protected async keyOp (result: KeyOperationResult): Promise<Uint8Array> {
    // the log has added us again and the welcome has not reached us: our keys are the old generation's
    if (this.ourId() !== result.state.me) throw new NotMemberError('our keys are not ready: the welcome of our new membership has not reached us yet')
    const op = await this.author({ kind: 'key', payload: result.payload })
    this.keys = result.state
    return op.bytes
  }

  /**
   * Take in ops and messages from anyone, in any order, duplicates included. Nothing here throws
   * for bad input: what cannot be used is in `refused`, what must wait is held.
   */
  async receive (ops: Uint8Array[], messages: Uint8Array[] = []): Promise<RoomChanges> {
    const changes: RoomChanges = { ops: [], messages: [], refused: [], missing: [] }
    for (const bytes of ops) await this.takeOp(bytes, changes)
    await this.sendUnsent(changes)
    await this.reconcile(changes)
    for (const bytes of messages) await this.takeMessage(bytes, changes, true)
    const held = this.heldMessages
    this.heldMessages = []
    for (const m of held) if (!this.seen.has(m.id)) await this.openMessage(m, changes, true)
    changes.missing = [...new Set([...this.heldOps.values()].flatMap(op => this.log.missing(op.parents)))].filter(id => !this.heldOps.has(id)).sort()
    return changes
  }

  protected async takeOp (bytes: Uint8Array, changes: RoomChanges): Promise<void> {
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

  protected hold (op: GroupOp): void {
    this.heldOps.set(op.id, op)
    if (this.heldOps.size > MAX_HELD_OPS) this.heldOps.delete(this.heldOps.keys().next().value as string)
  }

  /** An op entered the log: process its key payload, in causal order. */
  protected async applied (op: GroupOp, changes: RoomChanges): Promise<void> {
    if (op.body.kind !== 'key' || (hex(op.author) === this.me && equalBytes(op.device, this.device))) return
    if (!this.rejoin(op) && this.keys.status === 'removed') return
    const problem = keyOpProblem(this.log, op, this.gens)
    if (problem != null) {
      this.keyFailures.set(op.id, problem)
      changes.refused.push({ id: op.id, error: problem })
      return
    }
    if (this.keys.status === 'pending' && (!bringsUsIn(op, this.keys.me) || (this.gens.deviceOf(this.keys.me) == null && !this.baseIsUs()))) {
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
   * Added again after a removal or a leave: when the log lists us and this is the key add of our
   * next generation (generations.ts), the keys start again under that generation's id, whatever
   * the old one's state (its removal may not have reached us), and the key ops concurrent with
   * this add wait for the welcome as a first join's do. The same for a device a sibling brought
   * in: its keys start under its own id at the key add that follows its AddDevice.
   */
  protected rejoin (op: GroupOp): boolean {
    const me = this.ourId(op.id)
    const named = this.gens.deviceOf(me) != null
    // only forward: an older generation's add that reaches us late is processed as anyone's add
    const newer = (this.gens.generationOf(me) ?? 0) > (this.gens.generationOf(this.keys.me) ?? 0) || (named && this.keys.status === 'pending' && me !== this.keys.me)
    if (!newer || !this.inRoom || !bringsUsIn(op, me) || (!named && !this.baseIsUs()) || keyOpProblem(this.log, op, this.gens) != null) return false
    this.keys = initGroupKeys({ groupId: hex(this.group), me, initialPrivateKey: this.init.initialPrivateKey })
    this.early = concurrentKeyOps(this.log, op, me, this.gens)
    this.unsent = [] // an older generation's answers: nobody can take them as the new one's
    return true
  }

  /**
   * Keys follow the log, at once. Whoever the log no longer lists but our keys still hold (a
   * removal whose key op has not reached us yet, a member who left, an add that lost to a
   * concurrent removal) we remove from our keys before we send anything else, so nothing we send
   * afterwards is open to it. Several members may do this for the same removal; each costs one
   * key payload.
   */
  protected async reconcile (changes: RoomChanges): Promise<void> {
    if (this.keys.status !== 'member') return
    const listed = this.gens.listedIdsAt()
    if (!listed.has(this.keys.me)) return
    for (const member of this.keys.members) {
      if (member !== this.keys.me && !listed.has(member)) changes.ops.push(await this.keyOp(await removeMember(this.init.crypto, this.keys, member, this.directory)))
    }
  }

  protected async processKey (op: GroupOp, changes: RoomChanges): Promise<void> {
    try {
      const standing = (id: string): Standing => standingOf(this.log, this.gens, id)
      const r = await processKeyPayload(this.init.crypto, this.keys, this.gens.keyIdOf(op), (op.body as { payload: Uint8Array }).payload, this.directory, standing)
      this.keys = r.state
      if (r.response != null) this.unsent.push(r.response)
      await this.sendUnsent(changes)
    } catch (err: any) {
      this.keyFailures.set(op.id, err)
      changes.refused.push({ id: op.id, error: err })
    }
  }

  /**
   * Answers go out in order, once the log lists us under the generation our keys hold: an add of
   * us that a concurrent removal of its author voids can still welcome us into the keys, and until
   * another add lists us we hold our answers back (none of them can be signed as a member's yet);
   * when that add starts a newer generation, they are dropped at its welcome (rejoin).
   */
  protected async sendUnsent (changes: RoomChanges): Promise<void> {
    if (this.keys.status === 'removed') this.unsent = []
    while (this.unsent.length > 0 && this.inRoom && this.ourId() === this.keys.me) {
      changes.ops.push((await this.author({ kind: 'key', payload: this.unsent[0] })).bytes)
      this.unsent.shift()
    }
  }

  protected async takeMessage (bytes: Uint8Array, changes: RoomChanges, retry: boolean): Promise<void> {
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
  protected async openMessage (m: SignedMessage, changes: RoomChanges, retry: boolean): Promise<void> {
    const refuse = (error: Error): void => {
      this.seen.add(m.id)
      changes.refused.push({ id: m.id, error })
    }
    if (hex(m.group) !== hex(this.group)) return refuse(new InvalidTargetError('the message is for another room'))
    if (m.expiresAt !== 0 && m.expiresAt <= this.now()) return refuse(new ExpiredGroupMessageError('the message has expired'))
    const sender = hex(m.sender)
    const device = hex(m.device)
    if (sender === this.me && device === hex(this.device)) return
    if (this.role(sender) == null) {
      // remove wins for messages too: once we applied a removal, its member's messages are refused
      if (removedIn(this.log, sender)) return refuse(new RemovedMemberError('the sender is not a member any more'))
      return this.holdMessage(m, retry)
    }
    if (this.log.deviceGone(sender, device)) return refuse(new RemovedDeviceError('the sending device was taken out of the room'))
    // the generation (and device) that sealed it, by its own word (its key id is bound in the
    // ratchet's associated data, so a false one opens nothing); one our log has not started yet
    // waits for its add
    const id = m.deviceKey ? deviceKeyId(sender, m.generation, device) : generationId(sender, m.generation)
    if (this.gens.generationOf(id) !== m.generation) return this.holdMessage(m, retry)
    try {
      const r = await decryptFromMember(this.init.crypto, this.keys, id, { epochRef: m.epoch, n: m.n, ciphertext: m.ciphertext }, associated(m.sender, m))
      this.keys = r.state
      this.seen.add(m.id)
      changes.messages.push({ id: m.id, sender: m.sender, device: m.device, plaintext: r.plaintext, sentAt: m.sentAt, expiresAt: m.expiresAt })
      this.keep(m)
    } catch (err: any) {
      // an epoch of a generation that was taken out before we were brought in: it never processed
      // our add (its removal comes first in our add's past), so it never gave us its chain
      if (err instanceof UnknownEpochError && (this.outBeforeUs(id) || this.closedToUs(id, m.device))) return refuse(err)
      if (err instanceof UnknownEpochError || this.keys.status === 'pending') return this.holdMessage(m, retry)
      refuse(err)
    }
  }

  /** Whether key id `id` (a sender's generation or device) was taken out causally before the key op that brought us in. */
  private outBeforeUs (id: string): boolean {
    const ours = this.log.ops().filter(o => o.body.kind === 'key' && bringsUsIn(o, this.keys.me))
    return endingsOf(this.log, this.gens, id).some(r => ours.some(o => this.log.isBefore(r.id, o.id)))
  }

  /**
   * Whether key id `id` is over and can never give us the epoch we lack: it was taken out, and we
   * hold an op its device wrote in a later generation. That device's seq chain puts every op it
   * wrote under `id` before that one, so we hold them all, an add-ack to us included if there was
   * one: an epoch still unknown stays unknown.
   */
  private closedToUs (id: string, device: Uint8Array): boolean {
    if (this.keys.status === 'pending') return false
    const sender = this.gens.identityOf(id) as string
    const n = this.gens.generationOf(id) ?? 0
    if (endingsOf(this.log, this.gens, id).length === 0) return false
    return this.log.ops().some(o => hex(o.author) === sender && equalBytes(o.device, device) && (this.gens.generationOf(this.gens.idAt(sender, o.id)) ?? -1) > n)
  }

  protected holdMessage (m: SignedMessage, retry: boolean): void {
    if (!retry) return
    if (this.heldMessages.some(h => h.id === m.id)) return
    this.heldMessages.push(m)
    if (this.heldMessages.length > MAX_HELD_MESSAGES) this.heldMessages.shift()
  }

  protected keep (m: SignedMessage): void {
    this.kept.set(m.id, m)
    for (const [id, k] of this.kept) if (this.kept.size > MAX_KEPT_MESSAGES || (k.expiresAt !== 0 && k.expiresAt <= this.now())) this.kept.delete(id)
  }

  /** Messages waiting for ops (for a summary, or to drop at expiry). */
  get held (): number {
    return this.heldMessages.length
  }

  /** Ops waiting for their parents. */
  get waiting (): number {
    return this.heldOps.size
  }
}
