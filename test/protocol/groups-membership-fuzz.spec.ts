/**
 * Model-based fuzz of the membership log: 4–6 identities, each holding a replica, write random
 * membership ops (valid or not in their own view) over a network that is split into random
 * partitions and delays, duplicates and reorders delivery; replicas also sync whole logs inside a
 * partition. At the end everything reaches everyone.
 *
 * Invariants: every replica ends with the same heads, the same op order, the same verdict for
 * every op and the same state (members, roles, name, timer, epoch); and that state and those
 * verdicts are the ones a naive reference computes straight from the merge rule (explicit causal
 * pasts, no clocks, no memos, no incremental states), so the log's shortcuts are checked too.
 *
 * FERRY_FUZZ_RUNS (default 2,000) and FERRY_FUZZ_SEED replay a run; the seed is printed.
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { defaultCrypto as crypto } from '../../protocol/crypto/backend.js'
import { createIdentity } from '../../protocol/crypto/identity.js'
import { MembershipLog } from '../../protocol/groups/membership.js'
import { MAX_MEMBERS, signOp } from '../../protocol/groups/ops.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import type { GroupOp, OpBody } from '../../protocol/groups/ops.js'
import type { GroupState, Verdict } from '../../protocol/groups/membership.js'

const NUM_RUNS = Number(process.env.FERRY_FUZZ_RUNS ?? 2_000)
const SEED = Number(process.env.FERRY_FUZZ_SEED ?? Math.floor(Math.random() * 0x7fff_ffff))
const MAX_WRITES = 12
const THIRTY_DAYS = 2_592_000_000
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const reason = (v: Verdict): string => v === 'valid' ? 'valid' : v.name

const KINDS = ['add', 'add', 'remove', 'remove', 'promote', 'promote', 'demote', 'leave', 'rename', 'setTimer', 'key', 'key'] as const
type Step =
  | { t: 'write', who: number, anyone: boolean, kind: typeof KINDS[number], pick: number }
  | { t: 'deliver', to: number, pick: number, dup: boolean }
  | { t: 'sync', from: number, to: number, shuffle: number }
  | { t: 'partition', sides: boolean[] }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('write' as const), who: fc.nat(), anyone: fc.nat(3).map(n => n === 0), kind: fc.constantFrom(...KINDS), pick: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('deliver' as const), to: fc.nat(), pick: fc.nat(), dup: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('sync' as const), from: fc.nat(), to: fc.nat(), shuffle: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('partition' as const), sides: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }) }) }
)

const scenario = fc.record({
  size: fc.integer({ min: 4, max: 6 }),
  initial: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  group: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  steps: fc.array(step, { minLength: 12, maxLength: 40 }),
  finalOrder: fc.nat()
})

/** A deterministic shuffle (a small LCG), so a seed replays the whole run. */
function shuffled<T> (items: T[], seed: number): T[] {
  const out = [...items]
  let s = seed >>> 0
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

interface Replica { log: MembershipLog, inbox: GroupOp[], held: GroupOp[] }

/** Take an op in; hold it while parents are missing, and retry held ops after every addition. */
function take (r: Replica, op: GroupOp): void {
  if (r.log.receive(op).status !== 'missing') {
    let progress = true
    while (progress) {
      const before = r.held.length
      r.held = r.held.filter(h => r.log.receive(h).status === 'missing')
      progress = r.held.length < before
    }
  } else if (!r.held.some(h => h.id === op.id)) {
    r.held.push(op)
  }
}

/** The body an author writes, targets chosen from its own view so that many ops are valid. */
function bodyFor (kind: Step & { t: 'write' }, view: GroupState, pool: Uint8Array[]): OpBody {
  const members = view.members.map(m => m.identity)
  const outsiders = pool.filter(k => !members.some(m => hex(m) === hex(k)))
  const pick = (list: Uint8Array[]): Uint8Array => (list.length > 0 ? list : pool)[kind.pick % (list.length > 0 ? list.length : pool.length)]
  switch (kind.kind) {
    case 'add': return { kind: 'add', member: pick(outsiders) }
    case 'remove': case 'promote': case 'demote': return { kind: kind.kind, member: pick(members) }
    case 'leave': return { kind: 'leave' }
    case 'rename': return { kind: 'rename', name: `room ${kind.pick % 3}` }
    case 'setTimer': return { kind: 'setTimer', expiresMs: [0, 60_000, THIRTY_DAYS][kind.pick % 3] }
    default: return { kind: 'key', payload: Uint8Array.of(kind.pick % 256) }
  }
}

/** The merge rule computed naively from explicit causal pasts (membership.ts, top of file). */
function reference (ops: GroupOp[]): { verdicts: Map<string, string>, members: string[], name: string, timer: number } {
  const byId = new Map(ops.map(op => [op.id, op]))
  const pasts = new Map<string, Set<string>>()
  const pastOf = (id: string): Set<string> => {
    let past = pasts.get(id)
    if (past == null) {
      past = new Set<string>()
      for (const p of (byId.get(id) as GroupOp).parents) for (const q of [p, ...pastOf(p)]) past.add(q)
      pasts.set(id, past)
    }
    return past
  }
  const depth = (id: string): number => Math.max(-1, ...(byId.get(id) as GroupOp).parents.map(depth)) + 1
  const before = (a: GroupOp, b: GroupOp): boolean => pastOf(b.id).has(a.id)
  const concurrent = (a: GroupOp, b: GroupOp): boolean => a !== b && !before(a, b) && !before(b, a)
  const target = (op: GroupOp): string => op.body.kind === 'leave' ? hex(op.author) : 'member' in op.body ? hex(op.body.member) : ''
  const isRemoval = (op: GroupOp): boolean => op.body.kind === 'remove' || op.body.kind === 'leave'
  const lastOf = (list: GroupOp[]): GroupOp | undefined => list.sort((a, b) => depth(a.id) - depth(b.id) || (a.id < b.id ? -1 : 1)).at(-1)

  const base = new Map<string, string>()
  const stateOf = (set: Iterable<string>): { roles: Map<string, string>, removed: Set<string>, name: string, timer: number } => {
    const valid = [...set].map(id => byId.get(id) as GroupOp).filter(op => baseOf(op) === 'valid' && op.body.kind !== 'key')
    const removals = valid.filter(isRemoval)
    const effective = valid.filter(op => !isRemoval(op) && !removals.some(r => target(r) === hex(op.author) && concurrent(r, op)))
    const holds = (grant: GroupOp, revocations: GroupOp[]): boolean => revocations.every(r => before(r, grant))
    const roles = new Map<string, string>()
    const everyone = new Set(effective.flatMap(op => op.body.kind === 'create' ? [hex(op.author), ...op.body.members.map(hex)] : [target(op)]))
    for (const x of everyone) {
      const removedBy = removals.filter(r => target(r) === x)
      const grants = effective.filter(op => op.body.kind === 'create' ? hex(op.author) === x || op.body.members.some(m => hex(m) === x) : op.body.kind === 'add' && target(op) === x)
      if (!grants.some(g => holds(g, removedBy))) continue
      const revoked = [...removedBy, ...effective.filter(op => op.body.kind === 'demote' && target(op) === x)]
      const adminGrants = effective.filter(op => op.body.kind === 'create' ? hex(op.author) === x : op.body.kind === 'promote' && target(op) === x)
      roles.set(x, adminGrants.some(g => holds(g, revoked)) ? 'admin' : 'member')
    }
    const named = lastOf(effective.filter(op => op.body.kind === 'create' || op.body.kind === 'rename'))
    const timed = lastOf(effective.filter(op => op.body.kind === 'create' || op.body.kind === 'setTimer'))
    return {
      roles,
      removed: new Set(removals.map(target)),
      name: named == null ? '' : (named.body as { name: string }).name,
      timer: timed == null ? 0 : (timed.body as { expiresMs: number }).expiresMs
    }
  }
  function baseOf (op: GroupOp): string {
    let verdict = base.get(op.id)
    if (verdict != null) return verdict
    const s = stateOf(pastOf(op.id))
    const role = s.roles.get(hex(op.author))
    const of = s.roles.get(target(op))
    const kind = op.body.kind
    if (kind === 'create') verdict = 'valid'
    else if (role == null) verdict = s.removed.has(hex(op.author)) ? 'RemovedMemberError' : 'NotMemberError'
    else if (!['leave', 'key'].includes(kind) && role !== 'admin') verdict = 'NotAdminError'
    else if (kind === 'add') verdict = of != null ? 'InvalidTargetError' : s.roles.size >= MAX_MEMBERS ? 'GroupFullError' : 'valid'
    else if (kind === 'remove') verdict = of == null ? 'InvalidTargetError' : 'valid'
    else if (kind === 'promote') verdict = of !== 'member' ? 'InvalidTargetError' : 'valid'
    else if (kind === 'demote') verdict = of !== 'admin' ? 'InvalidTargetError' : 'valid'
    else verdict = 'valid'
    base.set(op.id, verdict)
    return verdict
  }

  const verdicts = new Map<string, string>()
  const removals = ops.filter(op => isRemoval(op) && baseOf(op) === 'valid')
  for (const op of ops) {
    const voided = baseOf(op) === 'valid' && !isRemoval(op) && removals.some(r => target(r) === hex(op.author) && concurrent(r, op))
    verdicts.set(op.id, voided ? 'RemovedMemberError' : baseOf(op))
  }
  const s = stateOf(byId.keys())
  return { verdicts, members: [...s.roles].map(([m, r]) => `${m}:${r}`).sort(), name: s.name, timer: s.timer }
}

describe('group membership log (fuzz)', function () {
  this.timeout(600_000)
  let pool: Identity[]

  before(async () => {
    pool = await Promise.all(Array.from({ length: 6 }, async () => createIdentity()))
  })

  it(`converges on one state, the rule's, over partitions, delay, duplication and reordering (${NUM_RUNS} runs)`, async () => {
    console.log(`      seed ${SEED} (FERRY_FUZZ_SEED=${SEED} FERRY_FUZZ_RUNS=${NUM_RUNS} replays it)`)
    let written = 0
    let merged = 0
    const verdicts = new Map<string, number>()
    await fc.assert(fc.asyncProperty(scenario, async ({ size, initial, group, steps, finalOrder }) => {
      const people = pool.slice(0, size)
      const keys = people.map(p => p.identityKey.publicKey.raw)
      const members = keys.slice(1).filter((_, i) => initial[i])
      const create = await signOp({ group, parents: [], seq: 1, at: 0, body: { kind: 'create', name: 'room', members, expiresMs: 0 } }, people[0], crypto)
      const replicas: Replica[] = people.map(() => ({ log: new MembershipLog(create), inbox: [], held: [] }))
      let sides = people.map(() => false)
      let writes = 0
      for (const s of steps) {
        if (s.t === 'write' && writes < MAX_WRITES) {
          const memberOf = people.map((_, i) => replicas[i].log.state().members.some(m => hex(m.identity) === hex(keys[i])))
          const candidates = people.map((_, i) => i).filter(i => s.anyone || memberOf[i])
          const author = candidates.length === 0 ? s.who % size : candidates[s.who % candidates.length]
          const log = replicas[author].log
          const me = keys[author]
          const body = bodyFor(s, log.state(), keys)
          const op = await signOp({ group, parents: log.nextParents(me), seq: log.nextSeq(me), at: writes, body }, people[author], crypto)
          assert.equal(log.receive(op).status, 'added')
          replicas.forEach((r, i) => { if (i !== author && sides[i] === sides[author]) r.inbox.push(op) })
          writes++
        } else if (s.t === 'deliver') {
          const r = replicas[s.to % size]
          if (r.inbox.length === 0) continue
          const i = s.pick % r.inbox.length
          const op = r.inbox[i]
          if (!s.dup) r.inbox.splice(i, 1)
          take(r, op)
        } else if (s.t === 'sync') {
          const [from, to] = [s.from % size, s.to % size]
          if (sides[from] === sides[to]) replicas[to].inbox.push(...shuffled(replicas[from].log.ops(), s.shuffle))
        } else if (s.t === 'partition') {
          sides = people.map((_, i) => s.sides[i])
        }
      }
      written += writes

      const everything = new Map(replicas.flatMap(r => r.log.ops()).map(op => [op.id, op]))
      for (const [i, r] of replicas.entries()) {
        for (const op of shuffled([...everything.values()], finalOrder + i)) take(r, op)
        assert.equal(r.held.length, 0, 'nothing held once everything is delivered')
      }
      if (replicas.some(r => r.log.heads().length > 1)) merged++

      const first = replicas[0].log
      const state = first.state()
      const order = first.ops().map(op => op.id)
      for (const r of replicas.slice(1)) {
        assert.deepEqual(r.log.state(), state)
        assert.deepEqual(r.log.ops().map(op => op.id), order)
        for (const id of order) assert.equal(reason(r.log.verdict(id)), reason(first.verdict(id)), `verdict of ${id}`)
      }
      const model = reference(first.ops())
      assert.deepEqual(state.members.map(m => `${hex(m.identity)}:${m.role}`), model.members)
      assert.equal(state.name, model.name)
      assert.equal(state.timer, model.timer)
      for (const id of order) {
        const verdict = reason(first.verdict(id))
        assert.equal(verdict, model.verdicts.get(id), `verdict of ${id} against the reference`)
        verdicts.set(verdict, (verdicts.get(verdict) ?? 0) + 1)
      }
      // the state an op saw is the reference state of its causal past and itself
      const last = order.at(-1) as string
      const seen = reference(first.ops().filter(op => op.id === last || first.isBefore(op.id, last)))
      assert.deepEqual(first.stateAt(last).members.map(m => `${hex(m.identity)}:${m.role}`), seen.members)
    }), { numRuns: NUM_RUNS, seed: SEED })
    console.log(`      ${written} ops written, ${merged} runs ended with concurrent heads; verdicts ${JSON.stringify(Object.fromEntries(verdicts))}`)
  })
})
