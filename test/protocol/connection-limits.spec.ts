/**
 * A node over its connection limit keeps its contacts (Reach tags the peers it connects to,
 * CONTACT_TAG): libp2p's pruner closes the least valued connection first, and among equal values
 * the newest inbound one, which here is the contact's. Real createFerry nodes on the memory
 * transport, DHT off so that no kad-dht tag takes part.
 */
import assert from 'node:assert/strict'
import { CONTACT_TAG } from '../../protocol/index.js'
import { memoryFerries } from '../memory-ferries.js'
import { until } from '../node/sqlite-peer.js'
import type { Ferry } from '../../protocol/index.js'

describe('connection limits: a node over its limit keeps its contacts', function () {
  this.timeout(60_000)
  const ferries = memoryFerries('limits')
  const node = async (name: string, maxConnections?: number): Promise<Ferry> =>
    ferries.node(name, maxConnections == null ? {} : { connectionLimits: { maxConnections } })
  const dial = async (from: Ferry, to: Ferry): Promise<void> => { await from.libp2p.dial(to.libp2p.getMultiaddrs()[0]) }

  after(async () => { await ferries.stop() })

  it('closes a newer non-contact instead of the contact whose inbound connection would go first', async () => {
    const a = await node('a', 3)
    const [p1, p2, p3, c] = await Promise.all(['p1', 'p2', 'p3', 'c'].map(async n => node(n)))
    await dial(a, p1)
    await dial(a, p2)
    // the contact connects to a: inbound, the newest, and the pruner's first pick among equals
    await dial(c, a)
    await a.roster.add('c', await c.roster.invite())
    await until('a tags its contact', async () => (await a.libp2p.peerStore.get(c.libp2p.peerId)).tags.has(CONTACT_TAG))
    assert.equal(a.libp2p.getConnections().length, 3)

    await dial(a, p3)
    await until('a is back at its limit', () => a.libp2p.getConnections().length <= 3)
    assert.equal(a.libp2p.getConnections(c.libp2p.peerId).length, 1, 'the contact kept its connection')
    const kept = [p1, p2, p3].filter(p => a.libp2p.getConnections(p.libp2p.peerId).length > 0)
    assert.equal(kept.length, 2, 'one non-contact was closed')
  })
})
