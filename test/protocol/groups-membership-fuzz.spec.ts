/**
 * Model-based fuzz of the membership log: 4–6 identities with three devices each, every device
 * holding a replica, write random membership ops (valid or not in their own view), AddDevice and
 * RemoveDevice among them, over a network that is split into random partitions and delays,
 * duplicates and reorders delivery; replicas also sync whole logs inside a partition. At the end
 * everything reaches everyone.
 *
 * Invariants: every replica ends with the same heads, the same op order, the same verdict for
 * every op and the same state (members, roles, devices, name, timer, epoch); and that state and
 * those verdicts are the ones a naive reference computes straight from the merge rule (explicit
 * causal pasts, no clocks, no memos, no incremental states), so the log's shortcuts are checked too.
 *
 * FERRY_FUZZ_RUNS (default 2,000) and FERRY_FUZZ_SEED replay a run; the seed is printed.
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { defaultCrypto as crypto } from '../../protocol/crypto/backend.js'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { identityDhSignatureMessage } from '../../protocol/crypto/bundle.js'
import { certifyDevice, createIdentity, heldIdentityKey } from '../../protocol/crypto/identity.js'
import { MembershipLog } from '../../protocol/groups/membership.js'
import { MAX_MEMBER_DEVICES, MAX_MEMBERS, MAX_ROOM_KEYS, signOp } from '../../protocol/groups/ops.js'
import type { Card } from '../../protocol/groups/cards.js'
import type { MemberDevices } from '../../protocol/groups/membership.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import type { GroupOp, OpBody } from '../../protocol/groups/ops.js'
import type { GroupState, Verdict } from '../../protocol/groups/membership.js'

const NUM_RUNS = Number(process.env.FERRY_FUZZ_RUNS ?? 2_000)
const SEED = Number(process.env.FERRY_FUZZ_SEED ?? Math.floor(Math.random() * 0x7fff_ffff))
/** fast-check's replay path of a failure (printed with it): with the seed, runs that case alone */
const PATH = process.env.FERRY_FUZZ_PATH
const MAX_WRITES = 12
const THIRTY_DAYS = 2_592_000_000
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const reason = (v: Verdict): string => v === 'valid' ? 'valid' : v.name

const KINDS = ['add', 'add', 'remove', 'remove', 'promote', 'promote', 'demote', 'leave', 'rename', 'setTimer', 'key', 'key', 'addDevice', 'addDevice', 'removeDevice'] as const
const DEVICES = 3
type Step =
  | { t: 'write', who: number, anyone: boolean, kind: typeof KINDS[number], pick: number }
  | { t: 'deliver', to: number, pick: number, dup: boolean }
  | { t: 'sync', from: number, to: number, shuffle: number }
  | { t: 'partition', sides: boolean[] }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('write' as const), who: fc.nat(), anyone: fc.nat(3).map(n => n === 0), kind: fc.constantFrom(...KINDS), pick: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('deliver' as const), to: fc.nat(), pick: fc.nat(), dup: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('sync' as const), from: fc.nat(), to: fc.nat(), shuffle: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('partition' as const), sides: fc.array(fc.boolean(), { minLength: 6 * DEVICES, maxLength: 6 * DEVICES }) }) }
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

/** A device of one identity, and what an AddDevice of it carries. */
interface Device { me: Identity, peer: Uint8Array, card: Card }

/** The body an author writes, targets chosen from its own view so that many ops are valid. */
function bodyFor (kind: Step & { t: 'write' }, view: GroupState, pool: Uint8Array[], sibling: Device): OpBody {
  const members = view.members.map(m => m.identity)
  const outsiders = pool.filter(k => !members.some(m => hex(m) === hex(k)))
  const pick = (list: Uint8Array[]): Uint8Array => (list.length > 0 ? list : pool)[kind.pick % (list.length > 0 ? list.length : pool.length)]
  switch (kind.kind) {
    case 'add': return { kind: 'add', member: pick(outsiders) }
    case 'remove': case 'promote': case 'demote': return { kind: kind.kind, member: pick(members) }
    case 'leave': return { kind: 'leave' }
    case 'rename': return { kind: 'rename', name: `room ${kind.pick % 3}` }
    case 'setTimer': return { kind: 'setTimer', expiresMs: [0, 60_000, THIRTY_DAYS][kind.pick % 3] }
    case 'addDevice': return { kind: 'addDevice', peer: sibling.peer, certificate: sibling.me.deviceSignature, card: sibling.card }
    case 'removeDevice': return { kind: 'removeDevice', peer: sibling.peer }
    default: return { kind: 'key', payload: Uint8Array.of(kind.pick % 256) }
  }
}

/** The merge rule computed naively from explicit causal pasts (protocol/groups/rules.ts, top of file). */
function reference (ops: GroupOp[]): { verdicts: Map<string, string>, members: string[], devices: Map<string, MemberDevices>, name: string, timer: number } {
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
  const target = (op: GroupOp): string => op.body.kind === 'leave' ? hex(op.author) : 'member' in op.body ? hex(op.body.member) : 'peer' in op.body ? hex(op.body.peer) : ''
  const isRemoval = (op: GroupOp): boolean => op.body.kind === 'remove' || op.body.kind === 'leave'
  const unvoidable = (op: GroupOp): boolean => isRemoval(op) || op.body.kind === 'removeDevice'
  const takesOut = (r: GroupOp, op: GroupOp): boolean => isRemoval(r)
    ? target(r) === hex(op.author)
    : r.body.kind === 'removeDevice' && hex(r.author) === hex(op.author) && target(r) === hex(op.device)
  const lastOf = (list: GroupOp[]): GroupOp | undefined => list.sort((a, b) => depth(a.id) - depth(b.id) || (a.id < b.id ? -1 : 1)).at(-1)

  const base = new Map<string, string>()
  const stateOf = (set: Iterable<string>): { roles: Map<string, string>, removed: Set<string>, devices: Map<string, MemberDevices>, gone: Set<string>, name: string, timer: number } => {
    const valid = [...set].map(id => byId.get(id) as GroupOp).filter(op => baseOf(op) === 'valid' && op.body.kind !== 'key')
    const removals = valid.filter(unvoidable)
    const effective = valid.filter(op => unvoidable(op) || !removals.some(r => takesOut(r, op) && concurrent(r, op)))
    const holds = (grant: GroupOp, revocations: GroupOp[]): boolean => revocations.every(r => before(r, grant))
    const roles = new Map<string, string>()
    const devices = new Map<string, MemberDevices>()
    const gone = new Set(removals.filter(r => r.body.kind === 'removeDevice').map(r => `${hex(r.author)}/${target(r)}`))
    const everyone = new Set(effective.flatMap(op => op.body.kind === 'create' ? [hex(op.author), ...op.body.members.map(hex)] : op.body.kind === 'add' ? [target(op)] : []))
    for (const x of everyone) {
      const removedBy = removals.filter(r => isRemoval(r) && target(r) === x)
      const grants = effective.filter(op => op.body.kind === 'create' ? hex(op.author) === x || op.body.members.some(m => hex(m) === x) : op.body.kind === 'add' && target(op) === x)
      const holding = grants.filter(g => holds(g, removedBy))
      if (holding.length === 0) continue
      const revoked = [...removedBy, ...effective.filter(op => op.body.kind === 'demote' && target(op) === x)]
      const adminGrants = effective.filter(op => op.body.kind === 'create' ? hex(op.author) === x : op.body.kind === 'promote' && target(op) === x)
      roles.set(x, adminGrants.some(g => holds(g, revoked)) ? 'admin' : 'member')
      // this generation's devices: its own AddDevice ops after a holding grant, less the devices taken out
      const mine = (op: GroupOp): boolean => hex(op.author) === x && holding.some(g => before(g, op))
      const joins = effective.filter(op => op.body.kind === 'addDevice' && mine(op))
      const firsts = joins.filter(op => !joins.some(j => target(j) === hex(op.device) && before(j, op)))
      const first = firsts.sort((a, b) => depth(a.id) - depth(b.id) || (a.id < b.id ? -1 : 1))[0]
      if (first == null) {
        devices.set(x, { baseGone: false, named: new Set() })
      } else {
        const b = hex(first.device)
        const baseGone = removals.some(r => r.body.kind === 'removeDevice' && target(r) === b && mine(r))
        devices.set(x, { base: b, baseGone, named: new Set(joins.map(target).filter(d => !gone.has(`${x}/${d}`))) })
      }
    }
    const named = lastOf(effective.filter(op => op.body.kind === 'create' || op.body.kind === 'rename'))
    const timed = lastOf(effective.filter(op => op.body.kind === 'create' || op.body.kind === 'setTimer'))
    return {
      roles,
      removed: new Set(removals.filter(isRemoval).map(target)),
      devices,
      gone,
      name: named == null ? '' : (named.body as { name: string }).name,
      timer: timed == null ? 0 : (timed.body as { expiresMs: number }).expiresMs
    }
  }
  const count = (d: MemberDevices): number => d.named.size + (d.baseGone ? 0 : 1)
  function deviceVerdict (op: GroupOp, s: ReturnType<typeof stateOf>): string | undefined {
    const x = hex(op.author)
    const d = s.devices.get(x) as MemberDevices
    if (s.gone.has(`${x}/${hex(op.device)}`)) return 'RemovedDeviceError'
    if (!d.named.has(hex(op.device)) && (d.baseGone || (d.base != null && d.base !== hex(op.device)))) return 'NotADeviceError'
    const keys = [...s.devices.values()].reduce((n, m) => n + count(m), 0)
    if (op.body.kind === 'addDevice') {
      const t = target(op)
      if (d.named.has(t) || d.base === t) return 'InvalidTargetError'
      if (s.gone.has(`${x}/${t}`)) return 'RemovedDeviceError'
      if (count(d) >= MAX_MEMBER_DEVICES || keys >= MAX_ROOM_KEYS) return 'GroupFullError'
      return 'valid'
    }
    if (op.body.kind === 'removeDevice') {
      const t = target(op)
      if (!d.named.has(t) && !(d.base === t && !d.baseGone)) return 'InvalidTargetError'
      return count(d) <= 1 ? 'InvalidTargetError' : 'valid'
    }
    return undefined
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
    else if (deviceVerdict(op, s) != null) verdict = deviceVerdict(op, s) as string
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
  const removals = ops.filter(op => unvoidable(op) && baseOf(op) === 'valid')
  for (const op of ops) {
    const voidedBy = (kind: (r: GroupOp) => boolean): boolean => baseOf(op) === 'valid' && !unvoidable(op) && removals.some(r => kind(r) && takesOut(r, op) && concurrent(r, op))
    verdicts.set(op.id, voidedBy(isRemoval) ? 'RemovedMemberError' : voidedBy(r => !isRemoval(r)) ? 'RemovedDeviceError' : baseOf(op))
  }
  const s = stateOf(byId.keys())
  return { verdicts, members: [...s.roles].map(([m, r]) => `${m}:${r}`).sort(), devices: s.devices, name: s.name, timer: s.timer }
}

/** The ops of a log, one line each (id, author/device, kind, target, parents, verdicts): what a failure prints. */
function trace (log: MembershipLog, model: Map<string, string>): string {
  const short = (b: Uint8Array | string): string => (typeof b === 'string' ? b : hex(b)).slice(-6)
  return log.ops().map(op => {
    const b = op.body as any
    const target = b.member ?? b.peer
    return `${op.id.slice(0, 6)} ${short(op.author)}/${short(op.device)} ${op.body.kind}${target != null ? ` ${short(target)}` : ''} <- [${op.parents.map(p => p.slice(0, 6)).join(',')}] ${reason(log.verdict(op.id))}/${model.get(op.id) ?? '?'}`
  }).join('\n')
}

describe('group membership log (fuzz)', function () {
  this.timeout(600_000)
  let pool: Identity[]
  /** per identity, its DEVICES devices: the first is the identity's own */
  let devices: Device[][]

  before(async () => {
    pool = await Promise.all(Array.from({ length: 6 }, async () => createIdentity()))
    devices = await Promise.all(pool.map(async person => Promise.all(Array.from({ length: DEVICES }, async (_, d) => {
      const deviceKey = d === 0 ? person.deviceKey : (await createIdentity()).deviceKey
      const me = { identityKey: person.identityKey, deviceKey, deviceSignature: d === 0 ? person.deviceSignature : await certifyDevice(heldIdentityKey(person.identityKey), deviceKey) }
      const dh = (await crypto.x25519Generate()).publicKey
      const card = { dh, signature: await crypto.sign(heldIdentityKey(person.identityKey), identityDhSignatureMessage(dh)) }
      return { me, peer: peerIdFromPrivateKey(deviceKey).toMultihash().bytes, card }
    }))))
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
      // one replica per device: device d of person i is replica i * DEVICES + d
      const writers = people.flatMap((_, i) => devices[i].map(device => ({ person: i, device })))
      const replicas: Replica[] = writers.map(() => ({ log: new MembershipLog(create), inbox: [], held: [] }))
      const size2 = replicas.length
      let sides = replicas.map(() => false)
      let writes = 0
      for (const s of steps) {
        if (s.t === 'write' && writes < MAX_WRITES) {
          const memberOf = writers.map((w, i) => replicas[i].log.state().members.some(m => hex(m.identity) === hex(keys[w.person])))
          const candidates = writers.map((_, i) => i).filter(i => s.anyone || memberOf[i])
          const author = candidates.length === 0 ? s.who % size2 : candidates[s.who % candidates.length]
          const { person, device } = writers[author]
          const log = replicas[author].log
          const me = keys[person]
          const others = devices[person].filter(d => d !== device)
          const sibling = others[s.pick % others.length]
          const body = bodyFor(s, log.state(), keys, sibling)
          const op = await signOp({ group, parents: log.nextParents(me, device.peer), seq: log.nextSeq(me, device.peer), at: writes, body }, device.me, crypto)
          assert.equal(log.receive(op).status, 'added')
          replicas.forEach((r, i) => { if (i !== author && sides[i] === sides[author]) r.inbox.push(op) })
          writes++
        } else if (s.t === 'deliver') {
          const r = replicas[s.to % size2]
          if (r.inbox.length === 0) continue
          const i = s.pick % r.inbox.length
          const op = r.inbox[i]
          if (!s.dup) r.inbox.splice(i, 1)
          take(r, op)
        } else if (s.t === 'sync') {
          const [from, to] = [s.from % size2, s.to % size2]
          if (sides[from] === sides[to]) replicas[to].inbox.push(...shuffled(replicas[from].log.ops(), s.shuffle))
        } else if (s.t === 'partition') {
          sides = replicas.map((_, i) => s.sides[i])
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
      for (const m of state.members) {
        const who = hex(m.identity)
        assert.deepEqual(first.devicesOf(who), model.devices.get(who), `devices of ${who}\n${trace(first, model.verdicts)}`)
        for (const r of replicas.slice(1)) assert.deepEqual(r.log.devicesOf(who), first.devicesOf(who))
      }
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
    }), { numRuns: NUM_RUNS, seed: SEED, ...(PATH != null ? { path: PATH, endOnFailure: true } : {}) })
    console.log(`      ${written} ops written, ${merged} runs ended with concurrent heads; verdicts ${JSON.stringify(Object.fromEntries(verdicts))}`)
  })
})
