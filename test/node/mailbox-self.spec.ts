/**
 * A sender that is itself one of the recipient's mailbox hosts keeps the message in its own mailbox
 * (through the same checks and durable commit, with its own custody receipt) instead of dialling
 * itself and failing: replication stays at k = 2. Real peers on SQLite, TCP on 127.0.0.1.
 */
import assert from 'node:assert/strict'
import { befriend, runningPeers, until } from './sqlite-peer.js'

describe('a sender that hosts the recipient\'s mail', function () {
  this.timeout(120_000)
  const peer = runningPeers({ mailbox: { graceMs: 100 } })

  it('deposits at itself and at the other host, and learns of delivery from its own mailbox', async () => {
    const [a, b, m] = await Promise.all(['alice', 'bob', 'm'].map(async n => peer(n)))
    await befriend(a, b)
    await befriend(b, m)
    await a.node.needMailboxes().host('bob')
    await m.node.needMailboxes().host('bob')
    await b.node.useMailboxes(['alice', 'm'])
    await until('alice holds bob\'s capability', async () => await a.node['stores'].messages.capability(b.peerId) != null)
    await b.stop()
    const sent = await a.node.conversations.send('bob', 'kept at home and at m')
    await until('stored at two mailboxes', async () => (await a.node.conversations.history()).some(x => x.id === sent.id && x.status === 'stored' && x.mailboxes?.length === 2), 30_000)
    const hosts = (await a.node.conversations.history()).find(x => x.id === sent.id)?.mailboxes?.map(c => c.host).sort()
    assert.deepEqual(hosts, [a.peerId, m.peerId].sort())
    assert.equal((await a.node.needMailboxes().status()).hosting[0].messages, 1, 'alice keeps it herself')

    await b.start()
    await b.node.collectMail()
    await until('bob has it once', async () => (await b.node.conversations.history()).filter(x => x.direction === 'in' && x.text === sent.text).length === 1)
    await until('alice sees it delivered', async () => {
      await a.node.collectMail()
      return (await a.node.conversations.history()).some(x => x.id === sent.id && x.status === 'delivered')
    }, 30_000)
  })
})
