import assert from 'node:assert/strict'
import { OneTimePrekey } from '../../protocol/mailbox/index.js'
import { befriend, mailboxesFor, runningPeers, SqlitePeer, until } from './sqlite-peer.js'
import type { MessageView } from '../../protocol/index.js'

const FAST = { mailbox: { graceMs: 300 } }

describe('mailboxes: offline delivery', function () {
  this.timeout(180_000)
  const peer = runningPeers(FAST)

  it('50 messages wait at two mailboxes while A and B are never online together; B gets each once; A sees all delivered', async () => {
    const [a, b, m1, m2] = await Promise.all(['alice', 'bob', 'm1', 'm2'].map(async n => peer(n)))
    // alice knows only bob; his capability (naming m1 and m2) reaches her in-band
    await mailboxesFor(a, b, [m1, m2])
    await b.stop()

    const sent: MessageView[] = []
    for (let i = 0; i < 50; i++) sent.push(await a.node.conversations.send('bob', `offline ${i}`))
    const out = async (): Promise<MessageView[]> => (await a.node.conversations.history({ contact: 'bob' })).filter(m => m.direction === 'out')
    await until('all 50 stored at 2 mailboxes', async () => (await out()).filter(m => m.status === 'stored' && m.mailboxes?.length === 2).length === 50, 60_000)
    for (const m of [m1, m2]) assert.deepEqual((await m.node.needMailboxes().status()).hosting.map(h => h.messages), [50])
    await a.stop()

    await b.start()
    const inbox = async (): Promise<MessageView[]> => (await b.node.conversations.history({ contact: 'alice' })).filter(m => m.direction === 'in')
    await until('bob has 50 messages', async () => (await inbox()).length >= 50, 60_000)
    await until('both mailboxes are empty', async () => {
      const counts = await Promise.all([m1, m2].map(async m => (await m.node.needMailboxes().status()).hosting[0].messages))
      return counts.every(n => n === 0)
    }, 30_000)
    const got = (await inbox()).map(m => m.text)
    assert.equal(got.length, 50, 'exactly once')
    assert.deepEqual(new Set(got), new Set(sent.map(m => m.text)))
    await b.stop() // never online together: A learns of delivery from the mailboxes

    await a.start()
    await until('alice sees all 50 delivered', async () => (await out()).filter(m => m.status === 'delivered').length === 50, 60_000)
  })
})

describe('mailboxes: one-time prekeys for first contact', function () {
  this.timeout(120_000)
  const peer = runningPeers(FAST)

  const waiting = async (m: SqlitePeer, owner: SqlitePeer): Promise<number> => m.node['stores'].mailbox?.countPrekeys(owner.peerId) ?? -1

  it('a new contact gets a one-time prekey from a mailbox while the owner is offline; each is handed out once', async () => {
    const [b, m, c] = await Promise.all(['bob', 'm', 'carol'].map(async n => peer(n)))
    await befriend(b, m)
    await m.node.needMailboxes().host('bob')
    // choosing mailboxes changes one DHT record, the mailbox set: only that one is published again
    const published: unknown[] = []
    const publish = b.node.directory.publish.bind(b.node.directory)
    b.node.directory.publish = async (kinds) => { published.push(kinds); return publish(kinds) }
    await b.node.useMailboxes(['m'])
    assert.deepEqual(published, [['mailboxes']])
    await until('bob left one-time prekeys at m', async () => await waiting(m, b) >= 10)
    const before = await waiting(m, b)
    const invite = await b.node.roster.invite() // names m as bob's mailbox
    await b.stop()

    const left = (): number[] => (m.db?.prepare('SELECT record FROM mailbox_prekeys').all() as Array<{ record: Uint8Array }>).map(r => OneTimePrekey.decode(r.record).id)
    const offered = left()
    await c.node.roster.add('bob', invite)
    const first = await c.node.conversations.send('bob', 'hello while you were away')
    assert.equal(await waiting(m, b), before - 1, 'carol claimed one prekey for her first message')
    const claimedId = offered.filter(id => !left().includes(id))[0]

    // the host hands each prekey out once: claims drain it and then are refused
    const owner = (await import('@libp2p/peer-id')).peerIdFromString(b.peerId).toMultihash().bytes
    const connection = await c.node.libp2p.dial(m.node.libp2p.getMultiaddrs()[0])
    const seen = new Set<string>()
    for (let i = 0; i < 5; i++) {
      const [r] = await c.node.libp2p.services.mailbox.request(connection, [{ claim: { owner }, status: false }])
      assert.ok(r.prekey.byteLength > 0, r.refusal?.reason)
      seen.add(Buffer.from(r.prekey).toString('hex'))
    }
    assert.equal(seen.size, 5, 'no prekey handed out twice')

    // bob returns; carol's first message (encrypted to the claimed prekey) decrypts, and uses it up
    await b.start()
    assert.ok(await b.node['stores'].prekeys.oneTimePrekey(claimedId) != null, 'bob holds the private half of the claimed prekey')
    await b.node.libp2p.dial(c.node.libp2p.getMultiaddrs()[0]) // bob moved ports; without a DHT here, he calls
    // carol is not bob's contact (yet): her message waits as a message request
    await until('bob got carol\'s first message', async () => (await b.node.roster.requests()).some(r => r.peer === c.peerId && r.text === first.text), 30_000)
    assert.equal(await b.node['stores'].prekeys.oneTimePrekey(claimedId), undefined, 'bob used (and deleted) the claimed one-time prekey')
  })
})
