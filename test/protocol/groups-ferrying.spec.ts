/**
 * Ferrying between units that never meet: alice and carol never exchange a byte; bob meets alice,
 * then carol, and each meeting is only an exchange of summaries and the answers to them
 * (protocol/groups/ferrying.ts). Real Rooms, real crypto; the "network" is the meetings.
 */
import assert from 'node:assert/strict'
import { answer, MAX_SUMMARY_BYTES, summarize } from '../../protocol/groups/ferrying.js'
import { Team } from './room-team.js'
import type { Person } from './room-team.js'
import type { Room } from '../../protocol/groups/room.js'

const texts = (p: Person, from?: string): string[] => p.got.filter(t => from == null || t.startsWith(`${from}: `))

/** Two members meet: each answers the other's summary until neither has anything to give. */
async function meet (t: Team, p: Person, q: Person): Promise<number> {
  let carried = 0
  for (let round = 0; round < 6; round++) {
    const toQ = answer(p.room as Room, summarize(q.room as Room))
    await t.deliver(q, toQ.ops, toQ.messages)
    const toP = answer(q.room as Room, summarize(p.room as Room))
    await t.deliver(p, toP.ops, toP.messages)
    const n = toQ.ops.length + toQ.messages.length + toP.ops.length + toP.messages.length
    carried += n
    if (n === 0) return carried
  }
  throw new Error('the meeting never ended')
}

describe('team rooms: ferrying by anti-entropy', function () {
  this.timeout(60_000)

  it("alice's message reaches carol through bob exactly once, and carol's reply comes back the same way", async () => {
    const t = new Team()
    const [a, b, c] = [await t.person('alice'), await t.person('bob'), await t.person('carol')]
    await t.create(a, 'field', [b, c])
    // even the room itself travels by ferry: alice meets bob, bob meets carol
    await meet(t, a, b)
    await meet(t, b, c)
    await meet(t, a, b)
    for (const p of [a, b, c]) assert.equal(p.room?.keyStatus, 'member', p.name)

    await t.send(a, 'from alice, far away')
    await meet(t, a, b)
    await meet(t, b, c)
    await meet(t, b, c) // meeting again carries nothing new and repeats nothing
    assert.deepEqual(texts(c), ['alice: from alice, far away'])
    assert.deepEqual(texts(b), ['alice: from alice, far away'])

    await t.send(c, 'carol answers')
    await meet(t, c, b)
    await meet(t, b, a)
    assert.deepEqual(texts(a), ['carol: carol answers'])
    // all three now hold the same: another round of meetings carries nothing
    assert.equal(await meet(t, a, b) + await meet(t, b, c), 0)
  })

  it('an answer stays within its budget and a bad summary is refused with a clear error', async () => {
    const t = new Team()
    const [a, b] = [await t.person('alice'), await t.person('bob')]
    await t.create(a, 'field', [b])
    await meet(t, a, b)
    for (let i = 0; i < 20; i++) await t.send(a, `m${i} ${'x'.repeat(900)}`)
    const small = answer(a.room as Room, summarize(b.room as Room), 8 * 1024)
    const size = [...small.ops, ...small.messages].reduce((n, x) => n + x.byteLength, 0)
    assert.ok(size <= 8 * 1024 && small.messages.length > 0 && small.messages.length < 20, `${size} bytes, ${small.messages.length} messages`)
    await meet(t, a, b)
    assert.equal(texts(b).length, 20)
    assert.throws(() => answer(a.room as Room, new Uint8Array([0xff, 0xff, 0xff])), { name: 'MalformedOpError' })
    assert.throws(() => answer(a.room as Room, new Uint8Array(MAX_SUMMARY_BYTES + 1)), { name: 'MalformedOpError' })
    const other = await t.person('other')
    const elsewhere = await t.person('elsewhere')
    await t.create(other, 'another room', [elsewhere])
    assert.throws(() => answer(a.room as Room, summarize(other.room as Room)), { name: 'MalformedOpError' })
  })
})
