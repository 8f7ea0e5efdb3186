/**
 * yamux keep-alive (FerryOptions.keepAlive): on by default, a ping every 30 s on every connection,
 * which keeps NAT mappings open; off in the in-process simulator, where tens of thousands of
 * connection ends in one process spent ~30 % of the CPU on pings (sim/scenarios/README.md,
 * scale-1000). Real createFerry nodes on the memory transport; the muxer is read from the
 * connection (a libp2p internal, named here).
 */
import assert from 'node:assert/strict'
import { InProcessNode, InProcessWorld } from '../../node/sim/inprocess.js'
import { validateScenario } from '../../node/sim/scenario.js'
import { memoryFerries } from '../memory-ferries.js'
import type { Ferry } from '../../protocol/index.js'
import type { Connection } from '@libp2p/interface'

/** Whether a connection's yamux muxer runs its keep-alive ping task. */
function pinging (connection: Connection): boolean {
  const muxer = (connection as unknown as { muxer?: { enableKeepAlive?: boolean, keepAlive?: unknown } }).muxer
  assert.ok(muxer != null && typeof muxer.enableKeepAlive === 'boolean', 'the connection has a yamux muxer')
  return muxer.enableKeepAlive === true && muxer.keepAlive != null
}

describe('yamux keep-alive', function () {
  this.timeout(60_000)
  const ferries = memoryFerries('keepalive')
  const world = new InProcessWorld(validateScenario({ name: 'k', mode: 'inprocess', durationMs: 1000, groups: [{ name: 'n', count: 2 }], contacts: { kind: 'random', k: 1 }, traffic: { rate: 1, sizes: [16] } }))

  const node = async (name: string, keepAlive?: boolean): Promise<Ferry> =>
    ferries.node(name, keepAlive == null ? {} : { keepAlive })

  after(async () => {
    await ferries.stop()
    await Promise.all([...world.nodes.values()].map(async n => n.stop()))
    world.memoryMetrics() // ends its RSS sampler
  })

  it('a daemon pings on every connection; keepAlive: false turns it off on that node\'s side only', async () => {
    const [daemon, quiet, other] = await Promise.all([node('daemon'), node('quiet', false), node('other')])
    const toOther = await daemon.libp2p.dial(other.libp2p.getMultiaddrs()[0])
    assert.equal(pinging(toOther), true, 'the default keeps the connection alive')
    const fromQuiet = await quiet.libp2p.dial(other.libp2p.getMultiaddrs()[0])
    assert.equal(pinging(fromQuiet), false, 'keepAlive: false')
    const atOther = other.libp2p.getConnections(quiet.libp2p.peerId)
    assert.equal(atOther.length, 1)
    assert.equal(pinging(atOther[0]), true, 'the other end keeps its own default')
  })

  it('the in-process simulator\'s nodes do not ping', async () => {
    const [a, b] = await Promise.all(['a', 'b'].map(async name => {
      const n = await InProcessNode.create(name, world)
      world.nodes.set(name, n)
      await n.start()
      return n
    }))
    await a.addContact('b', await b.invite())
    const connections = a.ferry?.libp2p.getConnections(b.ferry?.libp2p.peerId) ?? []
    assert.ok(connections.length > 0, 'a is connected to its contact')
    assert.ok(connections.every(c => !pinging(c)))
  })
})
