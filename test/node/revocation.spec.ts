/**
 * Revocation holds: a host offline when the owner revokes a sender learns it when it is next
 * reached, a later `mailbox use` gives the revoked sender no new capability, and only `allow`
 * does. Real peers on SQLite, TCP on 127.0.0.1, the real mailbox protocol.
 */
import assert from 'node:assert/strict'
import { peerIdFromString } from '@libp2p/peer-id'
import { openCapability } from '../../protocol/mailbox/index.js'
import { mailboxesFor, runningPeers, SqlitePeer, until } from './sqlite-peer.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'

describe('mailbox revocation is kept until every host has it', function () {
  this.timeout(180_000)
  const peer = runningPeers({ mailbox: { graceMs: 100, pollMs: 1_000 } })

  it('tells an offline host later, is not undone by `mailbox use`, and is lifted by `allow`', async () => {
    const [a, b, m1, m2] = await Promise.all(['alice', 'bob', 'm1', 'm2'].map(async n => peer(n)))
    await mailboxesFor(a, b, [m1, m2])
    const capability = async (): Promise<Uint8Array | undefined> => a.node['stores'].messages.capability(b.peerId)
    const first = await capability() as Uint8Array
    const revokedAt = async (m: SqlitePeer): Promise<number> => await m.node['stores'].mailbox?.revokedBefore(b.peerId, a.identity.identityKey.publicKey.raw) ?? 0

    await m2.stop()
    assert.equal(await b.node.needMailboxes().revoke('alice'), 1, 'only m1 confirms now')
    assert.ok(await revokedAt(m1) > 0)

    await m2.start() // m2 dials its contacts; bob tells it on that connection, or on his next round
    await until('m2 learns of the revocation', async () => await revokedAt(m2) > 0, 30_000)

    await b.node.useMailboxes(['m2', 'm1'])
    await new Promise(resolve => setTimeout(resolve, 3_000))
    assert.deepEqual(await capability(), first, 'no new capability for a revoked contact')

    await b.node.needMailboxes().allow('alice')
    await until('alice gets a new capability', async () => {
      const c = await capability()
      return c != null && Buffer.compare(Buffer.from(c), Buffer.from(first)) !== 0
    }, 30_000)
    const cap = await openCapability(await capability() as Uint8Array, defaultCrypto)
    assert.ok(cap.issuedAt >= await revokedAt(m1), 'issued after the revocation: hosts take it')
    assert.deepEqual(cap.hosts.map(h => peerIdFromString(m2.peerId).toMultihash().bytes.every((x, i) => x === h.peerId[i])), [true, false], 'naming the hosts in their new order')
  })
})
