/**
 * Where the membership log and the key agreement meet (room.ts): which key ops a member may
 * process, judged on the op's own causal past only so that every member makes the same choice.
 */
import { toHex } from '../util/bytes.js'
import { decodeKeyPayload } from './dcgka.js'
import { InvalidKeyOperationError } from './key-errors.js'
import { headerBytes } from './room-message.js'
import type { MembershipLog } from './membership.js'
import type { GroupOp } from './ops.js'
import type { Generations } from './generations.js'
import type { Standing } from './dcgka.js'

const payloadOf = (op: GroupOp): Uint8Array => (op.body as { payload: Uint8Array }).payload

/**
 * Why a key op must not be processed, or undefined if it may: its author must have been a member
 * in its causal past (rule 1); a key create must directly follow the room's Create by the same
 * author; a key add needs an admin author and the Add before it, or, for a device of the author's
 * own, the AddDevice before it; a key remove needs the member or device to be out in the op's past
 * (any member may shut a non-member out of its own keys, nothing more). Members and their devices
 * are named by their key ids as the op sees them (generations.ts).
 */
export function keyOpProblem (log: MembershipLog, op: GroupOp, gens: Generations): Error | undefined {
  const base = log.authorized(op.id)
  if (base !== 'valid') return base
  let control
  try {
    control = decodeKeyPayload(payloadOf(op)).control
  } catch (err: any) {
    return err
  }
  const members = log.stateAt(op.id).members
  const saw = gens.listedIdsAt(op.id)
  const author = toHex(op.author)
  const admin = members.some(m => toHex(m.identity) === author && m.role === 'admin')
  const ownDevice = (id: string): boolean => gens.identityOf(id) === author && gens.deviceOf(id) != null
  switch (control.kind) {
    case 'create':
      return op.seq === 2 && op.parents.length === 1 && op.parents[0] === log.root ? undefined : new InvalidKeyOperationError('a key create must follow the room\'s Create')
    case 'add':
      return (admin || ownDevice(control.subject as string)) && saw.has(control.subject as string) ? undefined : new InvalidKeyOperationError('a key add needs an admin and the Add before it, or the author\'s AddDevice')
    case 'remove':
      return !saw.has(control.subject as string) ? undefined : new InvalidKeyOperationError('a key remove needs the removal before it')
    default:
      return undefined
  }
}

/** Whether a key op is the one that brings `me` into the keys: the create naming us, or our add. */
export function bringsUsIn (op: GroupOp, me: string): boolean {
  const c = decodeKeyPayload(payloadOf(op)).control
  return (c.kind === 'add' && c.subject === me) || (c.kind === 'create' && c.recipients.includes(me))
}

/**
 * Others' processable key ops in the log that `op` does not follow: what a member added again
 * takes in after its welcome. `me` is the key id of the generation `op` brings in; the key ops
 * our own earlier generations wrote are others' to it (their adds list members its welcome
 * does not know of).
 */
export function concurrentKeyOps (log: MembershipLog, op: GroupOp, me: string, gens: Generations): string[] {
  return log.ops().filter(o => o.body.kind === 'key' && o.id !== op.id && gens.keyIdOf(o) !== me && !log.isBefore(o.id, op.id) && keyOpProblem(log, o, gens) == null).map(o => o.id)
}

/** Whether a valid removal or leave of `who` is in the log (remove wins for messages too). */
export function removedIn (log: MembershipLog, who: string): boolean {
  return removalsOf(log, who).length > 0
}

/** The valid ops that took `who` (identity hex) out: removals of it, and its own leaves. */
export function removalsOf (log: MembershipLog, who: string): GroupOp[] {
  return log.ops().filter(op => ((op.body.kind === 'remove' && toHex(op.body.member) === who) || (op.body.kind === 'leave' && toHex(op.author) === who)) && log.verdict(op.id) === 'valid')
}

/**
 * The valid ops that ended key id `id`: a removal or leave of its generation, and for a device
 * the RemoveDevice of it in that generation (for a generation's id, of the base device).
 */
export function endingsOf (log: MembershipLog, gens: Generations, id: string): GroupOp[] {
  const owner = gens.ownerOf(id)
  if (owner == null) return []
  const who = owner.identity
  const inGeneration = (op: GroupOp): boolean => gens.generationOf(gens.idAt(who, op.id)) === owner.n
  const removals = removalsOf(log, who).filter(inGeneration)
  const taken = log.ops().filter(op => op.body.kind === 'removeDevice' && toHex(op.author) === who && log.verdict(op.id) === 'valid' && inGeneration(op) &&
    toHex(op.body.peer) === (owner.device ?? log.devicesOf(who, op.id)?.base))
  return [...removals, ...taken]
}

/**
 * What the log says of key id `id` (dcgka.ts Standing) for a key remove that names it: 'listed'
 * when the log lists its person or device under that id (a remove written without the concurrent
 * add that lists it), 'ended' when a valid removal or leave of that generation, or RemoveDevice of
 * that device, is in the log (no add can list it again: a later add starts a new generation, and a
 * device taken out never comes back), 'open' otherwise (only voided adds brought it in).
 */
export function standingOf (log: MembershipLog, gens: Generations, id: string): Standing {
  if (gens.identityOf(id) == null) return 'ended'
  if (gens.listedIdsAt().has(id)) return 'listed'
  return endingsOf(log, gens, id).length > 0 ? 'ended' : 'open'
}

/** The associated data a room adds to the message ratchet's own (group, sender, epoch, n): the times. */
export function associated (sender: Uint8Array, h: { group: Uint8Array, sentAt: number, expiresAt: number }): Uint8Array {
  return headerBytes({ group: h.group, sender, device: new Uint8Array(0), certificate: new Uint8Array(0), epoch: 0, n: 0, sentAt: h.sentAt, expiresAt: h.expiresAt, generation: 0, deviceKey: false })
}
