/**
 * The membership log of one group: its verified ops, held as a causal DAG, and the membership
 * every holder of the same ops computes from them, whatever order they arrived in.
 *
 * The merge rule (rules 1-7) is stated at the top of rules.ts, which implements it.
 *
 * Invalid and void ops stay in the DAG (honest ops may already name them as parents) and have no
 * effect; `verdict(id)` says why. Before storing, the log refuses outright: ops of another group,
 * a second root, an op whose device already wrote a different op with its sequence number (a
 * fork), and an op whose sequence number is not one more than its device's previous op in the
 * op's own causal past. So the ops each device of an author writes form a chain (two devices of
 * one person writing at once are two chains, never a fork), and a causal past is a version vector
 * over chains.
 *
 * The epoch is SHA-256 over EPOCH_CONTEXT and the sorted heads: equal op sets, equal epochs.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { equalBytes, fromHex, toHex } from '../util/bytes.js'
import { ForkedOpError, MalformedOpError, MissingParentsError, OutOfSequenceError, RemovedDeviceError, RemovedMemberError, SecondRootError, UnknownGroupError, UnknownOpError } from './errors.js'
import { MAX_PARENTS, verifyOp } from './ops.js'
import { chainOf, clockKey, maxClock } from './clocks.js'
import { applyOp, emptyRoster, isParticipant, isRemoval, isUnvoidable, judge, rosterOf, targetOf } from './rules.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { GroupOp, OpBody } from './ops.js'
import type { MemberDevices, Role, Roster, RuleOp, Verdict } from './rules.js'

export type { MemberDevices, Role, Verdict }

const EPOCH_CONTEXT = fromString('ferry-group-epoch-v1')
/** A member and its role. */
export interface GroupMember {
  identity: Uint8Array
  role: Role
}

/** The state of a group as a set of ops determines it. */
export interface GroupState {
  name: string
  /** sorted by identity key */
  members: GroupMember[]
  /** message timer in ms, 0 = off */
  timer: number
  /** sorted hex ids of the DAG heads */
  heads: string[]
  /** hex SHA-256(EPOCH_CONTEXT || sorted heads): equal op sets, equal epochs */
  epoch: string
}

/** What receive did: stored the op, had it already, or needs its missing parents first. */
export type ReceiveResult =
  | { status: 'added', verdict: Verdict }
  | { status: 'duplicate' }
  | { status: 'missing', missing: string[] }

interface Entry extends RuleOp {
  op: GroupOp
  /** the index of the op's chain: its author and device */
  authorIx: number
  /** per chain index: the highest seq in this op's causal past, this op included */
  clock: number[]
  /** the same, counting only valid state-changing ops (not key): what the state depends on */
  stateClock: number[]
  /** the verdict against the op's own causal past (rules 1, 4, 5); rule 2 is applied by verdict() */
  base: Verdict
}

/**
 * The ops of one group and the membership they determine (the merge rule above). Pure and
 * synchronous: ops come in verified (verifyOp, signOp).
 *
 * @example
 * const log = new MembershipLog(createOp)
 * log.receive(await verifyOp(bytes, crypto))
 * log.state().members
 */
export class MembershipLog {
  /** the group id */
  readonly group: Uint8Array
  /** the id of the group's Create */
  readonly root: string
  private readonly entries = new Map<string, Entry>()
  /** `${chain}:${seq}` → op id */
  private readonly bySeq = new Map<string, string>()
  /** chain (`${author hex}/${device hex}`) → its index in the clocks */
  private readonly chains = new Map<string, number>()
  /** valid state-changing ops (not key), in arrival order */
  private readonly stateOps: Entry[] = []
  /** valid removes and leaves, by the hex identity they remove */
  private readonly removals = new Map<string, Entry[]>()
  /** valid RemoveDevice ops, by the chain of the device they take out */
  private readonly deviceRemovals = new Map<string, Entry[]>()
  /** adds valid in their own past, by target (generations.ts counts them) */
  private readonly adds = new Map<string, GroupOp[]>()
  /** the state of a set of valid state-changing ops, by clockKey of their stateClock */
  private readonly rosters = new Map<string, Roster>()
  private readonly headSet = new Set<string>()
  /** each roster's members, sorted, as state() reports them */
  private readonly memberLists = new WeakMap<Roster, GroupMember[]>()
  private order: GroupOp[] | undefined

  /**
   * @param root - the group's Create op
   * @throws MalformedOpError when it is not a Create
   */
  constructor (root: GroupOp) {
    if (root.body.kind !== 'create') throw new MalformedOpError('a group log starts from its Create')
    this.group = root.group
    this.root = root.id
    this.insert(root, [])
  }

  /**
   * Rebuild a log from the SignedOp bytes of its ops, in any order.
   *
   * @throws MalformedOpError unless exactly one op is a Create
   * @throws MissingParentsError when some op's parents are not among the ops
   * @throws what verifyOp and receive throw
   */
  static async fromOps (ops: Uint8Array[], crypto: CryptoBackend): Promise<MembershipLog> {
    const verified = await Promise.all(ops.map(async b => verifyOp(b, crypto)))
    const roots = verified.filter(op => op.body.kind === 'create')
    if (roots.length !== 1) throw new MalformedOpError(`a group log has one Create, not ${roots.length}`)
    const log = new MembershipLog(roots[0])
    const byId = new Map(verified.map(op => [op.id, op]))
    const missing = new Set<string>()
    const tried = new Set<string>()
    // parents first, depth-first without recursion: a log can be deeper than the call stack
    for (const start of verified) {
      const stack = [start]
      while (stack.length > 0) {
        const op = stack[stack.length - 1]
        const absent = log.missing(op.parents)
        const todo = absent.filter(id => byId.has(id) && !tried.has(id))
        if (todo.length > 0 && !tried.has(op.id)) {
          stack.push(...todo.map(id => byId.get(id) as GroupOp))
          continue
        }
        stack.pop()
        if (tried.has(op.id)) continue
        tried.add(op.id)
        for (const id of absent) if (!byId.has(id)) missing.add(id)
        if (absent.length === 0) log.receive(op)
      }
    }
    if (missing.size > 0) throw new MissingParentsError([...missing].sort(), `${missing.size} ops are missing from the log`)
    return log
  }

  /**
   * Take in a verified op of this group. Idempotent: the same op twice is 'duplicate'. An op whose
   * parents are not all held is not stored: the caller holds it and fetches `missing`.
   *
   * @throws UnknownGroupError when the op is for another group
   * @throws SecondRootError for a Create other than the root
   * @throws ForkedOpError when its device wrote another op with the same seq
   * @throws OutOfSequenceError when seq is not one more than the device's previous op in its past
   */
  receive (op: GroupOp): ReceiveResult {
    if (this.entries.has(op.id)) return { status: 'duplicate' }
    if (!equalBytes(op.group, this.group)) throw new UnknownGroupError('the op is for another group')
    if (op.body.kind === 'create') throw new SecondRootError('the group has a Create already')
    const chain = chainOf(op)
    const other = this.bySeq.get(`${chain}:${op.seq}`)
    if (other != null) throw new ForkedOpError(`the author's device wrote another op with seq ${op.seq}: ${other}`)
    const missing = this.missing(op.parents)
    if (missing.length > 0) return { status: 'missing', missing }
    const parents = op.parents.map(p => this.entry(p))
    const previous = maxClock(parents.map(p => p.clock))[this.chains.get(chain) ?? -1] ?? 0
    if (op.seq !== previous + 1) throw new OutOfSequenceError(`seq ${op.seq} does not follow the device's seq ${previous} in the op's past`)
    return { status: 'added', verdict: this.verdictOf(this.insert(op, parents)) }
  }

  private insert (op: GroupOp, parents: Entry[]): Entry {
    const author = toHex(op.author)
    const chain = chainOf(op)
    let authorIx = this.chains.get(chain)
    if (authorIx == null) this.chains.set(chain, authorIx = this.chains.size)
    const body = op.body
    const target = targetOf(author, body)
    const clock = maxClock(parents.map(p => p.clock))
    clock[authorIx] = op.seq
    const stateClock = maxClock(parents.map(p => p.stateClock))
    const depth = parents.reduce((d, p) => Math.max(d, p.depth + 1), 0)
    const entry: Entry = { id: op.id, author, device: toHex(op.device), depth, body, target, op, authorIx, clock, stateClock, base: 'valid' }
    const past = this.rosterAt(stateClock)
    entry.base = judge(entry, past)
    if (entry.base === 'valid' && body.kind !== 'key') {
      stateClock[authorIx] = op.seq
      this.rosters.set(clockKey(stateClock), applyOp(past, entry))
      this.stateOps.push(entry)
      if (isRemoval(entry)) this.removals.set(target as string, [...(this.removals.get(target as string) ?? []), entry])
      if (body.kind === 'removeDevice') this.deviceRemovals.set(`${author}/${target as string}`, [...(this.deviceRemovals.get(`${author}/${target as string}`) ?? []), entry])
      if (body.kind === 'add') this.adds.set(target as string, [...(this.adds.get(target as string) ?? []), op])
    }
    this.entries.set(op.id, entry)
    this.bySeq.set(`${chain}:${op.seq}`, op.id)
    for (const p of op.parents) this.headSet.delete(p)
    this.headSet.add(op.id)
    this.order = undefined
    return entry
  }

  /** The state of the valid state-changing ops a stateClock names, memoized. */
  private rosterAt (stateClock: number[]): Roster {
    const key = clockKey(stateClock)
    let roster = this.rosters.get(key)
    if (roster == null) {
      const ops = this.stateOps.filter(e => e.op.seq <= (stateClock[e.authorIx] ?? 0))
      roster = ops.length === 0 ? emptyRoster() : rosterOf(ops, (a, b) => this.before(a as Entry, b as Entry))
      this.rosters.set(key, roster)
    }
    return roster
  }

  private before (a: Entry, b: Entry): boolean {
    return a !== b && a.op.seq <= (b.clock[a.authorIx] ?? 0)
  }

  private entry (id: string): Entry {
    const entry = this.entries.get(id)
    if (entry == null) throw new UnknownOpError(`no op ${id}`)
    return entry
  }

  /** Rule 2 over everything held: a valid op is void while a removal of its author, or of its device, is concurrent. */
  private verdictOf (entry: Entry): Verdict {
    if (entry.base !== 'valid' || isUnvoidable(entry)) return entry.base
    const concurrent = (removals?: Entry[]): boolean => removals?.some(r => !this.before(r, entry) && !this.before(entry, r)) ?? false
    if (concurrent(this.removals.get(entry.author))) return new RemovedMemberError('a removal of the author is concurrent with this op')
    if (concurrent(this.deviceRemovals.get(`${entry.author}/${entry.device}`))) return new RemovedDeviceError('a removal of the author\'s device is concurrent with this op')
    return 'valid'
  }

  /** Whether the op is held. */
  has (id: string): boolean {
    return this.entries.has(id)
  }

  /** The op with that id, if held. */
  get (id: string): GroupOp | undefined {
    return this.entries.get(id)?.op
  }

  /** Those of `ids` not held, in the order given. */
  missing (ids: string[]): string[] {
    return ids.filter(id => !this.entries.has(id))
  }

  /** Sorted hex ids of the ops no held op names as a parent. */
  heads (): string[] {
    return [...this.headSet].sort()
  }

  /** Every held op in the deterministic topological order: by depth, then by id. */
  ops (): GroupOp[] {
    this.order ??= [...this.entries.values()]
      .sort((a, b) => a.depth - b.depth || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map(e => e.op)
    return this.order
  }

  /**
   * The causal past of an op (strict), in the topological order.
   *
   * @throws UnknownOpError when the op is not held
   */
  past (id: string): string[] {
    const entry = this.entry(id)
    return this.ops().filter(op => this.before(this.entry(op.id), entry)).map(op => op.id)
  }

  /**
   * Whether op `a` is in the causal past of op `b`.
   *
   * @throws UnknownOpError when either is not held
   */
  isBefore (a: string, b: string): boolean {
    return this.before(this.entry(a), this.entry(b))
  }

  /**
   * 'valid', or why the op has no effect given every op held (rules 1–7).
   *
   * @throws UnknownOpError when the op is not held
   */
  verdict (id: string): Verdict {
    return this.verdictOf(this.entry(id))
  }

  /**
   * The verdict on an op against its own causal past alone (rules 1, 4-7), never changed by
   * ops that arrive later: what the key layer goes by, so every member processes the same key ops.
   *
   * @throws UnknownOpError when the op is not held
   */
  authorized (id: string): Verdict {
    return this.entry(id).base
  }

  /** The adds of `member` (hex) valid in their own past (`authorized`), in the order they arrived. */
  validAddsOf (member: string): readonly GroupOp[] {
    return this.adds.get(member) ?? []
  }

  private chainIx (author: Uint8Array, device?: Uint8Array): number | undefined {
    return this.chains.get(this.chainKey(author, device))
  }

  /** A device's chain; without `device`, the author's only one. @throws MalformedOpError when it has several */
  private chainKey (author: Uint8Array, device?: Uint8Array): string {
    const who = toHex(author)
    if (device != null) return `${who}/${toHex(device)}`
    const own = [...this.chains.keys()].filter(chain => chain.startsWith(`${who}/`))
    if (own.length > 1) throw new MalformedOpError('the author writes from several devices: name the device')
    return own[0] ?? `${who}/`
  }

  /** The next sequence number of the author's device: one more than its last op held. */
  nextSeq (author: Uint8Array, device?: Uint8Array): number {
    const ix = this.chainIx(author, device)
    if (ix == null) return 1
    return Math.max(...this.heads().map(h => this.entry(h).clock[ix] ?? 0)) + 1
  }

  /**
   * Parents for the device's next op: the heads; over MAX_PARENTS, those that follow the device's
   * last op come first (its seq must follow that op), then the rest by id.
   */
  nextParents (author: Uint8Array, device?: Uint8Array): string[] {
    const heads = this.heads()
    if (heads.length <= MAX_PARENTS) return heads
    const ix = this.chainIx(author, device) ?? -1
    const last = this.nextSeq(author, device) - 1
    const own = heads.filter(h => (this.entry(h).clock[ix] ?? 0) === last)
    return [...own.slice(0, 1), ...heads.filter(h => h !== own[0])].slice(0, MAX_PARENTS)
  }

  /**
   * How the rules would judge the device's next op with this body, on nextParents (nothing is
   * written): an author checks this before it signs, so it never writes an op its log voids.
   */
  judgeNext (author: Uint8Array, body: OpBody, device?: Uint8Array): Verdict {
    const parents = this.nextParents(author, device).map(p => this.entry(p))
    const who = toHex(author)
    const writer = this.chainKey(author, device).slice(who.length + 1)
    const depth = parents.reduce((d, p) => Math.max(d, p.depth + 1), 0)
    return judge({ id: '', author: who, device: writer, depth, body, target: targetOf(who, body) }, this.rosterAt(maxClock(parents.map(p => p.stateClock))))
  }

  /** The state an op saw (its causal past and itself), or of everything held. */
  private rosterFor (at?: string): Roster {
    return this.rosterAt(at == null ? maxClock(this.heads().map(h => this.entry(h).stateClock)) : this.entry(at).stateClock)
  }

  /** A member's devices in the room (rule 7) as every op held or op `at` saw them; none for a non-member. */
  devicesOf (member: string, at?: string): MemberDevices | undefined {
    return this.rosterFor(at).devices.get(member)
  }

  /** Whether `device` (hex peer id) is one of `member`'s devices in the room, as of everything held or of op `at`. */
  isParticipant (member: string, device: string, at?: string): boolean {
    return isParticipant(this.rosterFor(at), member, device)
  }

  /** Whether a valid RemoveDevice of `member`'s `device` (hex) is held: it never comes back. */
  deviceGone (member: string, device: string): boolean {
    return this.deviceRemovals.has(`${member}/${device}`)
  }

  /** The state of every op held. */
  state (): GroupState {
    const heads = this.heads()
    return this.describe(this.rosterAt(maxClock(heads.map(h => this.entry(h).stateClock))), heads)
  }

  /**
   * The state of an op's causal past and the op itself: the members as that op saw them.
   *
   * @throws UnknownOpError when the op is not held
   */
  stateAt (id: string): GroupState {
    return this.describe(this.rosterAt(this.entry(id).stateClock), [id])
  }

  private describe (roster: Roster, heads: string[]): GroupState {
    let members = this.memberLists.get(roster)
    if (members == null) {
      members = [...roster.members].sort(([a], [b]) => a < b ? -1 : 1).map(([m, role]) => ({ identity: fromHex(m), role }))
      this.memberLists.set(roster, members)
    }
    const epoch = toHex(sha256(concat([EPOCH_CONTEXT, ...heads.map(fromHex)])))
    return { name: roster.name, members: members.map(m => ({ ...m })), timer: roster.timer, heads, epoch }
  }
}
