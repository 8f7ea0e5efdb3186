/**
 * Room traffic through mailboxes (protocol/groups/room-mail.ts), in production createFerry nodes
 * (memory transport, memory stores). Carol keeps her mail at hal's node; alice (her contact) and
 * bob (not her contact) are the room's other members. While carol is away every message sealed
 * for her waits at hal, deposited under the room-scoped capability carol gave each of them (bob's
 * reached him through alice); with alice and bob gone too, carol gets every message from hal
 * alone, once, in order. The senders show her `stored`, then `delivered` once her receipt comes
 * back. A member removed while away gets no mail sealed after its removal, and a copy another
 * member leaves for it anyway (with the ops that removed it) tells it it is out and does not open.
 */
import assert from 'node:assert/strict'
import { memoryFerries } from '../memory-ferries.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { certifyDevice, createIdentity, crossSignDevice, memoryStores } from '../../protocol/index.js'
import { heldIdentityKey } from '../../protocol/crypto/identity.js'
import { toHex } from '../../protocol/util/bytes.js'
import type { Identity } from '../../protocol/crypto/identity.js'
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

  it('a member removed while away gets no mail sealed after its removal, and a copy a member leaves for it anyway does not open', async () => {
    const kept = { stores: memoryStores({ mailbox: true }), identity: await createIdentity() }
    const alice = await nodes.node('alice2', { stores: memoryStores({ mailbox: true }) })
    const bob = await nodes.node('bob2', { stores: memoryStores({ mailbox: true }) })
    let carol = await nodes.node('carol2', kept)
    const hal = await nodes.node('hal2', { stores: memoryStores({ mailbox: true }) })
    await befriend(alice, 'alice', bob, 'bob')
    await befriend(alice, 'alice', carol, 'carol')
    await befriend(carol, 'carol', hal, 'hal')
    await hal.mailboxes?.host('carol')
    await carol.useMailboxes(['hal'])
    await groups(alice).create('squad', ['bob', 'carol'])
    await until('every key answer has gone round', async () => (await Promise.all([alice, bob, carol].map(async f => (await groups(f).info('squad')).converged && (await groups(f).info('squad')).keys === 'member'))).every(Boolean))
    await syncAll(carol)
    await syncAll(alice)
    await carol.stop()
    await groups(alice).send('squad', 'before')
    await until('"before" waits at hal', async () => (await hal.needMailboxes().status()).hosting[0].messages === 1)
    await groups(alice).remove('squad', ['carol'])
    await until('bob holds the removal', async () => (await groups(bob).info('squad')).members.length === 2)
    await groups(alice).send('squad', 'after')
    await groups(bob).send('squad', 'after, from bob')
    await until('bob holds "after"', async () => (await groups(bob).messages('squad')).some(m => m.text === 'after'))
    // give both a posting round: nothing is left for carol, who is no longer listed
    await (groups(alice) as any).posting
    await (groups(bob) as any).posting
    assert.equal((await hal.needMailboxes().status()).hosting[0].messages, 1, 'only "before" waits for carol')

    // bob leaves carol a copy of "after" anyway (as a careless or hostile member could), under the
    // capability carol gave him, sealed to her card with the ops that removed her
    const mail = (groups(bob) as any).mail
    const roomOf = (groups(bob) as any).room('squad')
    const after = roomOf.kept.get((await groups(bob).messages('squad')).find(m => m.text === 'after')?.id)
    const given = [...mail.given.values()][0]
    const [target] = await mail.targets(roomOf, toHex(kept.identity.identityKey.publicKey.raw), given.cap.ownerDevice)
    const envelope = await mail.seal(roomOf, kept.identity.identityKey.publicKey.raw, target, after.id, after.bytes, after.expiresAt)
    const custody = await bob.needMailboxes().depositWith(given.bytes, [{ id: after.id, envelope }])
    assert.equal(custody.get(after.id)?.length, 1, 'hal took the copy: the capability is still live')

    carol = await nodes.node('carol2', kept)
    await carol.libp2p.dial(hal.libp2p.getMultiaddrs()[0])
    await carol.collectMail()
    await until('hal holds nothing for carol', async () => (await hal.needMailboxes().status()).hosting[0].messages === 0)
    const texts = (await groups(carol).messages('squad')).map(m => m.text)
    assert.deepEqual(texts, ['before'], 'carol read what was sealed before her removal, and nothing after')
    // only bob's copy carried the removal ("before" was sealed earlier): so it opened, and was refused inside
    assert.equal((await groups(carol).info('squad')).keys, 'removed', 'the ops in bob\'s mail told carol she is out')
  })

  it('a linked device away gets the room\'s mail in its own slot, sealed to its own card, with every other device of the room gone', async () => {
    // alice's first device (it holds the identity key) and her laptop (linked: it does not), bob,
    // and hal, who keeps alice's mail
    const aliceId = await createIdentity()
    const laptopKey = await generateKeyPair('Ed25519')
    const laptop: Identity = { identityKey: { publicKey: aliceId.identityKey.publicKey }, deviceKey: laptopKey, deviceSignature: await certifyDevice(heldIdentityKey(aliceId.identityKey), laptopKey) }
    const a1 = await nodes.node('alice3', { stores: memoryStores({ mailbox: true }), identity: aliceId })
    const bob = await nodes.node('bob3', { stores: memoryStores({ mailbox: true }) })
    const hal = await nodes.node('hal3', { stores: memoryStores({ mailbox: true }) })
    await a1.devices.link(peerIdFromPrivateKey(laptopKey), await crossSignDevice(laptopKey, aliceId.identityKey.publicKey.raw), 'laptop')
    let list = await a1.devices.encoded()
    const kept = { stores: memoryStores({ mailbox: true }), identity: laptop, deviceList: { load: async () => list, save: async (b: Uint8Array) => { list = b } } }
    let a2 = await nodes.node('alice3-laptop', kept)
    await befriend(a1, 'alice', bob, 'bob')
    await befriend(a1, 'alice', hal, 'hal')
    await a2.roster.add('bob', await bob.roster.invite())
    await a2.roster.add('hal', await hal.roster.invite())
    await a1.libp2p.dial(a2.libp2p.getMultiaddrs()[0])
    await a2.libp2p.dial(bob.libp2p.getMultiaddrs()[0])
    await a2.libp2p.dial(hal.libp2p.getMultiaddrs()[0])
    await hal.mailboxes?.host('alice')
    for (const f of [a1, a2]) await f.useMailboxes(['hal'])
    await a1.devices.announce() // bob and hal learn the laptop (with its hints, once it refreshed)
    await a2.devices.refresh()
    const room = await groups(bob).create('ops', ['alice'])
    await until('the laptop holds the room\'s keys as a device of alice', async () => {
      await syncAll(a1)
      await syncAll(a2)
      return (await groups(a2).info('ops').catch(() => undefined))?.keys === 'member' && (await groups(bob).info('ops')).converged
    }, 60_000)
    await syncAll(a1)
    await syncAll(a2)
    // both of alice's devices go away; bob sends three
    await a1.stop()
    await a2.stop()
    for (let i = 1; i <= 3; i++) await groups(bob).send('ops', `m${i}`)
    await until('bob sees the three stored for alice', async () => (await groups(bob).messages(room.group)).filter(m => m.direction === 'out' && m.recipients?.stored === 1).length === 3)
    // only the laptop comes back, and meets only hal
    await bob.stop()
    a2 = await nodes.node('alice3-laptop', kept)
    await a2.libp2p.dial(hal.libp2p.getMultiaddrs()[0])
    await a2.collectMail()
    const got = async (): Promise<string[]> => (await groups(a2).messages('ops')).filter(m => m.direction === 'in').map(m => m.text)
    await until('the laptop holds all three', async () => (await got()).length >= 3)
    assert.deepEqual(await got(), ['m1', 'm2', 'm3'], 'once, in order, from hal alone')
  })
})
