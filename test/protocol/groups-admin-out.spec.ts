/**
 * Team rooms: an admin's add that loses to the admin's concurrent removal, with the same person
 * added in another branch (so in the same generation). The losing add is void in the log, but its
 * key op still welcomes the person; a member whose log holds only the losing add shuts the person
 * out of its keys, and that key removal must not take out of anyone's keys a person the merged log
 * lists. Found by the room fuzz with admins removable (FERRY_FUZZ_ADMIN_OUT=on, seed 2, path 1102).
 * Real signatures, key agreement and AEAD, in one process (room-team.ts).
 */
import assert from 'node:assert/strict'
import { toHex } from '../../protocol/util/bytes.js'
import { Room } from '../../protocol/groups/room.js'
import { Team } from './room-team.js'
import type { Person } from './room-team.js'

const room = (p: Person): Room => p.room as Room
const names = (t: Team, ids: Iterable<Uint8Array>): string[] => [...ids].map(id => t.nameOf(id)).sort()

/** The key ids `p`'s keys hold (room-intake.ts keeps them private). */
const keyMembers = (p: Person): string[] => [...(room(p) as any).keys.members].sort()

/**
 * Every listed member agrees on the room, holds in its keys exactly the log's members under their
 * current key ids, and reads every other member's message once after the end; `outsiders` read none.
 */
async function keysFollowTheLog (t: Team, listed: Person[], order: Person[], outsiders: Person[]): Promise<void> {
  for (const p of listed) {
    assert.deepEqual(names(t, room(p).state().members.map(m => m.identity)), listed.map(q => q.name).sort(), `${p.name} lists the same members`)
    assert.equal(room(p).keyStatus, 'member', `${p.name} is in the keys`)
    assert.deepEqual(keyMembers(p), listed.map(q => room(p).gens.idAt(toHex(q.id))).sort(), `${p.name}'s keys hold the log's members`)
  }
  for (const p of listed) await t.send(p, `${p.name} at the end`)
  await t.settle(order)
  for (const p of listed) {
    const read = p.got.filter(x => x.endsWith('at the end')).sort()
    assert.deepEqual(read, listed.filter(q => q !== p).map(q => `${q.name}: ${q.name} at the end`).sort(), `${p.name} reads every other member once`)
  }
  for (const p of outsiders) assert.deepEqual(p.got.filter(x => x.endsWith('at the end')), [], `${p.name}, not a member, reads nothing`)
}

/**
 * alice creates the room with bob, carol, dave and erin and promotes dave; dave adds frank while
 * alice removes dave (dave's add loses); erin takes in both and, her log not listing frank, shuts
 * him out of her keys; alice, who has seen none of dave's ops, adds frank herself (with
 * `graceFirst`, after adding grace). Both adds start
 * frank's first generation, so erin's key removal names the key id the merged log lists.
 */
async function losingAddAndSecondAdd (graceFirst = false): Promise<{ t: Team, a: Person, b: Person, c: Person, d: Person, e: Person, f: Person, g: Person, erins: Uint8Array[], alicesFirst: Uint8Array[], alicesAdd: Uint8Array[] }> {
  const t = new Team()
  const [a, b, c, d, e, f, g] = [await t.person('alice'), await t.person('bob'), await t.person('carol'), await t.person('dave'), await t.person('erin'), await t.person('frank'), await t.person('grace')]
  await t.create(a, 'ops', [b, c, d, e])
  t.sent(await room(a).change({ kind: 'promote', member: d.id }))
  await t.settle([a, b, c, d, e])
  f.room = await Room.fromRoot(t.init(f), t.ops[0])
  g.room = await Room.fromRoot(t.init(g), t.ops[0])
  const daves = await room(d).add(f.id)
  const removal = await room(a).remove(d.id)
  t.sent([...daves, ...removal])
  const answered = await t.deliver(e, [...daves, ...removal])
  const erins = answered.ops
  assert.ok(!keyMembers(e).includes(toHex(f.id)), 'erin has shut frank out of her keys')
  const alicesFirst = graceFirst ? await room(a).add(g.id) : []
  t.sent(alicesFirst)
  const alicesAdd = await room(a).add(f.id)
  t.sent(alicesAdd)
  assert.equal(room(a).gens.idAt(toHex(f.id)), toHex(f.id), 'alice\'s add starts frank\'s first generation, as dave\'s did')
  return { t, a, b, c, d, e, f, g, erins, alicesFirst, alicesAdd }
}

describe('team rooms: an admin\'s add that loses to its author\'s removal, the same person added in another branch', function () {
  this.timeout(120_000)

  it('a member who added the person itself keeps him in its keys when a key removal written without that add arrives', async () => {
    const { t, a, b, c, d, e, f } = await losingAddAndSecondAdd()
    // alice takes in erin's key removal of frank after her own add of him
    await t.deliver(a, [...t.ops])
    assert.deepEqual(names(t, room(a).state().members.map(m => m.identity)), ['alice', 'bob', 'carol', 'erin', 'frank'])
    assert.ok(keyMembers(a).includes(toHex(f.id)), 'alice\'s log lists frank, and so do her keys')
    await t.settle([a, b, c, e, f, d])
    await keysFollowTheLog(t, [a, b, c, e, f], [a, b, c, e, f, d], [d])
  })

  it('the person hears of the key removal of him before the add that lists him: he waits for its welcome and is in the keys', async () => {
    const { t, a, b, c, d, e, f, erins, alicesAdd } = await losingAddAndSecondAdd()
    // frank: dave's welcome (void), alice's removal of dave, erin's key removal of him; alice's add last
    await t.deliver(f, t.ops.filter(o => !alicesAdd.includes(o) && !erins.includes(o)))
    assert.equal(room(f).keyStatus, 'member', 'dave\'s welcome brings frank into the keys')
    await t.deliver(f, erins)
    assert.equal(room(f).keyStatus, 'paused', 'the log does not list frank: shut out, he waits for an add that lists him')
    await t.deliver(f, alicesAdd)
    assert.equal(room(f).keyStatus, 'member', 'alice\'s welcome brings him in again')
    await t.settle([f, b, c, e, a, d])
    await keysFollowTheLog(t, [a, b, c, e, f], [f, b, c, e, a, d], [d])
  })

  it('the person shut out while he waits for the second add has answered a concurrent add the second add\'s author did not know: its newcomer reads him', async () => {
    const t = new Team()
    const [a, b, c, d, e, f, g] = [await t.person('alice'), await t.person('bob'), await t.person('carol'), await t.person('dave'), await t.person('erin'), await t.person('frank'), await t.person('grace')]
    await t.create(a, 'ops', [b, c, d, e])
    t.sent(await room(a).change({ kind: 'promote', member: d.id }))
    t.sent(await room(a).change({ kind: 'promote', member: b.id }))
    await t.settle([a, b, c, d, e])
    f.room = await Room.fromRoot(t.init(f), t.ops[0])
    g.room = await Room.fromRoot(t.init(g), t.ops[0])
    const settled = [...t.ops]
    // none of alice, bob and dave sees the others' ops: dave adds frank, alice removes dave, bob adds grace
    const daves = await room(d).add(f.id)
    const removal = await room(a).remove(d.id)
    const bobs = await room(b).add(g.id)
    t.sent([...daves, ...removal, ...bobs])
    const erins = (await t.deliver(e, [...daves, ...removal])).ops
    // frank is welcomed by dave's add and answers bob's add of grace (held: no add lists him yet),
    // then is shut out by erin; alice, who knows neither dave's add nor grace, adds him
    await t.deliver(f, [...settled, ...daves, ...bobs])
    assert.equal(room(f).keyStatus, 'member', 'dave\'s welcome brings frank into the keys')
    await t.deliver(f, [...removal, ...erins])
    assert.equal(room(f).keyStatus, 'paused', 'shut out, frank waits for an add that lists him')
    const alicesAdd = await room(a).add(f.id)
    t.sent(alicesAdd)
    await t.deliver(f, alicesAdd)
    assert.equal(room(f).keyStatus, 'member', 'alice\'s welcome brings him in again')
    await t.settle([f, g, a, b, c, e, d])
    await keysFollowTheLog(t, [a, b, c, e, f, g], [f, g, a, b, c, e, d], [d])
  })

  it('the person shut out goes on answering what comes before the second add: a newcomer the second add\'s author brought in first reads him', async () => {
    const { t, a, b, c, d, e, f, g, alicesFirst, alicesAdd } = await losingAddAndSecondAdd(true)
    await t.deliver(f, t.ops.filter(o => !alicesAdd.includes(o) && !alicesFirst.includes(o)))
    assert.equal(room(f).keyStatus, 'paused')
    // alice's add of grace reaches frank while he is paused, then alice's add of him
    await t.deliver(f, alicesFirst)
    await t.deliver(f, alicesAdd)
    assert.equal(room(f).keyStatus, 'member')
    await t.settle([f, g, a, b, c, e, d])
    await keysFollowTheLog(t, [a, b, c, e, f, g], [f, g, a, b, c, e, d], [d])
  })

  it('a member who takes in the second add between the removal\'s op and its key op keeps the person, and so does everyone after', async () => {
    const { t, a, b, c, d, e, f, erins } = await losingAddAndSecondAdd()
    // bob: everything but erin's answers, then those
    await t.deliver(b, t.ops.filter(o => !erins.includes(o)))
    assert.ok(keyMembers(b).includes(toHex(f.id)))
    await t.deliver(b, erins)
    assert.ok(keyMembers(b).includes(toHex(f.id)), 'bob\'s log lists frank, and so do his keys')
    await t.settle([b, c, e, f, a, d])
    await keysFollowTheLog(t, [a, b, c, e, f], [b, c, e, f, a, d], [d])
  })
})
