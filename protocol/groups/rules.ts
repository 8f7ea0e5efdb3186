/**
 * The merge rule of the membership log (docs/groups.md "The merge rule"), as pure functions over
 * ops whose causal order is given: `rosterOf` computes the state of a down-closed set of ops from
 * scratch, `applyOp` extends a state by an op that follows every op in it, and `judge` decides an
 * op against the state of its causal past. membership.ts holds the DAG and memoizes.
 *
 * ## The merge rule
 *
 * Every verdict is a function of the op and the ops in its causal past, so every member holding
 * the same ops reaches the same verdicts and the same state.
 *
 * 1. **Authority at the time of writing.** An op is valid only if its author is a member in the
 *    state of the op's causal past. `Add`, `Remove`, `Promote`, `Demote`, `Rename` and `SetTimer`
 *    also need the author to be an admin there. `Create` is the single root (the log refuses a
 *    second one); its author is the first admin, its initial members are members. An op whose
 *    target is not in the state it needs is invalid too: adding a member, removing a non-member,
 *    promoting an admin or a non-member, demoting a non-admin.
 * 2. **Remove wins.** An op by X is void if a valid `Remove(X)` or a `Leave` by X is concurrent with
 *    it (neither is in the other's causal past). `Remove` and `Leave` themselves are judged by rule
 *    1 only, so when two admins remove each other concurrently, both are removed.
 * 3. **Membership** of a down-closed set of ops: X is a member if some `Create`/`Add` of X that is
 *    valid and not void has every valid `Remove(X)`/`Leave` by X in its causal past. An add
 *    concurrent with a removal therefore loses; a re-add after seeing the removal works. X is an
 *    admin if X is a member and some grant of admin (the `Create` X wrote, a `Promote(X)`) that is
 *    valid and not void has every valid `Remove(X)`, `Leave` by X and `Demote(X)` in its causal
 *    past: removal and demotion win over a concurrent promotion, and a re-added member is no admin.
 * 4. **Name and timer** are those of the last valid, not void `Create`/`Rename` (`Create`/`SetTimer`)
 *    in the deterministic topological order: by depth (the longest parent path from the root),
 *    then by op id (hex, ascending). A causally later op is always deeper, so it always wins;
 *    of concurrent ones the deeper wins, and of equally deep ones the greater id.
 * 5. **Size.** An `Add` is invalid if the state of its causal past holds MAX_MEMBERS members.
 *    Adds concurrent with each other can take a merged group past MAX_MEMBERS (by at most one
 *    per concurrent adder); every further add is refused until it is below again.
 * 6. **Removed members.** An op by X causally after a valid removal of X (and no re-add) is invalid
 *    by rule 1.
 * 7. **Devices.** A member takes part from its devices in the room: its generation's *base* (the
 *    device whose card the Create or Add carried; every device counts as it until it is recorded,
 *    by its first `AddDevice`) and the devices its own `AddDevice` ops named. `AddDevice` needs no
 *    admin, only a device of the member in the room: the op carries the new device's certificate
 *    under the author's identity, so a member brings in its own devices and nobody else's. An op
 *    from a device that is not in the room, or that a `RemoveDevice` took out, is invalid; a
 *    `RemoveDevice` concurrent with an op by that device voids it (rule 2, per device), is itself
 *    judged by authority only, and its device never comes back. A member has at most
 *    MAX_MEMBER_DEVICES devices and keeps at least one; a room at most MAX_ROOM_KEYS devices in
 *    all. `Remove` and `Leave` take out every device of the member; a re-add starts with a base alone.
 */
import { toHex } from '../util/bytes.js'
import { GroupFullError, InvalidTargetError, NotADeviceError, NotAdminError, NotMemberError, RemovedDeviceError, RemovedMemberError } from './errors.js'
import { MAX_MEMBER_DEVICES, MAX_MEMBERS, MAX_ROOM_KEYS } from './ops.js'
import type { GroupError } from './errors.js'
import type { OpBody } from './ops.js'

/** A member's role. */
export type Role = 'admin' | 'member'

/** 'valid', or why an op has no effect. */
export type Verdict = 'valid' | GroupError

/** What the rule needs of an op. */
export interface RuleOp {
  id: string
  /** hex identity key of the author */
  author: string
  /** hex peer id of the author's device */
  device: string
  /** longest path from the root (root = 0): a causally later op is always deeper */
  depth: number
  body: OpBody
  /** hex identity key the op removes, adds, promotes or demotes; the author for a leave; the hex peer id for a device op */
  target?: string
}

/**
 * A member's devices in a room (rule 7). A generation starts with its *base*: the device whose card
 * the Create or Add carried, recorded when it first adds a sibling (until then every device of the
 * member counts as it, which is every log written before devices existed).
 */
export interface MemberDevices {
  /** the base device, hex peer id, once recorded */
  base?: string
  /** the base device was taken out (RemoveDevice) */
  baseGone: boolean
  /** devices brought in by AddDevice and not taken out, hex peer ids */
  named: ReadonlySet<string>
}

/** The state of a down-closed set of ops. */
export interface Roster {
  /** hex identity key → role */
  members: Map<string, Role>
  /** hex identity keys with a valid removal or leave in the set: why a non-member's op fails */
  removed: Set<string>
  name: string
  timer: number
  /** the ops that set name and timer, for choosing among concurrent ones */
  nameOp?: RuleOp
  timerOp?: RuleOp
  /** each member's devices, by hex identity */
  devices: Map<string, MemberDevices>
  /** `${identity}/${peer}` of every device ever taken out: it never comes back (like a revocation) */
  gone: ReadonlySet<string>
}

/** `a` is before `b` in causal order (strictly). */
export type Before = (a: RuleOp, b: RuleOp) => boolean

const ADMIN_KINDS = new Set<OpBody['kind']>(['add', 'remove', 'promote', 'demote', 'rename', 'setTimer'])
const FIRST_DEVICES: MemberDevices = { baseGone: false, named: new Set() }

/** What an op names, hex: the member it adds, removes, promotes or demotes (the author for a leave), or the device. */
export function targetOf (author: string, body: OpBody): string | undefined {
  if (body.kind === 'leave') return author
  if ('member' in body) return toHex(body.member)
  if ('peer' in body) return toHex(body.peer)
  return undefined
}

/** Remove and Leave: judged by authority alone (rule 1), never voided by rule 2. */
export function isRemoval (op: RuleOp): boolean {
  return op.body.kind === 'remove' || op.body.kind === 'leave'
}

/** Whether rule 2 leaves the op alone: removals of members and of devices are judged by authority only. */
export function isUnvoidable (op: RuleOp): boolean {
  return isRemoval(op) || op.body.kind === 'removeDevice'
}

/** Whether `device` (hex peer id) is one of `member`'s devices in the room (rule 7). */
export function isParticipant (roster: Roster, member: string, device: string): boolean {
  const d = roster.devices.get(member)
  if (d == null || roster.gone.has(`${member}/${device}`)) return false
  return d.named.has(device) || (!d.baseGone && (d.base == null || d.base === device))
}

/** How many devices a member has in the room: what counts against MAX_MEMBER_DEVICES. */
function deviceCount (d: MemberDevices): number {
  return d.named.size + (d.baseGone ? 0 : 1)
}

/** How many key ids the room holds, one per member device: what counts against MAX_ROOM_KEYS. */
export function keyCount (roster: Roster): number {
  let n = 0
  for (const d of roster.devices.values()) n += deviceCount(d)
  return n
}

/** Name and timer go to the last op in the topological order: deeper, then greater id. */
function later (a: RuleOp, b: RuleOp | undefined): boolean {
  return b == null || a.depth > b.depth || (a.depth === b.depth && a.id > b.id)
}

/** The empty state: what a root is judged against. */
export function emptyRoster (): Roster {
  return { members: new Map(), removed: new Set(), name: '', timer: 0, devices: new Map(), gone: new Set() }
}

/**
 * Extend `roster` (the state of a down-closed set P) by a valid op that is causally after every op
 * in P. Nothing in P is concurrent with it, so it voids nothing (rule 2) and its effect is
 * immediate: the incremental form of rosterOf.
 */
export function applyOp (roster: Roster, op: RuleOp): Roster {
  const next: Roster = { ...roster, members: new Map(roster.members), removed: roster.removed, devices: new Map(roster.devices) }
  const body = op.body
  const target = op.target as string
  switch (body.kind) {
    case 'create':
      next.members.set(op.author, 'admin')
      next.devices.set(op.author, FIRST_DEVICES)
      for (const m of body.members) {
        next.members.set(toHex(m), 'member')
        next.devices.set(toHex(m), FIRST_DEVICES)
      }
      return { ...next, name: body.name, nameOp: op, timer: body.expiresMs, timerOp: op }
    case 'add':
      next.members.set(target, 'member')
      next.devices.set(target, FIRST_DEVICES)
      return next
    case 'addDevice': {
      const d = roster.devices.get(op.author) ?? FIRST_DEVICES
      next.devices.set(op.author, { base: d.base ?? op.device, baseGone: d.baseGone, named: new Set(d.named).add(target) })
      return next
    }
    case 'removeDevice': {
      const d = roster.devices.get(op.author) ?? FIRST_DEVICES
      const named = new Set(d.named)
      named.delete(target)
      // the base may be named too (two devices that each added the other at once): taking it out
      // takes out the base as well, as rosterOf has it
      const baseGone = d.baseGone || d.base === target
      next.devices.set(op.author, { ...d, baseGone, named })
      return { ...next, gone: new Set(roster.gone).add(`${op.author}/${target}`) }
    }
    case 'promote': next.members.set(op.target as string, 'admin'); return next
    case 'demote': next.members.set(op.target as string, 'member'); return next
    case 'rename': return { ...next, name: body.name, nameOp: op }
    case 'setTimer': return { ...next, timer: body.expiresMs, timerOp: op }
    case 'remove':
    case 'leave':
      next.members.delete(target)
      next.devices.delete(target)
      next.removed = new Set(roster.removed).add(target)
      return next
    default: return roster
  }
}

function push<T> (map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key)
  if (list == null) map.set(key, [value])
  else list.push(value)
}

/**
 * The state of a down-closed set of ops from scratch (rules 2 and 3).
 *
 * @param valid - the ops of the set whose verdict against their own causal past is 'valid'
 * @param before - the causal order
 */
export function rosterOf (valid: RuleOp[], before: Before): Roster {
  const removals = new Map<string, RuleOp[]>()
  const deviceRemovals = new Map<string, RuleOp[]>()
  for (const op of valid) if (isRemoval(op)) push(removals, op.target as string, op)
  for (const op of valid) if (op.body.kind === 'removeDevice') push(deviceRemovals, `${op.author}/${op.target as string}`, op)
  const concurrent = (a: RuleOp, b: RuleOp): boolean => !before(a, b) && !before(b, a)
  const voided = (op: RuleOp): boolean => !isUnvoidable(op) &&
    ((removals.get(op.author)?.some(r => concurrent(r, op)) ?? false) || (deviceRemovals.get(`${op.author}/${op.device}`)?.some(r => concurrent(r, op)) ?? false))

  const grants = new Map<string, RuleOp[]>()
  const adminGrants = new Map<string, RuleOp[]>()
  const demotes = new Map<string, RuleOp[]>()
  const roster = emptyRoster()
  for (const op of valid) {
    if (isRemoval(op) || voided(op)) continue
    const body = op.body
    if (body.kind === 'create') {
      push(grants, op.author, op)
      push(adminGrants, op.author, op)
      for (const m of body.members) push(grants, toHex(m), op)
    }
    if (body.kind === 'add') push(grants, op.target as string, op)
    if (body.kind === 'promote') push(adminGrants, op.target as string, op)
    if (body.kind === 'demote') push(demotes, op.target as string, op)
    if ((body.kind === 'create' || body.kind === 'rename') && later(op, roster.nameOp)) {
      roster.name = body.name
      roster.nameOp = op
    }
    if ((body.kind === 'create' || body.kind === 'setTimer') && later(op, roster.timerOp)) {
      roster.timer = body.expiresMs
      roster.timerOp = op
    }
  }
  // a grant holds when every revocation of its target is causally before it
  const holds = (grant: RuleOp, revocations: RuleOp[]): boolean => revocations.every(r => before(r, grant))
  const gone = new Set(deviceRemovals.keys())
  for (const [member, list] of grants) {
    const removed = removals.get(member) ?? []
    const current = list.filter(g => holds(g, removed))
    if (current.length === 0) continue
    const revoked = [...removed, ...(demotes.get(member) ?? [])]
    roster.members.set(member, (adminGrants.get(member) ?? []).some(g => holds(g, revoked)) ? 'admin' : 'member')
    roster.devices.set(member, devicesOf(member, current, valid.filter(op => !voided(op)), gone, before))
  }
  for (const member of removals.keys()) roster.removed.add(member)
  roster.gone = gone
  return roster
}

/**
 * A member's devices in the generation its holding grants started (rule 7): the devices its own
 * AddDevice ops after a grant brought in, less every device ever taken out; the base is the
 * writer of the first of those ops not written by a device named before it.
 */
function devicesOf (member: string, grants: RuleOp[], ops: RuleOp[], gone: ReadonlySet<string>, before: Before): MemberDevices {
  const after = (op: RuleOp): boolean => op.author === member && grants.some(g => before(g, op))
  const joins = ops.filter(op => op.body.kind === 'addDevice' && after(op))
  if (joins.length === 0) return FIRST_DEVICES
  const first = joins
    .filter(op => !joins.some(j => j.target === op.device && before(j, op)))
    .sort((a, b) => a.depth - b.depth || (a.id < b.id ? -1 : 1))[0]
  const base = first.device
  const named = new Set(joins.map(op => op.target as string).filter(d => !gone.has(`${member}/${d}`)))
  const baseGone = ops.some(op => op.body.kind === 'removeDevice' && op.target === base && after(op))
  return { base, baseGone, named }
}

/** Rule 7 for an AddDevice by a participant device: a new device, within both caps. */
function judgeDeviceJoin (op: RuleOp, past: Roster): Verdict {
  const d = past.devices.get(op.author) ?? FIRST_DEVICES
  const device = op.target as string
  if (d.named.has(device) || d.base === device) return new InvalidTargetError('the device is in the room already')
  if (past.gone.has(`${op.author}/${device}`)) return new RemovedDeviceError('the device was taken out of the room: it does not come back')
  if (deviceCount(d) >= MAX_MEMBER_DEVICES) return new GroupFullError(`a member has at most ${MAX_MEMBER_DEVICES} devices in a room`)
  if (keyCount(past) >= MAX_ROOM_KEYS) return new GroupFullError(`a group holds at most ${MAX_ROOM_KEYS} member devices`)
  return 'valid'
}

/**
 * Judge an op against the state of its own causal past (rules 1, 4, 5 and 7). A root is judged by
 * the log (it is the only create it accepts) and is valid here.
 */
export function judge (op: RuleOp, past: Roster): Verdict {
  const body = op.body
  if (body.kind === 'create') return 'valid'
  const role = past.members.get(op.author)
  if (role == null) {
    return past.removed.has(op.author)
      ? new RemovedMemberError('the author was removed or left before this op')
      : new NotMemberError('the author is not a member before this op')
  }
  if (past.gone.has(`${op.author}/${op.device}`)) return new RemovedDeviceError('the device was taken out of the room before this op')
  if (!isParticipant(past, op.author, op.device)) return new NotADeviceError('the device is not one of the member\'s devices in the room before this op')
  if (ADMIN_KINDS.has(body.kind) && role !== 'admin') return new NotAdminError(`${body.kind} needs an admin`)
  const target = op.target == null ? undefined : past.members.get(op.target)
  switch (body.kind) {
    case 'add':
      if (target != null) return new InvalidTargetError('the member to add is a member already')
      if (past.members.size >= MAX_MEMBERS) return new GroupFullError(`a group holds at most ${MAX_MEMBERS} members`)
      if (keyCount(past) >= MAX_ROOM_KEYS) return new GroupFullError(`a group holds at most ${MAX_ROOM_KEYS} member devices`)
      return 'valid'
    case 'addDevice': return judgeDeviceJoin(op, past)
    case 'removeDevice': {
      const d = past.devices.get(op.author) ?? FIRST_DEVICES
      const device = op.target as string
      if (!d.named.has(device) && !(d.base === device && !d.baseGone)) return new InvalidTargetError('the device to take out is not one of the member\'s devices in the room')
      if (deviceCount(d) <= 1) return new InvalidTargetError('a member keeps one device in the room: leave instead')
      return 'valid'
    }
    case 'remove': return target == null ? new InvalidTargetError('the member to remove is not a member') : 'valid'
    case 'promote': return target !== 'member' ? new InvalidTargetError('only a member who is not an admin can be promoted') : 'valid'
    case 'demote': return target !== 'admin' ? new InvalidTargetError('only an admin can be demoted') : 'valid'
    default: return 'valid'
  }
}
