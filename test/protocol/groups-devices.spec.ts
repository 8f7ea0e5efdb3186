/**
 * Team rooms on linked devices, at the protocol layer (docs/rooms-on-devices.md): every device of
 * a person is its own participant in the room's keys, as a device of the same member. Real Rooms
 * (membership log, DCGKA, message ratchet), bytes handed around by the test (room-team.ts).
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { Room } from '../../protocol/groups/room.js'
import { deviceKeyId } from '../../protocol/groups/generations.js'
import { NotADeviceError, NotMemberError, RemovedDeviceError } from '../../protocol/groups/errors.js'
import { Team, curious, te } from './room-team.js'
import type { Person } from './room-team.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const room = (p: Person): Room => p.room as Room

/** alice (admin), bob and carol in one room, every key settled. */
async function team (): Promise<{ t: Team, alice: Person, bob: Person, carol: Person }> {
  const t = new Team()
  const [alice, bob, carol] = [await t.person('alice'), await t.person('bob'), await t.person('carol')]
  await t.create(alice, 'field team', [bob, carol])
  await t.settle([alice, bob, carol])
  return { t, alice, bob, carol }
}

describe('team rooms on linked devices (protocol)', function () {
  this.timeout(120_000)

  it('derives a named device\'s key id as documented', () => {
    const identity = 'aa'.repeat(32)
    const peer = '00240801122020' + 'bb'.repeat(32)
    const n = Buffer.alloc(4)
    n.writeUInt32BE(3)
    const expected = createHash('sha256').update(Buffer.concat([Buffer.from('ferry/group/device/v1'), Buffer.from(identity, 'hex'), n, Buffer.from(peer, 'hex')])).digest('hex')
    assert.equal(deviceKeyId(identity, 3, peer), expected)
  })

  it('brings a linked device in with no admin: it reads what is sent after, and everyone reads it', async () => {
    const { t, alice, bob, carol } = await team()
    const bob2 = await t.device(bob, 'bob2')
    await t.link(bob, bob2) // bob is no admin
    await t.settle([alice, bob, carol, bob2])
    for (const p of [alice, bob, carol, bob2]) assert.equal(room(p).keyStatus, 'member', `${p.name}'s keys`)
    assert.deepEqual(room(alice).state().members.length, 3, 'still three members')
    assert.deepEqual(room(bob2).devices(), room(bob).devices())
    assert.equal(room(bob).devices().length, 2)

    await t.send(carol, 'after the link')
    await t.settle([alice, bob, carol, bob2])
    assert.deepEqual(bob2.got, ['carol: after the link'])
    assert.deepEqual(bob.got, ['carol: after the link'])

    await t.send(bob2, 'from the laptop')
    await t.settle([alice, bob, carol, bob2])
    for (const p of [alice, carol]) assert.ok(p.got.includes('bob: from the laptop'), `${p.name} reads bob's laptop`)
    assert.ok(bob.got.includes('bob: from the laptop'), 'bob\'s first device reads what his laptop sent, as his own')
    assert.equal(bob2.got.filter(g => g === 'bob: from the laptop').length, 0, 'a device does not open its own message')
    for (const p of [alice, bob, carol, bob2]) assert.deepEqual(p.refused.map(e => e.message), [], `${p.name} refused nothing`)
  })

  it('keeps what was sealed before the add closed to the new device', async () => {
    const { t, alice, bob, carol } = await team()
    const before = await t.send(carol, 'before the link')
    const alice2 = await t.device(alice, 'alice2')
    await t.link(alice, alice2)
    await t.settle([alice, bob, carol, alice2])
    await t.deliver(alice2, [...t.ops], [before])
    assert.deepEqual(alice2.got, [], 'carol sealed it before she processed the add')
    assert.ok(alice.got.includes('carol: before the link'))
  })

  it('refuses ops and messages from a device the room does not name, once the member named its devices', async () => {
    const { t, alice, bob, carol } = await team()
    const bob2 = await t.device(bob, 'bob2')
    await t.link(bob, bob2)
    const stray = await t.device(bob, 'stray')
    stray.room = await Room.fromRoot(t.init(stray), t.ops[0])
    await t.settle([alice, bob, carol, bob2, stray])
    assert.notEqual(room(stray).keyStatus, 'member', 'a device of a member is not in the room by itself')
    await assert.rejects(room(stray).send(te.encode('let me in')), NotMemberError)
    await assert.rejects(room(stray).leave(), NotADeviceError)
    for (const p of [alice, carol]) assert.equal(room(p).devices(hex(bob.id)).length, 2)
  })

  it('writes from two devices of one person at once without a fork, and every op counts', async () => {
    const { t, alice, bob, carol } = await team()
    const alice2 = await t.device(alice, 'alice2')
    await t.link(alice, alice2)
    await t.settle([alice, bob, carol, alice2])
    // both of alice's devices act before hearing of each other
    t.sent(await room(alice).update())
    t.sent(await room(alice2).change({ kind: 'rename', name: 'renamed on the laptop' }))
    t.sent(await room(alice2).update())
    await t.send(alice, 'phone')
    await t.send(alice2, 'laptop')
    await t.settle([alice, bob, carol, alice2])
    for (const p of [alice, bob, carol, alice2]) {
      assert.equal(room(p).state().name, 'renamed on the laptop', `${p.name} has the rename`)
      assert.equal(room(p).keyStatus, 'member')
    }
    for (const p of [bob, carol]) assert.deepEqual(p.got.filter(g => g.startsWith('alice')).sort(), ['alice: laptop', 'alice: phone'])
    assert.deepEqual(alice.got, ['alice: laptop'])
    assert.deepEqual(alice2.got, ['alice: phone'])
    assert.equal(new Set(room(bob).state().heads).size, room(alice2).state().heads.length)
  })

  it('takes a revoked device out: it opens nothing sealed afterwards, and what it sends is refused', async () => {
    const { t, alice, bob, carol } = await team()
    const bob2 = await t.device(bob, 'bob2')
    await t.link(bob, bob2)
    await t.settle([alice, bob, carol, bob2])
    curious(bob2) // keeps every key it ever had
    const late = await room(bob2).send(te.encode('sent before it heard'))
    t.sent(await room(bob).removeDevice(t.peer(bob2)))
    await t.settle([alice, bob, carol, bob2])
    await t.send(alice, 'after the revoke')
    await t.send(bob, 'bob after the revoke')
    await t.settle([alice, bob, carol, bob2])
    assert.ok(!bob2.got.includes('alice: after the revoke'), 'the revoked device reads nothing sealed after')
    assert.ok(!bob2.got.includes('bob: bob after the revoke'))
    assert.ok(bob.got.includes('alice: after the revoke'), 'bob\'s remaining device still reads')
    await t.deliver(carol, [], [late.bytes])
    assert.ok(!carol.got.includes('bob: sent before it heard'), 'remove wins: a message from a device taken out is refused')
    assert.ok(carol.refused.some(e => e instanceof RemovedDeviceError))
    await assert.rejects(room(bob2).send(te.encode('still here?')), NotMemberError)
    assert.equal(room(alice).state().members.length, 3, 'bob is still a member')
    assert.deepEqual(room(alice).devices(hex(bob.id)), room(bob).devices())
    assert.equal(room(alice).devices(hex(bob.id)).length, 1)
  })

  it('takes every device out with the member, and a re-added member\'s device is brought in again', async () => {
    const { t, alice, bob, carol } = await team()
    const bob2 = await t.device(bob, 'bob2')
    await t.link(bob, bob2)
    await t.settle([alice, bob, carol, bob2])
    curious(bob2)
    t.sent(await room(alice).remove(bob.id))
    await t.settle([alice, bob, carol, bob2])
    await t.send(carol, 'without bob')
    await t.settle([alice, bob, carol, bob2])
    assert.ok(!bob.got.includes('carol: without bob'))
    assert.ok(!bob2.got.includes('carol: without bob'), 'removing the member takes out every device')
    t.sent(await room(alice).add(bob.id))
    await t.settle([alice, bob, carol, bob2])
    assert.equal(room(bob).keyStatus, 'member')
    assert.equal(room(bob).log.devicesOf(hex(bob.id))?.named.size, 0, 'a new generation starts with the base alone')
    const bob2again = await t.device(bob, 'bob2-again')
    await t.link(bob, bob2again)
    await t.settle([alice, bob, carol, bob2again])
    await t.send(carol, 'bob is back')
    await t.settle([alice, bob, carol, bob2again])
    assert.ok(bob.got.includes('carol: bob is back'))
    assert.ok(bob2again.got.includes('carol: bob is back'))
  })

  it('holds a message from a new device until its AddDevice arrives, then opens it once', async () => {
    const { t, alice, bob, carol } = await team()
    const alice2 = await t.device(alice, 'alice2')
    const opsBefore = t.ops.length
    await t.link(alice, alice2)
    // everyone but carol hears of the link
    await t.settle([alice, bob, alice2])
    const early = await t.send(alice2, 'hello from the laptop')
    await t.deliver(carol, t.ops.slice(0, opsBefore), [early])
    assert.deepEqual(carol.got, [], 'carol does not know the laptop yet')
    await t.settle([alice, bob, carol, alice2])
    assert.deepEqual(carol.got.filter(g => g === 'alice: hello from the laptop'), ['alice: hello from the laptop'])
  })
})
