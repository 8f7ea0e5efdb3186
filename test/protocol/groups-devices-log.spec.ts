import assert from 'node:assert/strict'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { defaultCrypto as crypto } from '../../protocol/crypto/backend.js'
import { identityDhSignatureMessage } from '../../protocol/crypto/bundle.js'
import { certifyDevice, createIdentity, heldIdentityKey } from '../../protocol/crypto/identity.js'
import { MAX_DEVICES } from '../../protocol/devices/device-list.js'
import { ForgedOpError, GroupFullError, InvalidTargetError, MalformedOpError, NotADeviceError, RemovedDeviceError, RemovedMemberError } from '../../protocol/groups/errors.js'
import { MembershipLog } from '../../protocol/groups/membership.js'
import { GROUP_ID_BYTES, MAX_MEMBER_DEVICES, signOp, verifyOp } from '../../protocol/groups/ops.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import type { Card } from '../../protocol/groups/cards.js'
import type { GroupOp, OpBody } from '../../protocol/groups/ops.js'
import type { Verdict } from '../../protocol/groups/membership.js'

// Rule 7 of the merge rule (protocol/groups/rules.ts): a member's devices in a room.
const AT = 1_700_000_000_000
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const key = (who: Identity): Uint8Array => who.identityKey.publicKey.raw
const peer = (who: Identity): Uint8Array => peerIdFromPrivateKey(who.deviceKey).toMultihash().bytes
const name = (who: Identity): string => hex(peer(who))

/** Another device of `who`'s identity: its own peer key, certified by the identity. */
async function sibling (who: Identity): Promise<Identity> {
  const deviceKey = (await createIdentity()).deviceKey
  return { identityKey: who.identityKey, deviceKey, deviceSignature: await certifyDevice(heldIdentityKey(who.identityKey), deviceKey) }
}

/** A card for a device: a fresh X25519 key signed by the identity, as a device's bundle carries it. */
async function cardOf (who: Identity): Promise<Card> {
  const dh = (await crypto.x25519Generate()).publicKey
  return { dh, signature: await crypto.sign(heldIdentityKey(who.identityKey), identityDhSignatureMessage(dh)) }
}

/** The AddDevice `device`'s own identity would write: its certificate and a card signed by that identity. */
async function join (device: Identity): Promise<OpBody> {
  return { kind: 'addDevice', peer: peer(device), certificate: device.deviceSignature, card: await cardOf(device) }
}

const leaveDevice = (device: Identity): OpBody => ({ kind: 'removeDevice', peer: peer(device) })

/** Write an op from `by`'s device on its log's heads, verify it as a receiver would, and take it in. */
async function act (log: MembershipLog, by: Identity, body: OpBody, parents = log.nextParents(key(by), peer(by))): Promise<{ op: GroupOp, verdict: Verdict }> {
  const seq = log.nextSeq(key(by), peer(by))
  const op = await verifyOp((await signOp({ group: log.group, parents, seq, at: AT, body }, by, crypto)).bytes, crypto)
  const result = log.receive(op)
  assert.equal(result.status, 'added')
  return { op, verdict: result.status === 'added' ? result.verdict : 'valid' }
}

async function newRoom (by: Identity, members: Identity[]): Promise<MembershipLog> {
  const create = await signOp({ group: crypto.randomBytes(GROUP_ID_BYTES), parents: [], seq: 1, at: AT, body: { kind: 'create', name: 'field team', members: members.map(key), expiresMs: 0 } }, by, crypto)
  return new MembershipLog(create)
}

function isError (verdict: Verdict, type: new (...args: any[]) => Error): boolean {
  return verdict !== 'valid' && verdict instanceof type
}

/** The same log rebuilt from its ops in reverse order: every verdict and state must match. */
async function rebuilt (log: MembershipLog): Promise<MembershipLog> {
  return MembershipLog.fromOps([...log.ops()].reverse().map(op => op.bytes), crypto)
}

describe('team room devices in the membership log (rule 7)', () => {
  let alice: Identity, bob: Identity

  before(async () => {
    [alice, bob] = await Promise.all([createIdentity(), createIdentity()])
  })

  it('caps a member at as many devices as a person may link', () => {
    assert.equal(MAX_MEMBER_DEVICES, MAX_DEVICES)
  })

  it('two devices that add each other at once, one then taking the other out: the base is gone, not counted twice (fuzz seed 1219842976)', async () => {
    const log = await newRoom(alice, [bob])
    const [phone, laptop] = await Promise.all([sibling(bob), sibling(bob)])
    const heads = log.nextParents(key(bob), peer(phone))
    const a = await act(log, phone, await join(laptop), heads)
    const b = await act(log, laptop, await join(phone), heads)
    assert.equal(a.verdict, 'valid')
    assert.equal(b.verdict, 'valid', 'before a base is recorded, every device of bob counts as it')
    const d = log.devicesOf(hex(key(bob)))
    const [base, other] = d?.base === name(phone) ? [phone, laptop] : [laptop, phone]
    assert.ok(d?.named.has(name(base)) === true && d.named.has(name(other)), 'the base is named as well (the other added it)')
    assert.equal((await act(log, other, leaveDevice(base))).verdict, 'valid')
    for (const l of [log, await rebuilt(log)]) {
      assert.deepEqual(l.devicesOf(hex(key(bob))), { base: name(base), baseGone: true, named: new Set([name(other)]) })
      assert.equal(l.isParticipant(hex(key(bob)), name(base)), false)
    }
  })

  it('lets any member bring in its own device with no admin, and no device of anyone else', async () => {
    const log = await newRoom(alice, [bob])
    const [laptop, bob2, stray] = await Promise.all([sibling(alice), sibling(bob), sibling(alice)])
    assert.equal(log.isParticipant(hex(key(alice)), name(laptop)), true, 'before any AddDevice every device of a member counts as its base (logs from before devices)')
    assert.equal((await act(log, alice, await join(laptop))).verdict, 'valid')
    assert.equal((await act(log, bob, await join(bob2))).verdict, 'valid', 'bob is no admin and needs none for his own device')
    assert.deepEqual(log.devicesOf(hex(key(alice))), { base: name(alice), baseGone: false, named: new Set([name(laptop)]) })
    assert.equal((await act(log, laptop, { kind: 'rename', name: 'from the laptop' })).verdict, 'valid', 'a named device acts for its member, an admin')
    assert.equal(log.state().name, 'from the laptop')
    assert.ok(isError((await act(log, stray, { kind: 'rename', name: 'stray' })).verdict, NotADeviceError), 'a device the room does not name')
    assert.ok(isError(log.judgeNext(key(alice), { kind: 'leave' }, peer(stray)), NotADeviceError), 'judged before it is signed, too')
    await assert.rejects(act(log, bob2, await join(laptop)), ForgedOpError, 'bob\'s device cannot bring in alice\'s laptop')
  })

  it('refuses a device certified by another identity, and a device adding or removing itself', async () => {
    const log = await newRoom(alice, [bob])
    const bobs = await sibling(bob)
    const forged = await signOp({ group: log.group, parents: log.heads(), seq: 2, at: AT, body: { kind: 'addDevice', peer: peer(bobs), certificate: bobs.deviceSignature, card: await cardOf(alice) } }, alice, crypto)
    await assert.rejects(verifyOp(forged.bytes, crypto), ForgedOpError)
    const wrongCard = await signOp({ group: log.group, parents: log.heads(), seq: 2, at: AT, body: { ...await join(await sibling(alice)), card: await cardOf(bob) } as OpBody }, alice, crypto)
    await assert.rejects(verifyOp(wrongCard.bytes, crypto), ForgedOpError, 'a card signed by another identity')
    await assert.rejects(signOp({ group: log.group, parents: log.heads(), seq: 2, at: AT, body: await join(alice) }, alice, crypto), MalformedOpError)
    await assert.rejects(signOp({ group: log.group, parents: log.heads(), seq: 2, at: AT, body: leaveDevice(alice) }, alice, crypto), MalformedOpError)
  })

  it('takes a device out for good: its later ops are invalid, concurrent ones void, and it never comes back', async () => {
    const log = await newRoom(alice, [bob])
    const [laptop, tablet] = await Promise.all([sibling(alice), sibling(alice)])
    await act(log, alice, await join(laptop))
    const heads = log.heads()
    const { verdict: removal } = await act(log, alice, leaveDevice(laptop))
    assert.equal(removal, 'valid')
    // the laptop renames concurrently with its removal (it had not seen it): void, remove wins
    const { op: concurrent } = await act(log, laptop, { kind: 'rename', name: 'late' }, heads)
    assert.ok(isError(log.verdict(concurrent.id), RemovedDeviceError))
    assert.equal(log.state().name, 'field team')
    assert.ok(isError((await act(log, laptop, { kind: 'rename', name: 'later' })).verdict, RemovedDeviceError))
    assert.ok(isError((await act(log, alice, await join(laptop))).verdict, RemovedDeviceError), 'a device taken out does not come back')
    assert.equal(log.deviceGone(hex(key(alice)), name(laptop)), true)
    assert.ok(isError((await act(log, alice, leaveDevice(tablet))).verdict, InvalidTargetError), 'only a device in the room can be taken out')
    assert.deepEqual(log.devicesOf(hex(key(alice))), { base: name(alice), baseGone: false, named: new Set() })
    assert.ok(isError(log.judgeNext(key(alice), leaveDevice(laptop), peer(alice)), InvalidTargetError))
    const copy = await rebuilt(log)
    assert.deepEqual(copy.state(), log.state())
    for (const op of log.ops()) assert.equal(String(copy.verdict(op.id)), String(log.verdict(op.id)))
  })

  it('takes out both devices that remove each other concurrently, and keeps the member on its third', async () => {
    const log = await newRoom(alice, [bob])
    const [laptop, tablet] = await Promise.all([sibling(alice), sibling(alice)])
    await act(log, alice, await join(laptop))
    await act(log, alice, await join(tablet))
    const heads = log.heads()
    assert.equal((await act(log, alice, leaveDevice(laptop), heads)).verdict, 'valid')
    assert.equal((await act(log, laptop, leaveDevice(alice), heads)).verdict, 'valid', 'judged by authority alone')
    assert.deepEqual(log.devicesOf(hex(key(alice))), { base: name(alice), baseGone: true, named: new Set([name(tablet)]) })
    assert.ok(isError((await act(log, alice, { kind: 'leave' })).verdict, RemovedDeviceError))
    assert.equal((await act(log, tablet, { kind: 'rename', name: 'from the tablet' })).verdict, 'valid')
    assert.ok(log.state().members.some(m => hex(m.identity) === hex(key(alice))), 'alice is still a member')
    const copy = await rebuilt(log)
    assert.deepEqual(copy.devicesOf(hex(key(alice))), log.devicesOf(hex(key(alice))))
    assert.deepEqual(copy.state(), log.state())
  })

  it('lets a named device take the base out, and holds a member to six devices', async () => {
    const log = await newRoom(alice, [bob])
    const phone2 = await sibling(alice)
    await act(log, alice, await join(phone2))
    assert.equal((await act(log, phone2, leaveDevice(alice))).verdict, 'valid')
    assert.ok(isError((await act(log, alice, { kind: 'rename', name: 'old phone' })).verdict, RemovedDeviceError))
    assert.deepEqual(log.devicesOf(hex(key(alice))), { base: name(alice), baseGone: true, named: new Set([name(phone2)]) })
    const more = await Promise.all(Array.from({ length: MAX_MEMBER_DEVICES }, async () => sibling(alice)))
    for (const device of more.slice(0, MAX_MEMBER_DEVICES - 1)) assert.equal((await act(log, phone2, await join(device))).verdict, 'valid')
    assert.ok(isError((await act(log, phone2, await join(more[MAX_MEMBER_DEVICES - 1]))).verdict, GroupFullError))
  })

  it('takes every device out with the member, and a re-added member starts with its base alone', async () => {
    const log = await newRoom(alice, [bob])
    const bob2 = await sibling(bob)
    await act(log, bob, await join(bob2))
    await act(log, alice, { kind: 'remove', member: key(bob) })
    assert.equal(log.devicesOf(hex(key(bob))), undefined)
    assert.ok(isError((await act(log, bob2, { kind: 'leave' })).verdict, RemovedMemberError))
    await act(log, alice, { kind: 'add', member: key(bob) })
    assert.deepEqual(log.devicesOf(hex(key(bob))), { baseGone: false, named: new Set() })
    assert.equal((await act(log, bob, await join(bob2))).verdict, 'valid', 'named again in the new generation')
    const copy = await rebuilt(log)
    assert.deepEqual(copy.devicesOf(hex(key(bob))), { base: name(bob), baseGone: false, named: new Set([name(bob2)]) })
  })
})
