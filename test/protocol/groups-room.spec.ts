/**
 * A team room end to end in one process: members hold a Room each (membership log + DCGKA +
 * signed messages) and hand each other bytes through an in-test network that can hold, reorder
 * and duplicate. No mocks: real signatures, real key agreement, real AEAD.
 */
import assert from 'node:assert/strict'
import { toHex } from '../../protocol/util/bytes.js'
import { signOp } from '../../protocol/groups/ops.js'
import { Room } from '../../protocol/groups/room.js'
import { removeMember } from '../../protocol/groups/dcgka.js'
import { crypto, curious, Team } from './room-team.js'
import type { Person } from './room-team.js'

const texts = (p: Person, from?: string): string[] => p.got.filter(t => from == null || t.startsWith(`${from}: `))
const members = (p: Person): string[] => (p.room as Room).state().members.map(m => toHex(m.identity))

describe('team rooms: a Room per member', function () {
  this.timeout(120_000)

  it('three members, two of whom are not each other\'s contacts: every message reaches the other two once, in per-author order', async () => {
    const t = new Team()
    const [a, b, c] = [await t.person('alice'), await t.person('bob'), await t.person('carol')]
    await t.create(a, 'ops', [b, c])
    await t.settle([a, b, c])
    for (const p of [a, b, c]) assert.equal(p.room?.keyStatus, 'member', `${p.name} is in the keys`)
    for (let i = 1; i <= 3; i++) for (const p of [a, b, c]) await t.send(p, `${p.name} ${i}`)
    // deliver in order, then everything again in reverse: the room must neither lose nor repeat
    const all = [...t.messages]
    for (const p of [a, b, c]) {
      await t.deliver(p, [], all)
      await t.deliver(p, [], [...all].reverse())
    }
    for (const p of [a, b, c]) {
      for (const q of [a, b, c]) {
        if (p === q) continue
        const theirs = texts(p, q.name)
        assert.equal(theirs.length, 3, `${p.name} has ${q.name}'s 3 messages once each: ${theirs.join(' | ')}`)
        assert.deepEqual(theirs, [1, 2, 3].map(i => `${q.name}: ${q.name} ${i}`))
      }
    }
  })

  it('an offline member catches up on 20 messages delivered late, out of order and twice, exactly once', async () => {
    const t = new Team()
    const [a, b, c] = [await t.person('alice'), await t.person('bob'), await t.person('carol')]
    await t.create(a, 'ops', [b, c])
    await t.settle([a, b, c])
    for (let i = 1; i <= 10; i++) {
      await t.send(a, `away a${i}`)
      await t.send(b, `away b${i}`)
    }
    await t.settle([a, b])
    const shuffled = [...t.messages].sort(() => 0.5 - Math.random())
    await t.deliver(c, [], shuffled)
    await t.deliver(c, [...t.ops].reverse(), shuffled)
    const away = texts(c).filter(x => x.includes('away'))
    assert.equal(away.length, 20, away.join(' | '))
    assert.equal(new Set(away).size, 20)
  })

  it('removal: nothing sent after it opens for the removed member, with its whole state and every byte; its own sends are refused', async () => {
    const t = new Team()
    const [a, b, c] = [await t.person('alice'), await t.person('bob'), await t.person('carol')]
    await t.create(a, 'ops', [b, c])
    await t.settle([a, b, c])
    await t.send(a, 'before')
    await t.settle([a, b, c])
    assert.deepEqual(texts(c, 'alice'), ['alice: before'])

    curious(c)
    t.sent(await (a.room as Room).remove(c.id))
    await t.settle([a, b])
    // carol has not heard yet and sends: alice and bob, who applied the removal, refuse it
    await t.send(c, 'i am still here')
    await t.send(a, 'after from alice')
    await t.send(b, 'after from bob')
    // c receives every op and every message, including the ones a mailbox or bob would forward
    await t.settle([a, b, c])
    assert.deepEqual(texts(c).filter(x => x.includes('after')), [], 'carol opened nothing sent after her removal')
    assert.equal(c.room?.keyStatus, 'member', 'carol, curious, kept every key she had')
    assert.ok(texts(b, 'alice').includes('alice: after from alice'))
    assert.ok(texts(a, 'bob').includes('bob: after from bob'))
    for (const p of [a, b]) {
      assert.deepEqual(texts(p, 'carol').filter(x => x.includes('still')), [], `${p.name} refused carol's message`)
      assert.ok(p.refused.some(e => e.name === 'RemovedMemberError'), `${p.name} says why`)
    }
    // what she sends with the keys she kept is refused too
    const kept = await t.send(c, 'and now?').catch(err => err)
    if (!(kept instanceof Error)) await t.settle([a, b])
    for (const p of [a, b]) assert.deepEqual(texts(p, 'carol').filter(x => x.includes('and now')), [])
    assert.equal(members(a).length, 2)
    assert.deepEqual(members(a), members(b))
  })

  it('partition: {alice,bob} and {carol,dave}; alice adds erin while carol removes dave; after healing all agree and messages flow', async () => {
    const t = new Team()
    const [a, b, c, d, e] = [await t.person('alice'), await t.person('bob'), await t.person('carol'), await t.person('dave'), await t.person('erin')]
    await t.create(a, 'ops', [b, c, d])
    t.sent(await (a.room as Room).change({ kind: 'promote', member: c.id }))
    await t.settle([a, b, c, d])
    const split = t.ops.length
    // left half
    const left = await (a.room as Room).add(e.id)
    e.room = await Room.fromRoot(t.init(e), t.ops[0])
    // right half
    const right = await (c.room as Room).remove(d.id)
    const leftOps = [...left]
    const rightOps = [...right]
    for (let i = 0; i < 5; i++) {
      for (const p of [a, b, e]) leftOps.push(...(await p.room?.receive(leftOps))?.ops ?? [])
      for (const p of [c, d]) rightOps.push(...(await p.room?.receive(rightOps))?.ops ?? [])
    }
    assert.ok(t.ops.length >= split)
    t.sent([...leftOps, ...rightOps])
    // heal: everyone gets everything, in different orders
    await t.settle([c, d, a, b, e])
    const everyone = [a, b, c, e]
    const states = everyone.map(p => (p.room as Room).state())
    for (const s of states) {
      assert.deepEqual(s.members.map(m => toHex(m.identity)), states[0].members.map(m => toHex(m.identity)))
      assert.equal(s.epoch, states[0].epoch)
    }
    assert.deepEqual(new Set(states[0].members.map(m => t.nameOf(m.identity))), new Set(['alice', 'bob', 'carol', 'erin']))
    for (const p of everyone) await t.send(p, `healed ${p.name}`)
    await t.settle([a, b, c, d, e])
    for (const p of everyone) {
      const healed = texts(p).filter(x => x.includes('healed'))
      assert.equal(healed.length, 3, `${p.name}: ${healed.join(' | ')}`)
    }
    assert.deepEqual(texts(d).filter(x => x.includes('healed')), [], 'dave, removed, reads nothing after')
  })

  it('refuses a non-admin add, a forged signature, a removed member\'s op, a replay and a tampered message; honest traffic continues', async () => {
    const t = new Team()
    const [a, b, c, m] = [await t.person('alice'), await t.person('bob'), await t.person('carol'), await t.person('mallory')]
    await t.create(a, 'ops', [b, c])
    await t.settle([a, b, c])
    const log = (b.room as Room).log
    // bob, not an admin, adds mallory: stored, without effect, everywhere
    const rogue = await signOp({ group: log.group, parents: log.heads(), seq: log.nextSeq(b.id), body: { kind: 'add', member: m.id } }, b.me, crypto)
    t.sent([rogue.bytes])
    await t.deliver(a, [rogue.bytes])
    await t.deliver(c, [rogue.bytes])
    for (const p of [a, c]) assert.equal((p.room as Room).log.verdict(rogue.id).constructor.name, 'NotAdminError')
    assert.ok(!members(a).includes(toHex(m.id)))
    // bob, not an admin, sends a key removal of carol: nobody processes it, carol keeps reading
    const bobKeys = (b.room as any).keys
    const keyRemoval = await removeMember(crypto, bobKeys, toHex(c.id), t.directory)
    const rogueKey = await signOp({ group: log.group, parents: [rogue.id], seq: rogue.seq + 1, body: { kind: 'key', payload: keyRemoval.payload } }, b.me, crypto)
    t.sent([rogueKey.bytes])
    for (const p of [a, c]) {
      const changes = await t.deliver(p, [rogueKey.bytes])
      assert.equal(changes.refused[0]?.error.name, 'InvalidKeyOperationError', `${p.name} refuses bob's key removal`)
    }
    await t.send(a, 'still with carol')
    await t.settle([a, c])
    assert.ok(texts(c, 'alice').includes('alice: still with carol'))
    // a forged signature
    const forged = (await t.send(a, 'honest 1')).slice()
    forged[forged.length - 5] ^= 1
    const changes = await t.deliver(c, [], [forged])
    assert.equal(changes.refused[0]?.error.name, 'ForgedOpError')
    // a tampered op
    const tampered = rogue.bytes.slice()
    tampered[tampered.length - 1] ^= 1
    assert.equal((await (c.room as Room).receive([tampered])).refused[0]?.error.name, 'ForgedOpError')
    // a replay: the same op and the same message again change nothing
    await t.settle([a, b, c])
    const stateBefore = (c.room as Room).state().epoch
    const gotBefore = c.got.length
    await t.deliver(c, [...t.ops], [...t.messages])
    assert.equal((c.room as Room).state().epoch, stateBefore)
    assert.equal(c.got.length, gotBefore)
    // a removed member's later op
    t.sent(await (a.room as Room).remove(c.id))
    await t.settle([a, b, c])
    const late = await signOp({ group: log.group, parents: (c.room as Room).log.heads(), seq: (c.room as Room).log.nextSeq(c.id), body: { kind: 'rename', name: 'mine now' } }, c.me, crypto)
    const lateChanges = await t.deliver(b, [late.bytes])
    assert.deepEqual(lateChanges.refused, [])
    assert.deepEqual(lateChanges.missing, [])
    assert.equal((b.room as Room).log.verdict(late.id).constructor.name, 'RemovedMemberError')
    assert.notEqual((b.room as Room).state().name, 'mine now')
    // honest traffic continues
    await t.send(a, 'honest 2')
    await t.settle([a, b])
    assert.ok(texts(b, 'alice').includes('alice: honest 2'))
  })

  it('a room restored from its snapshot goes on: it opens what was held and what comes later, and refuses what it refused', async () => {
    const t = new Team()
    const [a, b, c] = [await t.person('alice'), await t.person('bob'), await t.person('carol')]
    await t.create(a, 'ops', [b, c])
    await t.settle([a, b, c])
    await t.send(a, 'one')
    await t.settle([a, b, c])
    // carol's message reaches bob before her update does: it waits in bob's room
    const update = await (c.room as Room).update()
    const early = await t.send(c, 'after my update')
    await t.deliver(b, [], [early])
    assert.equal((b.room as Room).held, 1)
    const restored = await Room.restore(t.init(b), (b.room as Room).snapshot())
    assert.deepEqual(restored.state(), (b.room as Room).state())
    assert.deepEqual([...restored.kept.keys()], [...(b.room as Room).kept.keys()], 'what bob can ferry survives')
    assert.equal(restored.kept.size, 1)
    b.room = restored
    t.sent(update)
    // only ops now: the message it held before the restore opens
    await t.deliver(b, [...t.ops])
    assert.deepEqual(texts(b), ['alice: one', 'carol: after my update'])
    await t.send(a, 'two')
    await t.settle([a, b, c])
    assert.deepEqual(texts(b), ['alice: one', 'carol: after my update', 'alice: two'])
    // the restored room's answers count: alice and carol still read bob
    await t.send(b, 'from the restored bob')
    await t.settle([a, b, c])
    for (const p of [a, c]) assert.ok(texts(p, 'bob').includes('bob: from the restored bob'), p.name)
    await assert.rejects(Room.restore(t.init(b), new Uint8Array([1, 2, 3])), { name: 'MalformedOpError' })
  })

  it('a member who leaves reads nothing sent by those who have seen the leave', async () => {
    const t = new Team()
    const [a, b, c] = [await t.person('alice'), await t.person('bob'), await t.person('carol')]
    await t.create(a, 'ops', [b, c])
    await t.settle([a, b, c])
    t.sent(await (c.room as Room).leave())
    await t.settle([a, b, c])
    await t.send(a, 'after carol left')
    await t.send(b, 'bob after carol left')
    await t.settle([a, b, c])
    assert.deepEqual(texts(c).filter(x => x.includes('after')), [])
    assert.ok(texts(b, 'alice').includes('alice: after carol left'))
    assert.deepEqual(members(a), members(b))
    assert.equal(members(a).length, 2)
  })

  it('a re-add that loses to a concurrent removal: the log says out, and the keys follow it', async () => {
    const t = new Team()
    const [a, c, e] = [await t.person('alice'), await t.person('carol'), await t.person('erin')]
    await t.create(a, 'ops', [c, e])
    t.sent(await (a.room as Room).change({ kind: 'promote', member: c.id }))
    await t.settle([a, c, e])
    // alice removes erin and adds her back; carol, who has not seen either, removes erin too
    const mine = [...await (a.room as Room).remove(e.id), ...await (a.room as Room).add(e.id)]
    const theirs = await (c.room as Room).remove(e.id)
    t.sent([...mine, ...theirs])
    // erin is curious: she never applies a key removal of herself (she keeps her keys and goes on
    // processing everything else), so what she can read is what the others' keys let her
    curious(e)
    // erin sees alice's ops first, carol's removal last; alice and carol in the other order
    await t.deliver(e, mine)
    await t.settle([c, a, e])
    for (const p of [a, c, e]) assert.deepEqual(members(p), [a, c].map(p => toHex(p.id)).sort(), `${p.name} agrees erin is out`)
    await t.send(a, 'after the race from alice')
    await t.send(c, 'after the race from carol')
    await t.settle([a, c, e])
    assert.deepEqual(texts(e).filter(x => x.includes('after the race')), [], 'erin reads nothing sent after the race')
    assert.ok(texts(c, 'alice').includes('alice: after the race from alice'))
    assert.ok(texts(a, 'carol').includes('carol: after the race from carol'))
  })

  it('cards: the two-party keys come from the log, a forged card is refused, and a missing one is a clear error', async () => {
    const t = new Team()
    const [a, b, m, x] = [await t.person('alice'), await t.person('bob'), await t.person('mallory'), await t.person('xavier')]
    await t.create(a, 'ops', [b])
    await t.settle([a, b])
    // alice adds xavier with a card mallory made (mallory's key, signed by mallory, claimed for xavier)
    const log = (a.room as Room).log
    const forged = await signOp({ group: log.group, parents: log.heads(), seq: log.nextSeq(a.id), body: { kind: 'add', member: x.id, card: m.card } }, a.me, crypto)
    assert.equal((await (b.room as Room).receive([forged.bytes])).refused[0]?.error.name, 'ForgedOpError')
    // a person whose card nobody gave us cannot be added
    const stranger = await t.person('stranger')
    t.people.delete('stranger')
    await assert.rejects((a.room as Room).add(stranger.id), { name: 'UnknownCardError' })
    // the honest add carries xavier's own card, and bob (never given it) opens a channel with it
    t.sent(await (a.room as Room).add(x.id))
    x.room = await Room.fromRoot(t.init(x), t.ops[0])
    await t.settle([a, b, x])
    await t.send(b, 'hello xavier')
    await t.settle([a, b, x])
    assert.deepEqual(texts(x, 'bob'), ['bob: hello xavier'])
  })
})
