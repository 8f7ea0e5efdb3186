/**
 * Linked devices at the protocol level: the link exchange over real libp2p connections (memory
 * transport) — single use, expiry, a request replayed from another peer, a forged code — the signed
 * device list's checks, and which devices a contact book takes into a contact.
 */
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { toString } from 'uint8arrays/to-string'
import { nodeCrypto } from '../../node/crypto.js'
import { certifyDevice, createFerry, createIdentity, crossSignDevice, Envelope, envelopeAd, memoryStores, MemoryContactStore, openPayload, Sessions } from '../../protocol/index.js'
import { memory } from '@libp2p/memory'
import { quietLogger } from '../../node/sim/inprocess.js'
import { ContactBook } from '../../protocol/contacts/contact-book.js'
import { decodeDeviceList, encodeDeviceList, signDeviceList } from '../../protocol/devices/device-list.js'
import { Devices } from '../../protocol/devices/devices.js'
import type { DeviceList } from '../../protocol/devices/device-list.js'
import { exchange, LINK_PROTOCOL, LINK_TTL_MS, LinkOffers, linkRequest, parseLinkCode, requestLink } from '../../protocol/devices/link.js'
import { memoryFerries } from '../memory-ferries.js'
import type { Ferry, Identity } from '../../protocol/index.js'
import type { PeerId } from '@libp2p/interface'
import { heldIdentityKey } from '../../protocol/crypto/identity.js'

const crypto = nodeCrypto()

describe('linking a device (/ferry/link/1.0.0)', function () {
  this.timeout(60_000)
  const nodes = memoryFerries('link')
  let primary: Ferry
  let newcomer: Ferry
  let thief: Ferry
  let clock = Date.now()
  const offers = new LinkOffers(crypto, () => clock)
  const granted: string[] = []

  before(async () => {
    [primary, newcomer, thief] = await Promise.all([nodes.node('primary'), nodes.node('newcomer'), nodes.node('thief')])
    await primary.libp2p.handle(LINK_PROTOCOL, async (stream, connection) => offers.answer(stream, connection, {
      grant: async (device: PeerId) => {
        granted.push(device.toString())
        return { payload: new TextEncoder().encode(`welcome ${device.toString()}`) }
      }
    }))
  })
  after(async () => { await nodes.stop() })

  async function code (): Promise<string> {
    return offers.offer(primary.identity.identityKey.publicKey.raw, primary.peerId, primary.addresses())
  }

  async function cross (node: Ferry): Promise<Uint8Array> {
    return crossSignDevice(node.identity.deviceKey, primary.identity.identityKey.publicKey.raw)
  }

  it('links once: the answer opens only for the device that asked; the same code again is refused', async () => {
    const c = parseLinkCode(await code(), clock)
    const conn = await newcomer.libp2p.dial(primary.libp2p.getMultiaddrs()[0])
    const { payload, confirm } = await requestLink(crypto, conn, newcomer.libp2p.peerId, c, await cross(newcomer), 'phone')
    assert.equal(new TextDecoder().decode(payload), `welcome ${newcomer.peerId}`)
    assert.match(confirm, /^\d{6}$/)
    await assert.rejects(requestLink(crypto, conn, newcomer.libp2p.peerId, c, await cross(newcomer), 'phone'), /used already/)
    assert.deepEqual(granted, [newcomer.peerId])
  })

  it('a request replayed from another peer fails its MAC and grants nothing; the code still works for its device', async () => {
    granted.length = 0
    const c = parseLinkCode(await code(), clock)
    const { request } = await linkRequest(crypto, newcomer.libp2p.peerId, c, await cross(newcomer), '')
    const stolen = await thief.libp2p.dial(primary.libp2p.getMultiaddrs()[0])
    const reply = await exchange(stolen, request) // the same bytes, from the thief's peer id
    assert.equal(reply[0], 1)
    assert.match(toString(reply.subarray(1)), /does not match the code/)
    assert.deepEqual(granted, [])
    const conn = await newcomer.libp2p.dial(primary.libp2p.getMultiaddrs()[0])
    await requestLink(crypto, conn, newcomer.libp2p.peerId, c, await cross(newcomer), '')
    assert.deepEqual(granted, [newcomer.peerId])
  })

  it('three bad attempts burn a code; a code past its 10 minutes is refused by both sides', async () => {
    granted.length = 0
    const text = await code()
    const c = parseLinkCode(text, clock)
    const forged = { ...c, key: (await crypto.x25519Generate()).publicKey }
    const stolen = await thief.libp2p.dial(primary.libp2p.getMultiaddrs()[0])
    for (let i = 0; i < 3; i++) {
      const { request } = await linkRequest(crypto, thief.libp2p.peerId, c, await cross(thief), '')
      request[100] ^= 1 // a wrong MAC
      assert.equal((await exchange(stolen, request))[0], 1)
    }
    const conn = await newcomer.libp2p.dial(primary.libp2p.getMultiaddrs()[0])
    await assert.rejects(requestLink(crypto, conn, newcomer.libp2p.peerId, c, await cross(newcomer), ''), /used already/)
    await assert.rejects(requestLink(crypto, conn, newcomer.libp2p.peerId, forged, await cross(newcomer), ''), /not from this device/)
    const late = parseLinkCode(await code(), clock)
    clock += LINK_TTL_MS + 1
    assert.throws(() => parseLinkCode(text, clock), /expired/)
    await assert.rejects(requestLink(crypto, conn, newcomer.libp2p.peerId, late, await cross(newcomer), ''), /expired, used already/)
    assert.deepEqual(granted, [])
  })

  it('two holders of one code racing: exactly one is let in', async () => {
    granted.length = 0
    const c = parseLinkCode(await code(), clock)
    const results = await Promise.allSettled([newcomer, thief].map(async node => {
      const conn = await node.libp2p.dial(primary.libp2p.getMultiaddrs()[0])
      return requestLink(crypto, conn, node.libp2p.peerId, c, await cross(node), '')
    }))
    assert.equal(results.filter(r => r.status === 'fulfilled').length, 1)
    assert.equal(granted.length, 1)
  })

  it('damaged codes get clear errors', () => {
    assert.throws(() => parseLinkCode('ferry://invite/abc', clock), /not a link code/)
    assert.throws(() => parseLinkCode('ferry://link/%%%', clock), /damaged/)
    assert.throws(() => parseLinkCode('ferry://link/' + 'A'.repeat(9000), clock), /too long/)
  })
})

describe('signed device lists', () => {
  it('verify against their identity; a certificate from another identity, a tampered list or another signer are refused', async () => {
    const alice = await createIdentity()
    const mallory = await createIdentity()
    const phone = await generateKeyPair('Ed25519')
    const entry = (cert: Uint8Array, key = phone): any => ({ peer: peerIdFromPrivateKey(key).toString(), certificate: cert, name: 'phone', addedAt: 1 })
    const good = await signDeviceList(heldIdentityKey(alice.identityKey), { sequence: 2, devices: [entry(await certifyDevice(heldIdentityKey(alice.identityKey), phone))], revoked: [] })
    const back = await decodeDeviceList(encodeDeviceList(good), alice.identityKey.publicKey.raw)
    assert.equal(back.devices[0].peer, peerIdFromPrivateKey(phone).toString())
    // a device certified by mallory, in a list alice signed
    const foreign = await signDeviceList(heldIdentityKey(alice.identityKey), { sequence: 3, devices: [entry(await certifyDevice(heldIdentityKey(mallory.identityKey), phone))], revoked: [] })
    await assert.rejects(decodeDeviceList(encodeDeviceList(foreign)), /no valid certificate/)
    // alice's list, re-signed by mallory, or claimed for alice while signed by mallory
    await assert.rejects(decodeDeviceList(encodeDeviceList(await signDeviceList(heldIdentityKey(mallory.identityKey), { sequence: 2, devices: [], revoked: [] })), alice.identityKey.publicKey.raw), /another identity/)
    const tampered = JSON.parse(new TextDecoder().decode(encodeDeviceList(good)))
    tampered.sequence = 99
    await assert.rejects(decodeDeviceList(new TextEncoder().encode(JSON.stringify(tampered))), /signature does not verify/)
    await assert.rejects(decodeDeviceList(new Uint8Array(40_000)), /too large/)
    await assert.rejects(decodeDeviceList(new TextEncoder().encode('{"devices":1}')), /malformed/)
  })

  it('a contact book takes a new device of a contact whose identity it holds, never a revoked one or a stranger\'s', async () => {
    const store = new MemoryContactStore()
    const me = await createIdentity()
    const book = new ContactBook(store, { identity: me.identityKey.publicKey.raw, peerId: peerIdFromPrivateKey(me.deviceKey).toString() }, crypto, Date.now)
    const bob = await createIdentity()
    const stranger = await createIdentity()
    await store.add({ name: 'bob', peerId: peerIdFromPrivateKey(bob.deviceKey).toString(), identity: bob.identityKey.publicKey.raw, addresses: [], addedAt: 1 })
    const bob2 = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const bob3 = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    assert.equal(await book.adoptDevice(bob2, stranger.identityKey.publicKey.raw), undefined)
    assert.deepEqual(await book.relation(bob2), { kind: 'stranger' })
    assert.deepEqual((await book.adoptDevice(bob2, bob.identityKey.publicKey.raw))?.kind, 'contact')
    assert.equal((await book.relation(bob2)).kind, 'contact')
    assert.equal((await store.getByPeer(bob2))?.name, 'bob')
    await book.setDevices('bob', { sequence: 5, devices: [], revoked: [bob3, bob2] })
    assert.deepEqual(await book.relation(bob2), { kind: 'blocked' })
    assert.equal(await book.adoptDevice(bob3, bob.identityKey.publicKey.raw), undefined)
  })
})

describe('an identity\'s devices merge their lists', () => {
  it('a device that missed a revocation cannot undo it: its newer list is merged, signed above and announced', async () => {
    const me = await createIdentity()
    const peerId = peerIdFromPrivateKey(me.deviceKey).toString()
    const store = new MemoryContactStore()
    const book = new ContactBook(store, { identity: me.identityKey.publicKey.raw, peerId }, crypto, Date.now)
    let kept: Uint8Array | undefined
    const announced: DeviceList[] = []
    let clock = 1_000
    const devices = new Devices({
      identity: me,
      peerId,
      store: { load: async () => kept, save: async b => { kept = b } },
      contacts: store,
      contactBook: book,
      now: () => clock,
      hints: async () => ({ addrs: [] }),
      send: async (_to, bytes) => { announced.push(await decodeDeviceList(bytes)) },
      log: Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }) as any
    })
    const laptop = await generateKeyPair('Ed25519')
    const stolen = await generateKeyPair('Ed25519')
    for (const k of [laptop, stolen]) await devices.link(peerIdFromPrivateKey(k), await crossSignDevice(k, me.identityKey.publicKey.raw), 'x')
    const before = await decodeDeviceList(await devices.encoded())
    const stolenId = peerIdFromPrivateKey(stolen).toString()
    await devices.revoke(stolenId)
    const revoked = await decodeDeviceList(await devices.encoded())
    // the laptop was offline: it signs its old list again, with new hints and a higher sequence
    clock = revoked.sequence + 1_000
    const stale = await signDeviceList(heldIdentityKey(me.identityKey), { sequence: clock, devices: before.devices, revoked: [] })
    announced.length = 0
    await devices.received(encodeDeviceList(stale), me.identityKey.publicKey.raw, peerIdFromPrivateKey(laptop).toString())
    const now = await decodeDeviceList(await devices.encoded())
    assert.ok(now.sequence > stale.sequence, 'signed above the stale list')
    assert.deepEqual(now.revoked, [stolenId])
    assert.deepEqual(now.devices.map(d => d.peer).sort(), [peerId, peerIdFromPrivateKey(laptop).toString()].sort())
    assert.ok(announced.length > 0 && announced.every(l => l.sequence === now.sequence), 'and announced')
    // an old list that adds nothing is ignored
    announced.length = 0
    await devices.received(encodeDeviceList(before), me.identityKey.publicKey.raw, peerIdFromPrivateKey(laptop).toString())
    assert.equal((await decodeDeviceList(await devices.encoded())).sequence, now.sequence)
    assert.deepEqual(announced, [])
  })
})

describe('a linked device without the identity key', () => {
  const quiet = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }) as any

  /** A Devices of `identity` on device `peerId`, its list kept in memory, what it sends recorded. */
  function devicesOf (identity: Identity, peerId: string, contacts = new MemoryContactStore(), kept?: Uint8Array, hints = { addrs: [] as string[], bundle: undefined as Uint8Array | undefined }): { devices: Devices, sent: Array<{ to: string, list: DeviceList }>, hints: typeof hints, contacts: MemoryContactStore } {
    const sent: Array<{ to: string, list: DeviceList }> = []
    const book = new ContactBook(contacts, { identity: identity.identityKey.publicKey.raw, peerId }, crypto, Date.now)
    const devices = new Devices({
      identity,
      peerId,
      store: { load: async () => kept, save: async b => { kept = b } },
      contacts,
      contactBook: book,
      now: Date.now,
      hints: async () => hints,
      send: async (to, bytes) => { sent.push({ to: to.contact?.name ?? to.device?.peer ?? '?', list: await decodeDeviceList(bytes) }) },
      log: quiet
    })
    return { devices, sent, hints, contacts }
  }

  it('cannot link or revoke; sends its new hints in the holder\'s list, which its siblings and contacts take from it alone', async () => {
    const alice = await createIdentity()
    const first = peerIdFromPrivateKey(alice.deviceKey).toString()
    const holder = devicesOf(alice, first)
    const laptopKey = await generateKeyPair('Ed25519')
    const laptopPeer = peerIdFromPrivateKey(laptopKey).toString()
    const entry = await holder.devices.link(peerIdFromPrivateKey(laptopKey), await crossSignDevice(laptopKey, alice.identityKey.publicKey.raw), 'laptop')
    const signed = await decodeDeviceList(await holder.devices.encoded())
    const laptopIdentity: Identity = { identityKey: { publicKey: alice.identityKey.publicKey }, deviceKey: laptopKey, deviceSignature: entry.certificate }
    const laptop = devicesOf(laptopIdentity, laptopPeer, new MemoryContactStore(), await holder.devices.encoded(), { addrs: ['/ip4/10.0.0.2/tcp/7470'], bundle: Uint8Array.of(1, 2, 3) })
    const notHeld = (err: any): boolean => err.name === 'IdentityKeyNotHeldError'
    await assert.rejects(laptop.devices.link(peerIdFromPrivateKey(await generateKeyPair('Ed25519')), new Uint8Array(64), 'x'), notHeld)
    await assert.rejects(laptop.devices.revoke(first), notHeld)

    // its new hints: the same list (same sequence, the holder's signature), its own entry updated
    await laptop.devices.refresh()
    const told = laptop.sent.find(s => s.to === first)?.list
    assert.ok(told != null, 'told the first device')
    assert.equal(told.sequence, signed.sequence)
    assert.deepEqual(told.devices.find(d => d.peer === laptopPeer)?.addrs, ['/ip4/10.0.0.2/tcp/7470'])
    // the first device takes the laptop's hints from the laptop, and keeps its own
    const forged = { ...told, devices: told.devices.map(d => d.peer === first ? { ...d, addrs: ['/ip4/6.6.6.6/tcp/1'] } : d) }
    await holder.devices.received(encodeDeviceList(forged), alice.identityKey.publicKey.raw, laptopPeer)
    const held = await decodeDeviceList(await holder.devices.encoded())
    assert.equal(held.sequence, signed.sequence, 'nothing signed again')
    assert.deepEqual(held.devices.find(d => d.peer === laptopPeer)?.addrs, ['/ip4/10.0.0.2/tcp/7470'])
    assert.notDeepEqual(held.devices.find(d => d.peer === first)?.addrs, ['/ip4/6.6.6.6/tcp/1'], 'the laptop cannot set the first device\'s hints')

    // a contact takes the laptop's hints only from the laptop
    const bob = await createIdentity()
    const bobContacts = new MemoryContactStore()
    await bobContacts.add({ name: 'alice', peerId: first, identity: alice.identityKey.publicKey.raw, addresses: [], addedAt: 1 })
    const bobs = devicesOf(bob, peerIdFromPrivateKey(bob.deviceKey).toString(), bobContacts)
    await bobs.devices.received(encodeDeviceList(signed), alice.identityKey.publicKey.raw, first)
    const laptopAt = async (): Promise<string[] | undefined> => (await bobContacts.get('alice'))?.devices?.find(d => d.peer === laptopPeer)?.addrs
    assert.deepEqual(await laptopAt(), [])
    const relayed = { ...told, devices: told.devices.map(d => d.peer === laptopPeer ? { ...d, addrs: ['/ip4/6.6.6.6/tcp/1'] } : d) }
    await bobs.devices.received(encodeDeviceList(relayed), alice.identityKey.publicKey.raw, first)
    assert.deepEqual(await laptopAt(), [], 'another device of alice cannot move the laptop')
    await bobs.devices.received(encodeDeviceList(told), alice.identityKey.publicKey.raw, laptopPeer)
    assert.deepEqual(await laptopAt(), ['/ip4/10.0.0.2/tcp/7470'], 'the laptop itself can')
  })
})

describe('after a revocation, the revoked device\'s whole key state opens nothing sent later', function () {
  this.timeout(60_000)
  const run = `revoke-${Math.random().toString(36).slice(2, 8)}`
  const made: Ferry[] = []
  after(async () => { await Promise.allSettled(made.map(async f => f.stop())) })

  async function node (name: string, identity: Identity, stores = memoryStores()): Promise<Ferry> {
    const f = await createFerry({ identity, name, stores, transports: [memory()], listen: [`/memory/${run}-${name}`], crypto, logger: quietLogger, dht: false, connectionMonitor: { enabled: false } })
    made.push(f)
    await f.start()
    return f
  }

  async function until (what: string, fn: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 20_000
    while (!await fn()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise(resolve => setTimeout(resolve, 50))
    }
  }

  it('bob seals later messages only for the remaining device; the revoked one, with its identity key, prekeys and every session, cannot open them', async () => {
    const alice = await createIdentity()
    const laptopKey = await generateKeyPair('Ed25519')
    const laptopIdentity: Identity = { identityKey: alice.identityKey, deviceKey: laptopKey, deviceSignature: await certifyDevice(heldIdentityKey(alice.identityKey), laptopKey) }
    const laptopStores = memoryStores()
    const bobStores = memoryStores()
    const [a1, a2, bob] = [await node('a1', alice), await node('a2', laptopIdentity, laptopStores), await node('bob', await createIdentity(), bobStores)]
    // a1 links the laptop; the laptop takes a1's list
    await a1.devices.link(a2.libp2p.peerId, await crossSignDevice(laptopKey, alice.identityKey.publicKey.raw), 'laptop')
    await a2.devices.received(await a1.devices.encoded(), alice.identityKey.publicKey.raw, a1.peerId)
    await bob.roster.add('alice', a1.addresses()[0])
    for (const f of [a1, a2]) await f.roster.add('bob', bob.addresses()[0])
    // both devices write to bob: bob takes the laptop as alice's device and holds a session with each
    await a1.conversations.send('bob', 'from a1')
    await until('bob has a1', async () => (await bob.conversations.history()).some(m => m.text === 'from a1'))
    await a2.conversations.send('bob', 'from the laptop')
    await until('bob took the laptop', async () => (await bob.roster.list()).find(c => c.name === 'alice')?.devices?.some(d => d.peer === a2.peerId) === true)
    await bob.conversations.send('alice', 'before')
    await until('the laptop has it', async () => (await a2.conversations.history()).some(m => m.text === 'before'))
    // a1 revokes the laptop; bob takes the new list; then a1 goes offline so bob's next message waits
    await a1.devices.revoke(a2.peerId)
    await until('bob took the revocation', async () => (await bob.roster.list()).find(c => c.name === 'alice')?.revokedDevices?.includes(a2.peerId) === true)
    await a1.stop()
    await bob.conversations.send('alice', 'after the revocation')
    const waiting = (await bobStores.messages.queued()).filter(m => m.text === 'after the revocation')
    assert.deepEqual(waiting.map(m => m.peer), [a1.peerId], 'sealed for the remaining device only')
    await new Promise(resolve => setTimeout(resolve, 500)) // copies are queued after the send returns
    assert.deepEqual(await bobStores.messages.copies?.([waiting[0].id]), [], 'no copy for the revoked laptop')
    assert.ok(!(await a2.conversations.history()).some(m => m.text === 'after the revocation'))
    const env = Envelope.decode(waiting[0].envelope)
    // the laptop's whole state: the identity key, its prekeys and every session record it holds
    const sessions = new Sessions({ crypto, me: laptopIdentity, prekeys: laptopStores.prekeys, load: async peer => laptopStores.messages.session(peer) })
    await assert.rejects(sessions.decrypt(bob.peerId, openPayload(env), envelopeAd(env)))
    assert.ok(await laptopStores.messages.session(bob.peerId) != null, 'the laptop does hold a session with bob')
  })
})
