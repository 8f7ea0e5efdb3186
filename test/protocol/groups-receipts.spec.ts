/**
 * Group receipts (protocol/groups/receipts.ts): a receipt says exactly which messages its member
 * holds and has read; a forwarder cannot forge, alter or re-attribute one; a room keeps only the
 * newest receipt of a member its log lists; receipts survive a snapshot.
 */
import assert from 'node:assert/strict'
import { chainsOf, covers, MAX_RECEIPT_BYTES, signReceipt, verifyReceipt } from '../../protocol/groups/receipts.js'
import type { ChainPoint } from '../../protocol/groups/receipts.js'
import { SignedReceipt, GroupReceipt } from '../../protocol/groups/pb/groups.js'
import { Room } from '../../protocol/groups/room.js'
import { certifyDevice, createIdentity, heldIdentityKey } from '../../protocol/crypto/identity.js'
import { crypto, Team } from './room-team.js'

const PHONE = new Uint8Array(38).fill(7)
const LAPTOP = new Uint8Array(38).fill(8)
const msg = (sender: Uint8Array, epoch: number, n: number, device = PHONE, generation = 0): ChainPoint => ({ sender, epoch, n, device, generation })

describe('team rooms: receipts', () => {
  const group = new Uint8Array(32).fill(3)

  it('covers exactly the messages it was made from, as ranges per sender and epoch', async () => {
    const [a, b] = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)]
    const held = [1, 2, 3, 7, 9, 10].map(n => msg(a, 0, n)).concat([msg(a, 1, 1), msg(b, 0, 5)])
    const chains = chainsOf(held)
    assert.deepEqual(chains.map(c => [c.epoch, c.ranges]), [[0, [1, 3, 7, 7, 9, 10]], [1, [1, 1]], [0, [5, 5]]])
    for (const m of held) assert.ok(covers(chains, m))
    for (const m of [msg(a, 0, 4), msg(a, 0, 8), msg(a, 0, 11), msg(a, 2, 1), msg(b, 0, 4), msg(b, 1, 5)]) assert.ok(!covers(chains, m), `not ${m.epoch}/${m.n}`)
  })

  it('keeps each device and generation of a sender a chain of its own: their epochs and numbers overlap', () => {
    const a = new Uint8Array(32).fill(1)
    const chains = chainsOf([msg(a, 0, 1), msg(a, 0, 2)])
    assert.ok(!covers(chains, msg(a, 0, 1, LAPTOP)), 'the laptop\'s message 0/1 is not the phone\'s')
    assert.ok(!covers(chains, msg(a, 0, 1, PHONE, 1)), 'nor is generation 1\'s')
    const both = chainsOf([msg(a, 0, 1), msg(a, 0, 1, LAPTOP)])
    assert.equal(both.length, 2)
    // a summary from a peer that predates devices names no device: it covers the sender's every device
    const legacy = [{ sender: a, epoch: 0, ranges: [1, 2], device: new Uint8Array(0), generation: 0 }]
    assert.ok(covers(legacy, msg(a, 0, 2, LAPTOP)))
    assert.ok(!covers(legacy, msg(a, 0, 3, LAPTOP)))
  })

  it('verifies a receipt as signed, and refuses one tampered, re-attributed, mis-certified or oversized', async () => {
    const carol = await createIdentity()
    const mallory = await createIdentity()
    const r = await signReceipt(carol, { group, at: 5, held: chainsOf([msg(carol.identityKey.publicKey.raw, 0, 1)]), read: [] }, crypto)
    const back = await verifyReceipt(r.bytes, crypto)
    assert.deepEqual([back.member, back.at, back.held.length], [carol.identityKey.publicKey.raw, 5, 1])
    const signed = SignedReceipt.decode(r.bytes)
    const body = GroupReceipt.decode(signed.receipt)
    const resign = (b: Partial<GroupReceipt>): Uint8Array => SignedReceipt.encode({ receipt: GroupReceipt.encode({ ...body, ...b }), signature: signed.signature })
    // a forwarder adds a read range, or claims it is mallory's, or newer
    await assert.rejects(verifyReceipt(resign({ read: body.held }), crypto), { name: 'ForgedOpError' })
    await assert.rejects(verifyReceipt(resign({ at: 99 }), crypto), { name: 'ForgedOpError' })
    await assert.rejects(verifyReceipt(resign({ member: mallory.identityKey.publicKey.raw }), crypto), { name: 'ForgedOpError' })
    // mallory's device, certified by mallory, cannot speak for carol
    await assert.rejects(verifyReceipt(resign({ certificate: await certifyDevice(heldIdentityKey(mallory.identityKey), mallory.deviceKey) }), crypto), { name: 'ForgedOpError' })
    await assert.rejects(verifyReceipt(new Uint8Array(MAX_RECEIPT_BYTES + 1), crypto), { name: 'OpTooLargeError' })
    await assert.rejects(verifyReceipt(Uint8Array.of(1, 2, 3), crypto), { name: 'MalformedOpError' })
  })

  it('stays under its size bound however much it would say, dropping the oldest chains', async () => {
    const me = await createIdentity()
    const many = Array.from({ length: 128 }, (_, i) => ({ sender: new Uint8Array(32).fill(i), epoch: i, device: new Uint8Array(38).fill(i), generation: 0, ranges: Array.from({ length: 128 }, (_, j) => j * 3) }))
    const r = await signReceipt(me, { group, at: 1, held: many, read: many }, crypto)
    assert.ok(r.bytes.byteLength <= MAX_RECEIPT_BYTES)
    assert.ok(r.held.length < many.length && r.held[r.held.length - 1].epoch === 127, 'the newest chains are kept')
    await verifyReceipt(r.bytes, crypto)
  })

  it('a room keeps the newest receipt of each listed member only, and keeps them across a snapshot', async () => {
    const t = new Team()
    const [a, b, outsider] = [await t.person('alice'), await t.person('bob'), await t.person('mallory')]
    await t.create(a, 'ops', [b])
    await t.settle([a, b])
    const room = a.room as Room
    const of = async (p: typeof a, at: number, g = room.group): Promise<any> => await verifyReceipt((await signReceipt(p.me, { group: g, at, held: [], read: [] }, crypto)).bytes, crypto)
    assert.equal(room.keepReceipt(await of(b, 10)), true)
    assert.equal(room.keepReceipt(await of(b, 10)), false, 'the same again')
    assert.equal(room.keepReceipt(await of(b, 9)), false, 'an older one')
    assert.equal(room.keepReceipt(await of(b, 11)), true)
    assert.equal(room.keepReceipt(await of(outsider, 50)), false, 'not a member')
    assert.equal(room.keepReceipt(await of(b, 60, new Uint8Array(32).fill(9))), false, 'another room')
    const restored = await Room.restore(t.init(a), room.snapshot())
    assert.deepEqual([...restored.receipts.values()].map(r => r.at), [11])
  })
})
