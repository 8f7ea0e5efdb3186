/**
 * The mailbox host that would be someone else. Bob keeps his mail at mallory's daemon; alice is
 * bob's contact. Mallory, the host, makes up an identity, certifies alice's peer id with it (alice's
 * device never signs anything for her), opens a fresh PQXDH session to bob, and leaves in her own
 * mailbox store an item "deposited by alice" saying: use my new mailbox (a capability naming
 * mallory). Before device certificates were cross-signed, bob showed the text in alice's
 * conversation, bound a contact added by multiaddr to mallory's key, and sent alice's later mail
 * where mallory could read it. Real peers: SQLite, TCP on 127.0.0.1, the real mailbox protocol.
 */
import assert from 'node:assert/strict'
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { generatePrekeys } from '../../protocol/crypto/prekeys.js'
import { MemoryPrekeyStore } from '../../protocol/stores/memory/prekeys.js'
import { createIdentity, crossSignDevice, signDevice, heldIdentityKey } from '../../protocol/crypto/identity.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { SessionRecord } from '../../protocol/messaging/pb/sessions.js'
import { sealEnvelope } from '../../protocol/messaging/seal.js'
import { Sessions } from '../../protocol/messaging/sessions.js'
import { signCapability } from '../../protocol/mailbox/index.js'
import { nodeCrypto } from '../../node/crypto.js'
import { befriend, SqlitePeer, until } from './sqlite-peer.js'
import type { Identity } from '../../protocol/index.js'

const HOUR = 60 * 60 * 1000
const crypto = nodeCrypto()

describe('a mailbox host cannot speak for another peer', function () {
  this.timeout(120_000)
  const peers: SqlitePeer[] = []
  let alice: SqlitePeer
  let bob: SqlitePeer
  let mallory: SqlitePeer
  let forger: Identity

  async function peer (name: string): Promise<SqlitePeer> {
    const p = await SqlitePeer.create(name, { mailbox: { graceMs: 200 } })
    peers.push(p)
    await p.start()
    return p
  }

  before(async () => {
    [alice, bob, mallory] = await Promise.all(['alice', 'bob', 'mallory'].map(peer))
    await befriend(bob, mallory)
    await mallory.node.needMailboxes().host('bob')
    await bob.node.useMailboxes(['mallory'])
    forger = await createIdentity()
  })

  after(async () => { await Promise.all(peers.map(async p => p.remove())) })

  /**
   * Mallory's forgery of alice: a fresh session to bob under the made-up identity, content naming
   * alice's device with `certificate`, and a capability pointing alice's mail at mallory's daemon.
   */
  async function forge (n: number, certificate: Uint8Array): Promise<Uint8Array> {
    const prekeys = new MemoryPrekeyStore()
    await generatePrekeys(crypto, forger, prekeys, { oneTime: 0 })
    const sessions = new Sessions({ crypto, me: forger, prekeys, load: async () => undefined })
    const connection = await mallory.node.libp2p.dial(peerIdFromString(bob.peerId))
    const bundle = await mallory.node.libp2p.services.bundles.fetch(connection)
    const now = Date.now()
    const capability = await signCapability(forger, {
      ownerDevice: peerIdFromString(alice.peerId).toMultihash().bytes,
      sender: bob.identity.identityKey.publicKey.raw,
      hosts: [{ peerId: peerIdFromString(mallory.peerId).toMultihash().bytes, addrs: [] }],
      issuedAt: now,
      notAfter: now + HOUR,
      quotaBytes: 1e6,
      quotaMessages: 1000
    }, crypto)
    const id = new Uint8Array(16).fill(n)
    const fields = { id, recipient: bob.identity.identityKey.publicKey.raw, recipientDevice: peerIdFromString(bob.peerId).toMultihash().bytes, created: now, expiresAt: now + HOUR }
    const content = { sender: forger.identityKey.publicKey.raw, senderDevice: peerIdFromString(alice.peerId).toMultihash().bytes, deviceSignature: certificate, text: `it is alice (${n}): my mail goes to mallory's now`, sentAt: now, capability }
    const { envelope } = await sessions.serialize(bob.peerId, async () => sealEnvelope(sessions, bob.peerId, fields, content, bundle))
    const store = mallory.node['stores'].mailbox
    assert.ok(store != null)
    const [r] = await store.deposit([{ item: { owner: bob.peerId, id: Buffer.from(id).toString('hex'), depositor: alice.peerId, envelope, hash: await crypto.sha256(envelope), expiresAt: now + HOUR, storedAt: now }, limits: { depositorBytes: 1e9, depositorMessages: 1e6, ownerBytes: 1e9, ownerMessages: 1e6, totalBytes: 1e9 } }])
    assert.ok(!(r instanceof Error))
    return envelope
  }

  /** Every form of certificate mallory can make without alice's device key. */
  async function forgeries (): Promise<Uint8Array[]> {
    const victim = peerIdFromString(alice.peerId)
    // the certificate as it was (the identity's signature only, under the old context)
    const legacy = await heldIdentityKey(forger.identityKey).sign(concat([fromString('ferry-device-certificate-v1'), victim.toMultihash().bytes]))
    const half = await signDevice(heldIdentityKey(forger.identityKey), victim)
    return [legacy, half, concat([half, new Uint8Array(64)]), concat([half, await crossSignDevice(forger.deviceKey, forger.identityKey.publicKey.raw)])]
  }

  for (const added of ['multiaddr', 'invite'] as const) {
    it(`refuses the forged depositor, shows nothing as alice's, binds and redirects nothing (alice added by ${added})`, async () => {
      const target = added === 'invite' ? await alice.node.roster.invite() : alice.node.addresses()[0]
      const name = `alice-${added}`
      await bob.node.roster.add(name, target)
      try {
        await attack(name, added === 'invite' ? 10 : 0)
      } finally {
        await bob.node.roster.remove(name)
      }
    })
  }

  /** The forgeries (message ids from `first` + 1), collected by bob, and what must not follow. */
  async function attack (name: string, first: number): Promise<void> {
    const before = await bob.node['stores'].contacts.get(name)
    const forged = await forgeries()
    for (const [i, certificate] of forged.entries()) await forge(first + i + 1, certificate)

    // fetched and deleted at the host, none stored (a round already running when the forgeries
    // were left may miss the last ones: ask again until none is left)
    await until('the forgeries are gone from the host', async () => {
      await bob.node.collectMail()
      return (await mallory.node.needMailboxes().status()).hosting[0].messages === 0
    })
    assert.deepEqual((await bob.node.conversations.history()).filter(m => m.direction === 'in'), [], 'nothing shown as from alice')
    assert.deepEqual(await bob.node.roster.requests(), [], 'nor as a request')
    const after = await bob.node['stores'].contacts.get(name)
    assert.deepEqual(after?.identity, before?.identity, 'the contact keeps the identity it had')
    assert.equal(after?.pendingIdentity, undefined, 'no identity change is pending')
    assert.equal(await bob.node['stores'].messages.capability(alice.peerId), undefined, 'no capability taken')
    const record = await bob.node['stores'].messages.session(alice.peerId)
    const identities = record == null ? [] : SessionRecord.decode(record).states.map(st => Buffer.from(st.remoteIdentity).toString('hex'))
    assert.ok(!identities.includes(Buffer.from(forger.identityKey.publicKey.raw).toString('hex')), 'no session with the forger')

    // bob's next message to alice, with alice offline: it must not go to mallory's mailbox
    await alice.stop()
    const sent = await bob.node.conversations.send(name, 'for alice only').catch((err: Error) => err)
    await new Promise(resolve => setTimeout(resolve, 1_000))
    if (!(sent instanceof Error)) {
      const out = (await bob.node.conversations.history({ contact: name })).find(m => m.id === sent.id)
      assert.notEqual(out?.status, 'stored', 'never deposited at the forger\'s host')
    }
    assert.equal((await mallory.node.needMailboxes().status()).hosting[0].messages, 0)
    await alice.start()
  }

  it('still takes alice\'s own mail through the same host', async () => {
    await befriend(alice, bob)
    await bob.node.conversations.send('alice', 'hello alice')
    await until('alice has bob\'s message', async () => (await alice.node.conversations.history({ contact: 'bob' })).some(m => m.direction === 'in'))
    await until('alice holds bob\'s capability', async () => await alice.node['stores'].messages.capability(bob.peerId) != null)
    await bob.stop()
    await alice.node.conversations.send('bob', 'while you were away')
    await until('stored at mallory', async () => (await alice.node.conversations.history({ contact: 'bob' })).some(m => m.status === 'stored'), 30_000)
    await bob.start()
    await bob.node.collectMail()
    await until('bob has alice\'s message', async () => (await bob.node.conversations.history({ contact: 'alice' })).some(m => m.text === 'while you were away'))
    const got = (await bob.node.conversations.history({ contact: 'alice' })).find(m => m.text === 'while you were away')
    assert.equal(got?.unverified === true, false, 'her identity came by invite and matches her session')
  })
})
