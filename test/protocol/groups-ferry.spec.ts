/**
 * Team rooms in production createFerry nodes (memory transport, memory stores): `ferry.groups`
 * creates a room with contacts who are not each other's contacts, every member's messages reach
 * the others once and in order (through the admin, who passes them on), the history keeps both
 * directions with each recipient's state, and a member who was away catches up when it connects.
 */
import assert from 'node:assert/strict'
import { memoryFerries } from '../memory-ferries.js'
import { createIdentity, memoryStores } from '../../protocol/index.js'
import type { Ferry } from '../../protocol/index.js'
import type { Groups } from '../../protocol/groups/groups.js'

const groups = (f: Ferry): Groups => f.groups as Groups

async function until (what: string, ok: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!await ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

describe('team rooms in createFerry nodes', function () {
  this.timeout(60_000)
  const nodes = memoryFerries('groups')
  after(async () => { await nodes.stop() })

  async function befriend (a: Ferry, aName: string, b: Ferry, bName: string): Promise<void> {
    await a.roster.add(bName, await b.roster.invite())
    await b.roster.add(aName, await a.roster.invite())
    await a.libp2p.dial(b.libp2p.getMultiaddrs()[0])
  }

  it('alice, bob and carol (bob and carol strangers): each one\'s messages reach the other two once, in order, and the history shows who got them', async () => {
    const [alice, bob, carol] = [await nodes.node('alice'), await nodes.node('bob'), await nodes.node('carol')]
    await befriend(alice, 'alice', bob, 'bob')
    await befriend(alice, 'alice', carol, 'carol')
    const made = await groups(alice).create('ops', ['bob', 'carol'])
    await until('bob and carol hold the room and its keys', async () => (await groups(bob).list())[0]?.keys === 'member' && (await groups(carol).list())[0]?.keys === 'member')
    assert.deepEqual((await groups(bob).info('ops')).members.map(m => m.role).sort(), ['admin', 'member', 'member'])
    for (let i = 1; i <= 3; i++) {
      for (const [f, name] of [[alice, 'alice'], [bob, 'bob'], [carol, 'carol']] as const) await groups(f).send(made.group, `${name} ${i}`)
    }
    const texts = async (f: Ferry): Promise<string[]> => (await groups(f).messages('ops')).map(m => `${m.direction}:${m.text}`)
    await until('everyone holds nine messages', async () => (await Promise.all([alice, bob, carol].map(texts))).every(t => t.length === 9))
    for (const [f, name] of [[alice, 'alice'], [bob, 'bob'], [carol, 'carol']] as const) {
      const got = await texts(f)
      for (const other of ['alice', 'bob', 'carol'].filter(n => n !== name)) {
        assert.deepEqual(got.filter(t => t.startsWith(`in:${other}`)), [1, 2, 3].map(i => `in:${other} ${i}`), `${name} reads ${other}'s three once, in order`)
      }
      assert.deepEqual(got.filter(t => t.startsWith('out:')), [1, 2, 3].map(i => `out:${name} ${i}`))
    }
    const sent = (await groups(alice).messages('ops')).filter(m => m.direction === 'out')
    assert.deepEqual(sent.map(m => m.recipients), sent.map(() => ({ total: 2, stored: 2, delivered: 2, read: 0 })), 'alice reached both directly')
    const fromBob = (await groups(carol).messages('ops')).find(m => m.text === 'bob 1')
    assert.equal(fromBob?.senderName, undefined, 'bob is not carol\'s contact: shown by identity')
    assert.equal(fromBob?.sender, (await groups(alice).info('ops')).members.find(m => m.name === 'bob')?.identity)
    assert.equal((await groups(bob).info('ops')).unread, 6)
    assert.equal(await groups(bob).markRead('ops'), 6)
    assert.equal((await groups(bob).info('ops')).unread, 0)
  })

  it('a member away while two others send 10 each gets all 20 once when it is back, and both senders see it delivered', async () => {
    const stores = memoryStores()
    const identity = await createIdentity()
    const [alice, bob] = [await nodes.node('alice4'), await nodes.node('bob4')]
    let carol = await nodes.node('carol4', { stores, identity })
    await befriend(alice, 'alice', bob, 'bob')
    await befriend(alice, 'alice', carol, 'carol')
    await befriend(bob, 'bob', carol, 'carol')
    await groups(alice).create('field', ['bob', 'carol'])
    await until('bob and carol hold the room and its keys', async () => (await groups(bob).list())[0]?.keys === 'member' && (await groups(carol).list())[0]?.keys === 'member')
    await until('every key answer has gone round', async () => (await Promise.all([alice, bob, carol].map(async f => (await groups(f).info('field')).converged))).every(Boolean))
    await carol.stop()
    for (let i = 1; i <= 10; i++) {
      await groups(alice).send('field', `a${i}`)
      await groups(bob).send('field', `b${i}`)
    }
    const forCarol = async (f: Ferry): Promise<number> => (await groups(f).messages('field')).filter(m => m.direction === 'out' && m.recipients?.delivered === 2).length
    assert.equal(await forCarol(alice), 0, 'nothing delivered to carol while she is away')
    carol = await nodes.node('carol4', { stores, identity }) // back, with her stores: she dials her contacts
    await until('carol holds all twenty', async () => (await groups(carol).messages('field')).filter(m => m.direction === 'in').length === 20)
    const got = (await groups(carol).messages('field')).filter(m => m.direction === 'in').map(m => m.text)
    assert.deepEqual(got.filter(t => t.startsWith('a')), Array.from({ length: 10 }, (_, i) => `a${i + 1}`))
    assert.deepEqual(got.filter(t => t.startsWith('b')), Array.from({ length: 10 }, (_, i) => `b${i + 1}`))
    await until('alice and bob see all ten of theirs delivered to carol too', async () => await forCarol(alice) === 10 && await forCarol(bob) === 10)
  })

  it('ferrying: alice and carol never meet; bob carries alice\'s message to carol and carol\'s receipts back', async () => {
    const [alice, bob, carol] = [await nodes.node('alice5'), await nodes.node('bob5'), await nodes.node('carol5')]
    await befriend(bob, 'bob', alice, 'alice')
    await befriend(bob, 'bob', carol, 'carol')
    await groups(bob).create('relay', ['alice', 'carol'])
    await until('every key answer has gone round', async () => (await Promise.all([alice, bob, carol].map(async f => (await groups(f).list())[0]?.converged === true && (await groups(f).list())[0]?.keys === 'member'))).every(Boolean))
    const link = async (a: Ferry, b: Ferry, up: boolean): Promise<void> => {
      if (up) await a.libp2p.dial(b.libp2p.getMultiaddrs()[0])
      else await a.libp2p.hangUp(b.libp2p.peerId)
    }
    // bob is with alice only: she sends
    await link(bob, carol, false)
    await groups(alice).send('relay', 'from alice')
    await until('bob holds alice\'s message', async () => (await groups(bob).messages('relay')).some(m => m.text === 'from alice'))
    // bob leaves alice and meets carol
    await link(bob, alice, false)
    await link(bob, carol, true)
    await until('carol holds it', async () => (await groups(carol).messages('relay')).some(m => m.text === 'from alice'))
    assert.equal((await groups(carol).messages('relay')).filter(m => m.text === 'from alice').length, 1, 'once')
    assert.equal(await groups(carol).markRead('relay'), 1)
    // (under the façade: which receipts bob's room holds)
    const carol1 = `${Buffer.from(carol.identity.identityKey.publicKey.raw).toString('hex')}/${Buffer.from(carol.libp2p.peerId.toMultihash().bytes).toString('hex')}`
    const carolsReceipt = async (): Promise<any> => (bob.groups as any).rooms.get(Buffer.from((await groups(bob).info('relay')).group, 'hex')).receipts.get(carol1)
    await until('bob holds carol\'s receipt with her read', async () => (await carolsReceipt())?.read.length > 0)
    // bob goes back to alice: carol's receipts travel with him
    await link(bob, carol, false)
    await link(bob, alice, true)
    const mine = async (): Promise<any> => (await groups(alice).messages('relay')).find(m => m.text === 'from alice')?.recipients
    await until('alice sees her message delivered to both and read by carol', async () => (await mine())?.delivered === 2 && (await mine())?.read === 1)
    assert.equal(alice.libp2p.getConnections(carol.libp2p.peerId).length, 0, 'alice and carol never connected')
  })

  it('a partition {alice, bob} | {carol, dave}: alice adds erin while carol (an admin) removes dave; healed through two strangers, all agree and messages flow', async () => {
    const [alice, bob, carol, dave, erin] = await Promise.all(['alice6', 'bob6', 'carol6', 'dave6', 'erin6'].map(async n => await nodes.node(n)))
    for (const [f, n] of [[bob, 'bob'], [carol, 'carol'], [dave, 'dave'], [erin, 'erin']] as const) await befriend(alice, 'alice', f, n)
    await groups(alice).create('split', ['bob', 'carol', 'dave'])
    const all = [alice, bob, carol, dave]
    await until('everyone is in', async () => (await Promise.all(all.map(async f => (await groups(f).list())[0]?.keys === 'member'))).every(Boolean))
    await groups(alice).admin('split', 'carol')
    await until('every view has caught up', async () => (await Promise.all(all.map(async f => { const g = (await groups(f).list())[0]; return g.converged && g.members.some(m => m.name === 'carol' || m.me) && g.members.filter(m => m.role === 'admin').length === 2 }))).every(Boolean))
    // the split: alice–bob (and alice–erin, who is not in the room yet), carol–dave; nothing across
    for (const f of [carol, dave]) await alice.libp2p.hangUp(f.libp2p.peerId)
    await carol.libp2p.dial(dave.libp2p.getMultiaddrs()[0])
    const daveIdentity = (await groups(dave).info('split')).members.find(m => m.me)?.identity as string
    await Promise.all([groups(alice).add('split', ['erin']), groups(carol).remove('split', [daveIdentity])])
    await until('each side applied its own change', async () => (await groups(bob).info('split')).members.length === 5 && (await groups(carol).info('split')).members.length === 3)
    // healed by bob and carol, who are not each other's contacts (they know each other from the log)
    await bob.libp2p.dial(carol.libp2p.getMultiaddrs()[0])
    const members = [alice, bob, carol, erin]
    const view = async (f: Ferry): Promise<string> => { const g = await groups(f).info('split'); return JSON.stringify([g.members.map(m => `${m.identity}:${m.role}`).sort(), g.epoch]) }
    await until('alice, bob, carol and erin hold one membership and one epoch', async () => new Set(await Promise.all(members.map(view))).size === 1 && (await groups(alice).info('split')).members.length === 4, 30_000)
    assert.ok(!(await groups(alice).info('split')).members.some(m => m.identity === daveIdentity), 'dave is out (his removal by an admin stands)')
    assert.ok((await groups(alice).info('split')).members.some(m => m.name === 'erin'), 'erin is in')
    for (const [f, n] of [[alice, 'alice'], [bob, 'bob'], [carol, 'carol'], [erin, 'erin']] as const) await groups(f).send('split', `after heal ${n}`)
    await until('each reads the other three', async () => (await Promise.all(members.map(async f => (await groups(f).messages('split')).filter(m => m.direction === 'in' && m.text.startsWith('after heal')).length))).every(n => n === 3), 30_000)
    assert.equal((await groups(dave).messages('split')).filter(m => m.text.startsWith('after heal')).length, 0, 'dave reads none of it')
    assert.equal(alice.libp2p.getConnections(carol.libp2p.peerId).length, 0, 'the two sides met only through bob and carol')
  })

  it('a message sent to expire is gone from every member\'s history at its time, and shown to nobody after', async () => {
    const [alice, bob] = [await nodes.node('alice8'), await nodes.node('bob8')]
    await befriend(alice, 'alice', bob, 'bob')
    await groups(alice).create('brief', ['bob'])
    await until('bob is in', async () => (await groups(bob).list())[0]?.keys === 'member')
    await groups(alice).send('brief', 'burn after reading', 1_500)
    await groups(alice).send('brief', 'stays')
    await until('bob holds both', async () => (await groups(bob).messages('brief')).length === 2)
    const bobs = await groups(bob).messages('brief')
    assert.ok(bobs[0].expiresAt > Date.now() && bobs[0].expiresAt <= Date.now() + 1_500, 'the expiry travels with the message')
    assert.equal(bobs[1].expiresAt, 0)
    await new Promise(resolve => setTimeout(resolve, 1_600))
    for (const f of [alice, bob]) assert.deepEqual((await groups(f).messages('brief')).map(m => m.text), ['stays'], 'not shown after its time')
    for (const f of [alice, bob]) assert.equal(await groups(f).sweep(), 1, 'and deleted by the sweep')
  })

  it('refuses what a user gets wrong with clear errors', async () => {
    const [dora, eve] = [await nodes.node('dora'), await nodes.node('eve')]
    await befriend(dora, 'dora', eve, 'eve')
    await groups(dora).create('room', ['eve'])
    await assert.rejects(groups(dora).create('room', ['eve']), /already have a group named "room"/)
    await assert.rejects(groups(dora).create('other', ['nobody']), (err: any) => err.name === 'UnknownContactError')
    await assert.rejects(groups(dora).send('nope', 'hi'), (err: any) => err.name === 'UnknownRoomError')
    await assert.rejects(groups(dora).remove('room', ['zed']), /"zed" is not a member/)
    await until('eve holds the room', async () => (await groups(eve).list()).length === 1)
    await assert.rejects(groups(eve).add('room', ['dora']), (err: any) => err.name === 'NotAdminError' || err.name === 'InvalidTargetError')
  })
})
