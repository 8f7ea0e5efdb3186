import assert from 'node:assert/strict'
import { concat } from 'uint8arrays/concat'
import { defaultCrypto as crypto } from '../../protocol/crypto/backend.js'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { certifyDevice, createIdentity, heldIdentityKey } from '../../protocol/crypto/identity.js'
import {
  ForgedOpError, ForkedOpError, GroupFullError, InvalidTargetError, MalformedOpError, MissingParentsError, NotAdminError,
  NotMemberError, OpTooLargeError, OutOfSequenceError, RemovedMemberError, SecondRootError, UnknownGroupError
} from '../../protocol/groups/errors.js'
import { MembershipLog } from '../../protocol/groups/membership.js'
import { decodeOp, GROUP_ID_BYTES, MAX_MEMBERS, MAX_OP_BYTES, MAX_PARENTS, MAX_SIGNED_OP_BYTES, MAX_TIMER_MS, signOp, verifyOp } from '../../protocol/groups/ops.js'
import { Op, SignedOp } from '../../protocol/groups/pb/groups.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import type { GroupOp, OpBody } from '../../protocol/groups/ops.js'
import type { Verdict } from '../../protocol/groups/membership.js'

const AT = 1_700_000_000_000
const THIRTY_DAYS = 2_592_000_000
const key = (who: Identity): Uint8Array => who.identityKey.publicKey.raw
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

let A: Identity, B: Identity, C: Identity, D: Identity, E: Identity
const names = new Map<string, string>()

/** The members of a log's state as 'A:admin', 'B:member'... */
function roster (log: MembershipLog, at?: string): string[] {
  const state = at == null ? log.state() : log.stateAt(at)
  return state.members.map(m => `${names.get(hex(m.identity)) ?? '?'}:${m.role}`).sort()
}

/** Sign an op by `by` on top of its log's heads. */
async function write (log: MembershipLog, by: Identity, body: OpBody): Promise<GroupOp> {
  return signOp({ group: log.group, parents: log.nextParents(key(by)), seq: log.nextSeq(key(by)), at: AT, body }, by, crypto)
}

/** Write an op and take it into the author's log; returns the op and its verdict there. */
async function act (log: MembershipLog, by: Identity, body: OpBody): Promise<{ op: GroupOp, verdict: Verdict }> {
  const op = await write(log, by, body)
  const result = log.receive(op)
  assert.equal(result.status, 'added')
  return { op, verdict: result.status === 'added' ? result.verdict : 'valid' }
}

/** Deliver every op of `from` to `to`, in the order given (parents first or not). */
function sync (from: MembershipLog, to: MembershipLog, reverse = false): void {
  const ops = reverse ? [...from.ops()].reverse() : from.ops()
  let pending = ops
  while (pending.length > 0) {
    const held = pending.filter(op => to.receive(op).status === 'missing')
    assert.ok(held.length < pending.length, 'delivery made progress')
    pending = held
  }
}

async function newGroup (by: Identity, members: Array<Identity | Uint8Array> = [], name = 'field team'): Promise<MembershipLog> {
  const keys = members.map(m => m instanceof Uint8Array ? m : key(m))
  const create = await signOp({ group: crypto.randomBytes(GROUP_ID_BYTES), parents: [], seq: 1, at: AT, body: { kind: 'create', name, members: keys, expiresMs: 0 } }, by, crypto)
  return new MembershipLog(create)
}

/** Another device of `who`'s identity: its own peer key, certified by the identity. */
async function sibling (who: Identity): Promise<Identity> {
  const deviceKey = (await createIdentity()).deviceKey
  return { identityKey: who.identityKey, deviceKey, deviceSignature: await certifyDevice(heldIdentityKey(who.identityKey), deviceKey) }
}

const device = (who: Identity): Uint8Array => peerIdFromPrivateKey(who.deviceKey).toMultihash().bytes
const add = (who: Identity): OpBody => ({ kind: 'add', member: key(who) })
const remove = (who: Identity): OpBody => ({ kind: 'remove', member: key(who) })
const promote = (who: Identity): OpBody => ({ kind: 'promote', member: key(who) })

function isError (verdict: Verdict, type: new (...args: any[]) => Error): boolean {
  return verdict !== 'valid' && verdict instanceof type
}

/** Re-encode a signed op's Op with `change` applied, under a signature of zeros. */
function mangle (bytes: Uint8Array, change: (op: Op) => Partial<Op>): Uint8Array {
  const op = Op.decode(SignedOp.decode(bytes).op)
  return SignedOp.encode({ op: Op.encode({ ...op, ...change(op) }), signature: new Uint8Array(64) })
}

describe('group membership log', () => {
  before(async () => {
    [A, B, C, D, E] = await Promise.all([1, 2, 3, 4, 5].map(async () => createIdentity()))
    for (const [n, who] of Object.entries({ A, B, C, D, E })) names.set(hex(key(who)), n)
  })

  it('creates, adds, renames, times and removes', async () => {
    const log = await newGroup(A, [B])
    assert.deepEqual(roster(log), ['A:admin', 'B:member'])
    const added = await act(log, A, add(C))
    assert.equal(added.verdict, 'valid')
    await act(log, A, { kind: 'rename', name: 'north' })
    await act(log, A, { kind: 'setTimer', expiresMs: THIRTY_DAYS })
    const removed = await act(log, A, remove(B))
    assert.equal(removed.verdict, 'valid')
    const state = log.state()
    assert.deepEqual(roster(log), ['A:admin', 'C:member'])
    assert.equal(state.name, 'north')
    assert.equal(state.timer, THIRTY_DAYS)
    assert.deepEqual(state.heads, [removed.op.id])
    // the key layer asks who was a member as an op saw it
    assert.deepEqual(roster(log, added.op.id), ['A:admin', 'B:member', 'C:member'])
    assert.equal(log.stateAt(log.root).name, 'field team')
    assert.deepEqual(log.past(added.op.id), [log.root])
    assert.ok(log.isBefore(log.root, removed.op.id))
    assert.ok(!log.isBefore(removed.op.id, log.root))
    assert.deepEqual(log.ops().map(op => op.seq), [1, 2, 3, 4, 5])
  })

  it('gives the creator admin and lets an admin promote, leave and members send keys', async () => {
    const log = await newGroup(A, [B, C])
    assert.equal((await act(log, A, promote(B))).verdict, 'valid')
    assert.equal((await act(log, B, add(D))).verdict, 'valid')
    assert.equal((await act(log, C, { kind: 'key', payload: new Uint8Array([1, 2, 3]) })).verdict, 'valid')
    assert.equal((await act(log, B, { kind: 'demote', member: key(A) })).verdict, 'valid')
    assert.equal((await act(log, C, { kind: 'leave' })).verdict, 'valid')
    assert.deepEqual(roster(log), ['A:member', 'B:admin', 'D:member'])
    assert.ok(isError((await act(log, A, add(E))).verdict, NotAdminError), 'a demoted admin cannot add')
  })

  it('refuses an add by a non-admin, and honest ops built on it still count', async () => {
    const log = await newGroup(A, [B])
    const bad = await act(log, B, add(D))
    assert.ok(isError(bad.verdict, NotAdminError))
    assert.deepEqual(roster(log), ['A:admin', 'B:member'])
    const good = await act(log, A, add(C))
    assert.deepEqual(good.op.parents, [bad.op.id])
    assert.equal(good.verdict, 'valid')
    assert.deepEqual(roster(log), ['A:admin', 'B:member', 'C:member'])
    assert.ok(isError((await act(log, D, { kind: 'key', payload: new Uint8Array(1) })).verdict, NotMemberError))
    assert.ok(isError((await act(log, A, add(B))).verdict, InvalidTargetError), 'adding a member')
    assert.ok(isError((await act(log, A, remove(D))).verdict, InvalidTargetError), 'removing a non-member')
  })

  it('refuses a forged signature and a certificate for another identity', async () => {
    const log = await newGroup(A, [B])
    const op = await write(log, B, add(C))
    const bytes = op.bytes.slice()
    bytes[bytes.byteLength - 1] ^= 1 // the signature is the last field
    await assert.rejects(verifyOp(bytes, crypto), ForgedOpError)
    // B's device, with B's certificate, claiming to write as A
    const impostor: Identity = { identityKey: A.identityKey, deviceKey: B.deviceKey, deviceSignature: B.deviceSignature }
    const claimed = await write(log, impostor, add(D))
    await assert.rejects(verifyOp(claimed.bytes, crypto), (err: Error) => err instanceof ForgedOpError && /certificate/.test(err.message))
    // and the genuine op verifies to the same id and fields
    const verified = await verifyOp(op.bytes, crypto)
    assert.equal(verified.id, op.id)
    assert.deepEqual(verified.body, op.body)
  })

  it('refuses tampered op bytes', async () => {
    const log = await newGroup(A, [B])
    const op = await write(log, A, { kind: 'rename', name: 'north' })
    const at = Buffer.from(op.bytes).indexOf('north')
    assert.ok(at > 0)
    const bytes = op.bytes.slice()
    bytes[at] = 'N'.charCodeAt(0)
    await assert.rejects(verifyOp(bytes, crypto), ForgedOpError)
  })

  it('voids ops of a removed member, before and after it learns of the removal', async () => {
    const alice = await newGroup(A, [B, C])
    const bob = new MembershipLog(alice.get(alice.root) as GroupOp)
    const removal = await act(alice, A, remove(B))
    const concurrent = await act(bob, B, { kind: 'key', payload: new Uint8Array([7]) })
    assert.equal(concurrent.verdict, 'valid', 'valid as far as B knows')
    sync(alice, bob)
    sync(bob, alice)
    for (const log of [alice, bob]) {
      assert.ok(isError(log.verdict(concurrent.op.id), RemovedMemberError), 'remove wins over a concurrent op')
      assert.equal(log.verdict(removal.op.id), 'valid')
    }
    const after = await act(bob, B, { kind: 'key', payload: new Uint8Array([8]) })
    assert.ok(isError(after.verdict, RemovedMemberError))
    assert.equal(alice.receive(after.op).status, 'added')
    assert.ok(isError(alice.verdict(after.op.id), RemovedMemberError))
    assert.deepEqual(roster(alice), ['A:admin', 'C:member'])
    assert.equal(alice.state().epoch, bob.state().epoch)
  })

  it('takes a replay as a no-op and refuses a fork or a gap in seq', async () => {
    const log = await newGroup(A, [B])
    const { op } = await act(log, A, add(C))
    const before = log.state()
    assert.deepEqual(log.receive(op), { status: 'duplicate' })
    assert.deepEqual(log.receive(await verifyOp(op.bytes, crypto)), { status: 'duplicate' })
    assert.deepEqual(log.state(), before)
    const fork = await signOp({ group: log.group, parents: op.parents, seq: op.seq, at: AT, body: add(D) }, A, crypto)
    assert.throws(() => log.receive(fork), ForkedOpError)
    const gap = await signOp({ group: log.group, parents: log.heads(), seq: op.seq + 2, at: AT, body: add(D) }, A, crypto)
    assert.throws(() => log.receive(gap), OutOfSequenceError)
    const stale = await signOp({ group: log.group, parents: [log.root], seq: 1, at: AT, body: { kind: 'key', payload: new Uint8Array(1) } }, B, crypto)
    assert.equal(log.receive(stale).status, 'added')
    const skipsOwn = await signOp({ group: log.group, parents: [log.root], seq: 2, at: AT, body: { kind: 'leave' } }, B, crypto)
    assert.throws(() => log.receive(skipsOwn), OutOfSequenceError, 'seq 2 without seq 1 in its past')
    assert.deepEqual(log.state(), { ...before, heads: log.heads(), epoch: log.state().epoch })
    assert.notEqual(log.state().epoch, before.epoch)
  })

  it('counts seq per device: two devices of one person writing at once are two chains, not a fork', async () => {
    const log = await newGroup(A, [B])
    const laptop = await sibling(A)
    const { op: first } = await act(log, A, { kind: 'rename', name: 'from the phone' })
    // the laptop writes concurrently with the phone's rename: its own chain starts at seq 1
    const concurrent = await signOp({ group: log.group, parents: first.parents, seq: 1, at: AT, body: { kind: 'key', payload: new Uint8Array(1) } }, laptop, crypto)
    assert.equal(log.nextSeq(key(A), device(laptop)), 1)
    assert.deepEqual(log.receive(concurrent), { status: 'added', verdict: 'valid' })
    assert.equal(log.nextSeq(key(A), device(A)), 3, 'the phone\'s chain is its own')
    assert.equal(log.nextSeq(key(A), device(laptop)), 2)
    assert.throws(() => log.nextSeq(key(A)), MalformedOpError, 'with two chains the device must be named')
    // the same device writing two ops with one seq is a fork, whichever person's device it is
    const fork = await signOp({ group: log.group, parents: first.parents, seq: 1, at: AT, body: { kind: 'key', payload: new Uint8Array(2) } }, laptop, crypto)
    assert.throws(() => log.receive(fork), ForkedOpError)
    // a chain's seq follows its own previous op, not its sibling's
    const skips = await signOp({ group: log.group, parents: log.heads(), seq: 3, at: AT, body: { kind: 'leave' } }, laptop, crypto)
    assert.throws(() => log.receive(skips), OutOfSequenceError)
    const next = await signOp({ group: log.group, parents: log.nextParents(key(A), device(laptop)), seq: 2, at: AT, body: { kind: 'rename', name: 'from the laptop' } }, laptop, crypto)
    assert.deepEqual(log.receive(next), { status: 'added', verdict: 'valid' })
    assert.equal(log.state().name, 'from the laptop')
    // every holder reaches the same state, in any order
    const other = new MembershipLog(log.get(log.root) as GroupOp)
    sync(log, other, true)
    assert.deepEqual(other.state(), log.state())
  })

  it('lets a removal win over a concurrent add by the removed admin, in either order', async () => {
    const alice = await newGroup(A, [B, C])
    await act(alice, A, promote(C))
    const carol = await MembershipLog.fromOps(alice.ops().map(op => op.bytes), crypto)
    const removal = await act(alice, A, remove(C))
    const addition = await act(carol, C, add(E))
    assert.deepEqual(roster(carol), ['A:admin', 'B:member', 'C:admin', 'E:member'])
    sync(alice, carol)
    sync(carol, alice, true)
    for (const log of [alice, carol]) {
      assert.deepEqual(roster(log), ['A:admin', 'B:member'])
      assert.ok(isError(log.verdict(addition.op.id), RemovedMemberError))
      assert.equal(log.verdict(removal.op.id), 'valid')
    }
    assert.deepEqual(alice.state(), carol.state())
    // an add concurrent with a removal of the same member loses; a re-add after seeing it works
    const readd = await act(alice, A, add(C))
    assert.equal(readd.verdict, 'valid')
    assert.deepEqual(roster(alice), ['A:admin', 'B:member', 'C:member'], 'a re-added admin is a plain member')
  })

  it('removes both admins when they remove each other concurrently', async () => {
    const alice = await newGroup(A, [B, C])
    await act(alice, A, promote(B))
    const bob = await MembershipLog.fromOps(alice.ops().map(op => op.bytes), crypto)
    const byA = await act(alice, A, remove(B))
    const byB = await act(bob, B, remove(A))
    sync(alice, bob)
    sync(bob, alice)
    for (const log of [alice, bob]) {
      assert.deepEqual(roster(log), ['C:member'])
      assert.equal(log.verdict(byA.op.id), 'valid')
      assert.equal(log.verdict(byB.op.id), 'valid')
    }
    assert.equal(alice.state().epoch, bob.state().epoch)
  })

  it('merges a partition {A,B} | {C,D} to one state whatever the order', async () => {
    const a = await newGroup(A, [B, C, D])
    await act(a, A, promote(C))
    const [b, c, d] = await Promise.all([1, 2, 3].map(async () => MembershipLog.fromOps(a.ops().map(op => op.bytes), crypto)))
    // {A,B}: A adds E, B sends a key update; {C,D}: C removes D while D, unaware, sends a key update
    await act(a, A, add(E))
    sync(a, b)
    await act(b, B, { kind: 'key', payload: new Uint8Array([1]) })
    sync(b, a)
    const unaware = await act(d, D, { kind: 'key', payload: new Uint8Array([2]) })
    await act(c, C, remove(D))
    await act(c, C, { kind: 'rename', name: 'south' })
    sync(d, c, true)
    sync(c, d)
    // merge: a ← c (parents first), d ← b (children first), b ← d, c ← a
    sync(c, a)
    sync(b, d, true)
    sync(d, b)
    sync(a, c, true)
    const states = [a, b, c, d].map(log => log.state())
    for (const s of states) assert.deepEqual(s, states[0])
    assert.deepEqual(roster(a), ['A:admin', 'B:member', 'C:admin', 'E:member'])
    assert.equal(states[0].name, 'south')
    assert.ok(isError(a.verdict(unaware.op.id), RemovedMemberError))
    assert.deepEqual(a.ops().map(op => op.id), d.ops().map(op => op.id))
    for (const op of a.ops()) assert.deepEqual([b, c, d].map(log => String(log.verdict(op.id))), Array(3).fill(String(a.verdict(op.id))))
  })

  it('round-trips uint64 values between 2^31 and 2^32', async () => {
    const create = await signOp({ group: crypto.randomBytes(GROUP_ID_BYTES), parents: [], seq: 1, at: THIRTY_DAYS, body: { kind: 'create', name: '', members: [], expiresMs: THIRTY_DAYS } }, A, crypto)
    const op = await verifyOp(create.bytes, crypto)
    assert.equal(op.at, THIRTY_DAYS)
    assert.deepEqual(op.body, { kind: 'create', name: '', members: [], expiresMs: THIRTY_DAYS, cards: [] })
    const log = new MembershipLog(op)
    const timer = await write(log, A, { kind: 'setTimer', expiresMs: THIRTY_DAYS })
    assert.deepEqual((await verifyOp(timer.bytes, crypto)).body, { kind: 'setTimer', expiresMs: THIRTY_DAYS })
    assert.equal(Op.decode(Op.encode({ ...Op.decode(SignedOp.decode(timer.bytes).op), seq: 3_000_000_000 })).seq, 3_000_000_000)
    assert.equal(MAX_TIMER_MS, THIRTY_DAYS)
  })

  it('refuses oversize and malformed ops with typed errors', async () => {
    const log = await newGroup(A, [B])
    const good = await write(log, A, add(C))
    const malformed = (bytes: Uint8Array, message: RegExp): void => {
      assert.throws(() => decodeOp(bytes), (err: Error) => err instanceof MalformedOpError && message.test(err.message))
    }
    assert.throws(() => decodeOp(new Uint8Array(MAX_SIGNED_OP_BYTES + 1)), OpTooLargeError)
    assert.throws(() => decodeOp(SignedOp.encode({ op: new Uint8Array(MAX_OP_BYTES + 1), signature: new Uint8Array(64) })), OpTooLargeError)
    await assert.rejects(write(log, A, { kind: 'key', payload: new Uint8Array(MAX_OP_BYTES) }), OpTooLargeError)
    malformed(new Uint8Array([0xff, 0xff, 0xff]), /not a signed op/)
    malformed(SignedOp.encode({ op: new Uint8Array([0xff, 0xff]), signature: new Uint8Array(64) }), /not an op/)
    malformed(SignedOp.encode({ op: SignedOp.decode(good.bytes).op, signature: new Uint8Array(63) }), /signature/)
    malformed(mangle(good.bytes, () => ({ group: new Uint8Array(31) })), /group id/)
    malformed(mangle(good.bytes, () => ({ author: new Uint8Array(33) })), /author/)
    malformed(mangle(good.bytes, op => ({ device: op.device.subarray(1) })), /device/)
    malformed(mangle(good.bytes, op => ({ certificate: op.certificate.subarray(1) })), /certificate/)
    malformed(mangle(good.bytes, () => ({ parents: [new Uint8Array(31)] })), /parent id/)
    malformed(mangle(good.bytes, () => ({ parents: Array.from({ length: MAX_PARENTS + 1 }, (_, i) => new Uint8Array(32).fill(i)) })), /not an op/)
    malformed(mangle(good.bytes, op => ({ parents: [op.parents[0], op.parents[0]] })), /distinct/)
    malformed(mangle(good.bytes, () => ({ parents: [] })), /only a create/)
    malformed(mangle(good.bytes, () => ({ seq: 0 })), /seq/)
    malformed(mangle(good.bytes, () => ({ add: { member: new Uint8Array(31) } })), /target/)
    malformed(mangle(good.bytes, () => ({ add: undefined })), /one body/)
    malformed(mangle(good.bytes, () => ({ rename: { name: 'x'.repeat(129) }, add: undefined })), /name/)
    malformed(mangle(good.bytes, () => ({ setTimer: { expiresMs: MAX_TIMER_MS + 1 }, add: undefined })), /timer/)
    malformed(mangle(log.get(log.root)?.bytes as Uint8Array, () => ({ parents: [new Uint8Array(32)] })), /create has no parents/)
    malformed(mangle(log.get(log.root)?.bytes as Uint8Array, () => ({ create: { name: '', members: [key(A)], expiresMs: 0, cards: [] } })), /exclude the creator/)
    malformed(mangle(log.get(log.root)?.bytes as Uint8Array, () => ({ create: { name: '', members: Array.from({ length: MAX_MEMBERS }, (_, i) => new Uint8Array(32).fill(i)), expiresMs: 0, cards: [] } })), /at most 100 members/)
    // one encoding only: an unknown field, or a second body, changes the bytes but not the meaning
    const signed = SignedOp.decode(good.bytes)
    malformed(SignedOp.encode({ ...signed, op: concat([signed.op, Uint8Array.from([0xf8, 0x01, 0x01])]) }), /one encoding/)
    malformed(SignedOp.encode({ ...signed, op: concat([signed.op, Op.encode({ leave: {} })]) }), /one encoding/)
    await assert.rejects(write(log, A, { kind: 'rename', name: 'é'.repeat(65) }), MalformedOpError)
    await assert.rejects(signOp({ group: log.group, parents: ['zz'], seq: 2, body: add(C) }, A, crypto), MalformedOpError)
  })

  it('refuses ops of another group and a second root', async () => {
    const log = await newGroup(A, [B])
    const other = await newGroup(A, [B])
    assert.throws(() => log.receive(other.get(other.root) as GroupOp), UnknownGroupError)
    const second = await signOp({ group: log.group, parents: [], seq: 1, at: AT, body: { kind: 'create', name: 'mine', members: [], expiresMs: 0 } }, C, crypto)
    assert.throws(() => log.receive(second), SecondRootError)
  })

  it('refuses an add past MAX_MEMBERS', async () => {
    const strangers = Array.from({ length: MAX_MEMBERS - 2 }, (_, i) => new Uint8Array(32).fill(i + 1))
    const log = await newGroup(A, [B, ...strangers])
    assert.equal(log.state().members.length, MAX_MEMBERS)
    assert.ok(isError((await act(log, A, add(C))).verdict, GroupFullError))
    await act(log, A, remove(B))
    assert.equal((await act(log, A, add(C))).verdict, 'valid')
  })

  it('rebuilds from its ops in any order, and names what is missing', async () => {
    const log = await newGroup(A, [B])
    await act(log, A, add(C))
    await act(log, C, { kind: 'key', payload: new Uint8Array([1]) })
    await act(log, A, remove(B))
    const bytes = log.ops().map(op => op.bytes)
    const rebuilt = await MembershipLog.fromOps([...bytes].reverse(), crypto)
    assert.deepEqual(rebuilt.state(), log.state())
    const lost = log.ops()[1].id
    await assert.rejects(MembershipLog.fromOps(bytes.filter((_, i) => i !== 1), crypto),
      (err: Error) => err instanceof MissingParentsError && err.missing.length === 1 && err.missing[0] === lost)
    assert.deepEqual(log.missing([lost, 'ab'.repeat(32)]), ['ab'.repeat(32)])
  })
})
