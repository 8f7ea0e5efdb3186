/**
 * Room traffic through mailboxes (protocol/groups/room-mail.ts), in production createFerry nodes
 * (memory transport, memory stores). Carol keeps her mail at hal's node; alice (her contact) and
 * bob (not her contact) are the room's other members. While carol is away every message sealed
 * for her waits at hal, deposited under the room-scoped capability carol gave each of them (bob's
 * reached him through alice); with alice and bob gone too, carol gets every message from hal
 * alone, once, in order. The senders show her `stored`, then `delivered` once her receipt comes
 * back. Mail that does not open, or that a removed member leaves, is dropped at collection.
 */
import assert from 'node:assert/strict'
import { memoryFerries } from '../memory-ferries.js'
import { createIdentity, memoryStores } from '../../protocol/index.js'
import type { Ferry } from '../../protocol/index.js'
import type { Groups } from '../../protocol/groups/groups.js'

const groups = (f: Ferry): Groups => f.groups as Groups

async function until (what: string, ok: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!await ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

async function befriend (a: Ferry, aName: string, b: Ferry, bName: string): Promise<void> {
  await a.roster.add(bName, await b.roster.invite())
  await b.roster.add(aName, await a.roster.invite())
  await a.libp2p.dial(b.libp2p.getMultiaddrs()[0])
}

/** Every open connection of `f` runs the room sync now (the node does it on connect and every 20 s). */
async function syncAll (f: Ferry): Promise<void> {
  for (const c of f.libp2p.getConnections()) await groups(f).syncWith(c)
}

describe('team rooms through mailboxes', function () {
  this.timeout(120_000)
  const nodes = memoryFerries('groups-mail')
  after(async () => { await nodes.stop() })

  it('a member away gets the room\'s messages from its mailbox host alone, once and in order, from a contact and from a member who is not one', async () => {
    const kept = { alice: { stores: memoryStores({ mailbox: true }), identity: await createIdentity() }, carol: { stores: memoryStores({ mailbox: true }), identity: await createIdentity() } }
    let alice = await nodes.node('alice', kept.alice)
    const bob = await nodes.node('bob', { stores: memoryStores({ mailbox: true }) })
    let carol = await nodes.node('carol', kept.carol)
    const hal = await nodes.node('hal', { stores: memoryStores({ mailbox: true }) })
    await befriend(alice, 'alice', bob, 'bob')
    await befriend(alice, 'alice', carol, 'carol')
    await befriend(carol, 'carol', hal, 'hal')
    await hal.mailboxes?.host('carol')
    await carol.useMailboxes(['hal'])
    const room = await groups(alice).create('field', ['bob', 'carol'])
    await until('every key answer has gone round', async () => (await Promise.all([alice, bob, carol].map(async f => (await groups(f).info('field')).converged && (await groups(f).info('field')).keys === 'member'))).every(Boolean))
    // carol hands alice her capabilities (hers for alice, and hers for bob to carry); alice hands bob his
    await syncAll(carol)
    await syncAll(alice)
    assert.equal(bob.libp2p.getConnections().some(c => c.remotePeer.equals(carol.libp2p.peerId)), false, 'bob and carol never met')

    await carol.stop()
    for (let i = 1; i <= 5; i++) {
      await groups(alice).send('field', `a${i}`)
      await groups(bob).send('field', `b${i}`)
    }
    const storedForCarol = async (f: Ferry): Promise<number> => (await groups(f).messages('field')).filter(m => m.direction === 'out' && m.recipients?.stored === 2 && m.recipients.delivered === 1).length
    await until('alice and bob see all ten stored for carol (and delivered to each other)', async () => await storedForCarol(alice) === 5 && await storedForCarol(bob) === 5)
    assert.ok((await hal.needMailboxes().status()).hosting[0].messages >= 10, 'the ten wait at hal')

    // nobody of the room is left: only hal can hand carol anything
    await alice.stop()
    await bob.stop()
    carol = await nodes.node('carol', kept.carol)
    await carol.libp2p.dial(hal.libp2p.getMultiaddrs()[0])
    await carol.collectMail()
    const got = async (): Promise<string[]> => (await groups(carol).messages('field')).filter(m => m.direction === 'in').map(m => m.text)
    await until('carol holds all ten', async () => (await got()).length >= 10)
    const texts = await got()
    assert.deepEqual(texts.filter(t => t.startsWith('a')), ['a1', 'a2', 'a3', 'a4', 'a5'], 'alice\'s, once, in order')
    assert.deepEqual(texts.filter(t => t.startsWith('b')), ['b1', 'b2', 'b3', 'b4', 'b5'], 'bob\'s, once, in order')
    assert.equal(texts.length, 10)
    assert.equal((await hal.needMailboxes().status()).hosting[0].messages, 0, 'carol acked them: hal holds nothing')

    // alice is back: carol's receipt turns her messages delivered to carol
    alice = await nodes.node('alice', kept.alice)
    await alice.libp2p.dial(carol.libp2p.getMultiaddrs()[0])
    await syncAll(alice)
    await until('alice sees her five delivered to both', async () => (await groups(alice).messages(room.group)).filter(m => m.direction === 'out' && m.recipients?.delivered === 2).length === 5)
  })
})
