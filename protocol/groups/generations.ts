/**
 * A member's id in a room's keys (room.ts). The same person can be removed and added again, and
 * what its earlier membership sent may still be on its way when the new one starts; the keys must
 * not mistake one for the other, or the members' views of that person's chain part ways. So each
 * membership is a generation with a key id of its own: generation 0 is the person's identity key
 * (hex), generation n > 0 is SHA-256("ferry/group/generation/v1" ‖ identity ‖ n as 4 bytes).
 *
 * The create's members are generation 0, and so is a person's first add. Every later add of the
 * same person starts the generation one above the highest in the add's causal past; concurrent
 * adds start the same one. Only adds valid in their own past count (MembershipLog.authorized), so
 * no member can move someone to a generation nobody holds. A person's generation as an op sees it
 * is the highest in the op's causal past, the op included: every member computes the same from the
 * op alone, whatever else it holds.
 *
 * A member's devices (rule 7 of the merge rule) are each a participant of the keys. The device
 * whose card started a generation (its base) keeps the generation's id; a device the member's
 * AddDevice named gets an id of its own, SHA-256("ferry/group/device/v1" ‖ identity ‖ n as 4 bytes
 * ‖ peer id bytes), so a device named again in a later generation is a new participant too.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { fromHex, toHex } from '../util/bytes.js'
import type { MembershipLog } from './membership.js'
import type { GroupOp } from './ops.js'

const CONTEXT = fromString('ferry/group/generation/v1')
const DEVICE_CONTEXT = fromString('ferry/group/device/v1')

/** Who a key id stands for: a member's generation, and the device when it is a named one. */
export interface KeyOwner {
  identity: string
  n: number
  /** hex peer id of a named device; absent for the generation's base */
  device?: string
  /** a named device's card (its X25519 identity DH key), from its AddDevice */
  card?: Uint8Array
}

/** The key id of `identity`'s generation `n`. */
export function generationId (identity: string, n: number): string {
  if (n === 0) return identity
  const count = new Uint8Array(4)
  new DataView(count.buffer).setUint32(0, n)
  return toHex(sha256(concat([CONTEXT, fromHex(identity), count])))
}

/** The key id of `identity`'s named device `peer` (hex) in generation `n`. */
export function deviceKeyId (identity: string, n: number, peer: string): string {
  const count = new Uint8Array(4)
  new DataView(count.buffer).setUint32(0, n)
  return toHex(sha256(concat([DEVICE_CONTEXT, fromHex(identity), count, fromHex(peer)])))
}

export class Generations {
  private readonly log: () => MembershipLog
  /** the generation each counted add starts, by op id */
  private readonly starts = new Map<string, number>()
  /** key id → identity and generation (and device), for every id computed so far */
  private readonly owners = new Map<string, KeyOwner>()
  /** how many ops the device ids were last walked over */
  private walked = -1
  private creatorSet: Set<string> | undefined

  constructor (log: () => MembershipLog) {
    this.log = log
  }

  /**
   * `identity`'s key id as op `at` sees it (its causal past and itself); without `at`, as every
   * op held sees it.
   */
  idAt (identity: string, at?: string): string {
    return this.id(identity, Math.max(0, this.highest(identity, at, true)))
  }

  /** Every key id `identity` has had in the ops held, newest first. */
  idsOf (identity: string): string[] {
    const ids: string[] = []
    for (let n = Math.max(0, this.highest(identity, undefined, true)); n >= 0; n--) ids.push(this.id(identity, n))
    return ids
  }

  /**
   * The key id of `identity`'s device `peer` (hex) as op `at` sees it, or as every op held does:
   * its own id when the member's AddDevice named it, else the generation's (the base's).
   */
  keyIdAt (identity: string, peer: string, at?: string): string {
    const n = Math.max(0, this.highest(identity, at, true))
    if (this.log().devicesOf(identity, at)?.named.has(peer) !== true) return this.id(identity, n)
    return this.deviceId(identity, n, peer)
  }

  /** The key id of the device that wrote `op`, as the op sees it. */
  keyIdOf (op: GroupOp): string {
    return this.keyIdAt(toHex(op.author), toHex(op.device), op.id)
  }

  /** Every key id the room lists, as op `at` sees it or as every op held does: each member's devices. */
  listedIdsAt (at?: string): Set<string> {
    const log = this.log()
    const ids = new Set<string>()
    const members = at == null ? log.state().members : log.stateAt(at).members
    for (const m of members) {
      const who = toHex(m.identity)
      const n = Math.max(0, this.highest(who, at, true))
      const devices = log.devicesOf(who, at)
      if (devices?.baseGone !== true) ids.add(this.id(who, n))
      for (const peer of devices?.named ?? []) ids.add(this.deviceId(who, n, peer))
    }
    return ids
  }

  /** The identity behind a key id, or undefined when no op held names it. */
  identityOf (keyId: string): string | undefined {
    return this.owner(keyId)?.identity
  }

  /** The named device (hex peer id) behind a key id; undefined for a generation's base or an unknown id. */
  deviceOf (keyId: string): string | undefined {
    return this.owner(keyId)?.device
  }

  /** Who a key id stands for, or undefined when no op held names it. */
  ownerOf (keyId: string): KeyOwner | undefined {
    return this.owner(keyId)
  }

  /** The generation a key id stands for (0 for an identity key), or undefined when no op held names it. */
  generationOf (keyId: string): number | undefined {
    return this.owner(keyId)?.n
  }

  private owner (keyId: string): KeyOwner | undefined {
    const known = this.owners.get(keyId)
    if (known == null || (known.device != null && known.card == null)) {
      for (const identity of this.people()) this.idsOf(identity)
      this.walkDevices()
    }
    return this.owners.get(keyId)
  }

  /** Record the id and card of every device an AddDevice valid in its own past named. */
  private walkDevices (): void {
    const log = this.log()
    const ops = log.ops()
    if (ops.length === this.walked) return
    this.walked = ops.length
    for (const op of ops) {
      if (op.body.kind !== 'addDevice' || log.authorized(op.id) !== 'valid') continue
      const identity = toHex(op.author)
      const id = this.deviceId(identity, Math.max(0, this.highest(identity, op.id, true)), toHex(op.body.peer))
      const owner = this.owners.get(id) as KeyOwner
      owner.card ??= op.body.card.dh
    }
  }

  private deviceId (identity: string, n: number, peer: string): string {
    const id = deviceKeyId(identity, n, peer)
    if (!this.owners.has(id)) this.owners.set(id, { identity, n, device: peer })
    return id
  }

  private id (identity: string, n: number): string {
    const id = generationId(identity, n)
    this.owners.set(id, { identity, n })
    return id
  }

  /** Everyone the log names as a member: the create's and every add's. */
  private people (): string[] {
    const added = this.log().ops().flatMap(op => op.body.kind === 'add' ? [toHex(op.body.member)] : [])
    return [...new Set([...this.creators(), ...added])]
  }

  private creators (): Set<string> {
    if (this.creatorSet == null) {
      const root = this.log().get(this.log().root) as GroupOp
      this.creatorSet = new Set(root.body.kind === 'create' ? [toHex(root.author), ...root.body.members.map(toHex)] : [])
    }
    return this.creatorSet
  }

  /** The highest generation of `identity` in the past of `at` (and `at` itself when inclusive); -1 when none. */
  private highest (identity: string, at: string | undefined, inclusive: boolean): number {
    const log = this.log()
    let n = this.creators().has(identity) ? 0 : -1
    for (const add of log.validAddsOf(identity)) {
      if (at != null && !(log.isBefore(add.id, at) || (inclusive && add.id === at))) continue
      n = Math.max(n, this.start(add, identity))
    }
    return n
  }

  private start (add: GroupOp, identity: string): number {
    let n = this.starts.get(add.id)
    if (n == null) {
      n = this.highest(identity, add.id, false) + 1
      this.starts.set(add.id, n)
    }
    return n
  }
}
