/**
 * Streams one peer may hold open per connection, per Ferry protocol: past the limit the receiver
 * resets new ones and keeps serving the others. Two production nodes on the memory transport.
 */
import assert from 'node:assert/strict'
import { DM_PROTOCOL } from '../../protocol/index.js'
import { MAX_INBOUND_STREAMS } from '../../protocol/services/dm/constants.js'
import { MAILBOX_PROTOCOL } from '../../protocol/mailbox/index.js'
import { memoryFerries } from '../memory-ferries.js'
import type { Ferry } from '../../protocol/index.js'

describe('streams per connection', function () {
  this.timeout(60_000)
  const nodes = memoryFerries('stream-limits')
  let victim: Ferry
  let flooder: Ferry
  before(async () => {
    victim = await nodes.node('victim')
    flooder = await nodes.node('flooder')
  })
  after(async () => { await nodes.stop() })

  for (const [protocol, limit] of [[DM_PROTOCOL, MAX_INBOUND_STREAMS], [MAILBOX_PROTOCOL, 32]] as const) {
    it(`${protocol}: at most ${limit} inbound streams per connection; more are refused`, async () => {
      const connection = await flooder.libp2p.dial(victim.libp2p.getMultiaddrs()[0])
      let opened = 0
      let refused = 0
      for (let i = 0; i < limit + 10; i++) {
        try {
          await connection.newStream(protocol)
          opened++
        } catch {
          refused++
        }
      }
      await new Promise(resolve => setTimeout(resolve, 200))
      const open = victim.libp2p.getConnections(flooder.libp2p.peerId).flatMap(c => c.streams).filter(s => s.protocol === protocol && s.direction === 'inbound' && s.status === 'open')
      assert.ok(open.length <= limit, `${open.length} open at the victim`)
      assert.ok(refused + (opened - open.length) >= 10, `the extra streams were refused (${refused} at once, ${opened - open.length} reset)`)
      await connection.close()
    })
  }
})
