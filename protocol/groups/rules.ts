/**
 * The merge rule of the membership log (docs/groups.md "The merge rule"), as pure functions over
 * ops whose causal order is given: `rosterOf` computes the state of a down-closed set of ops from
 * scratch, `applyOp` extends a state by an op that follows every op in it, and `judge` decides an
 * op against the state of its causal past. membership.ts holds the DAG and memoizes; the rule
 * itself is stated at the top of that file.
 */
import { toHex } from '../util/bytes.js'
import { GroupFullError, InvalidTargetError, NotAdminError, NotMemberError, RemovedMemberError } from './errors.js'
import { MAX_MEMBERS } from './ops.js'
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
  /** longest path from the root (root = 0): a causally later op is always deeper */
  depth: number
  body: OpBody
  /** hex identity key the op removes, adds, promotes or demotes; the author for a leave */
  target?: string
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
}

/** `a` is before `b` in causal order (strictly). */
export type Before = (a: RuleOp, b: RuleOp) => boolean

const ADMIN_KINDS = new Set<OpBody['kind']>(['add', 'remove', 'promote', 'demote', 'rename', 'setTimer'])

/** Remove and Leave: judged by authority alone (rule 1), never voided by rule 2. */
export function isRemoval (op: RuleOp): boolean {
  return op.body.kind === 'remove' || op.body.kind === 'leave'
}

/** Name and timer go to the last op in the topological order: deeper, then greater id. */
function later (a: RuleOp, b: RuleOp | undefined): boolean {
  return b == null || a.depth > b.depth || (a.depth === b.depth && a.id > b.id)
}

/** The empty state: what a root is judged against. */
export function emptyRoster (): Roster {
  return { members: new Map(), removed: new Set(), name: '', timer: 0 }
}

/**
 * Extend `roster` (the state of a down-closed set P) by a valid op that is causally after every op
 * in P. Nothing in P is concurrent with it, so it voids nothing (rule 2) and its effect is
 * immediate: the incremental form of rosterOf.
 */
export function applyOp (roster: Roster, op: RuleOp): Roster {
  const next: Roster = { ...roster, members: new Map(roster.members), removed: roster.removed }
  const body = op.body
  switch (body.kind) {
    case 'create':
      next.members.set(op.author, 'admin')
      for (const m of body.members) next.members.set(toHex(m), 'member')
      return { ...next, name: body.name, nameOp: op, timer: body.expiresMs, timerOp: op }
    case 'add': next.members.set(op.target as string, 'member'); return next
    case 'promote': next.members.set(op.target as string, 'admin'); return next
    case 'demote': next.members.set(op.target as string, 'member'); return next
    case 'rename': return { ...next, name: body.name, nameOp: op }
    case 'setTimer': return { ...next, timer: body.expiresMs, timerOp: op }
    case 'remove':
    case 'leave':
      next.members.delete(op.target as string)
      next.removed = new Set(roster.removed).add(op.target as string)
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
  for (const op of valid) if (isRemoval(op)) push(removals, op.target as string, op)
  const concurrent = (a: RuleOp, b: RuleOp): boolean => !before(a, b) && !before(b, a)
  const voided = (op: RuleOp): boolean => removals.get(op.author)?.some(r => concurrent(r, op)) ?? false

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
  for (const [member, list] of grants) {
    const removed = removals.get(member) ?? []
    if (!list.some(g => holds(g, removed))) continue
    const revoked = [...removed, ...(demotes.get(member) ?? [])]
    roster.members.set(member, (adminGrants.get(member) ?? []).some(g => holds(g, revoked)) ? 'admin' : 'member')
  }
  for (const member of removals.keys()) roster.removed.add(member)
  return roster
}

/**
 * Judge an op against the state of its own causal past (rules 1, 4 and 5). A root is judged by
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
  if (ADMIN_KINDS.has(body.kind) && role !== 'admin') return new NotAdminError(`${body.kind} needs an admin`)
  const target = op.target == null ? undefined : past.members.get(op.target)
  switch (body.kind) {
    case 'add':
      if (target != null) return new InvalidTargetError('the member to add is a member already')
      if (past.members.size >= MAX_MEMBERS) return new GroupFullError(`a group holds at most ${MAX_MEMBERS} members`)
      return 'valid'
    case 'remove': return target == null ? new InvalidTargetError('the member to remove is not a member') : 'valid'
    case 'promote': return target !== 'member' ? new InvalidTargetError('only a member who is not an admin can be promoted') : 'valid'
    case 'demote': return target !== 'admin' ? new InvalidTargetError('only an admin can be demoted') : 'valid'
    default: return 'valid'
  }
}
