/**
 * A peer that resets its stream while the receiver still owes it replies: writing a reply then
 * fails, and that failure was an unhandled rejection — which ends a Node process. Found by the
 * stream fuzzer (test/fuzz/streams.ts); here against a real node on the memory transport, for
 * /ferry/dm and /ferry/mailbox.
 */
import assert from 'node:assert/strict'
import { noise } from '@chainsafe/libp2p-noise'
import { memory } from '@libp2p/memory'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { createIdentity, DM_PROTOCOL, memoryStores } from '../../protocol/index.js'
import { MAILBOX_PROTOCOL, Request } from '../../protocol/mailbox/index.js'
import { frameStream, RAW } from '../../protocol/services/streams/frames.js'
import { memoryFerries } from '../memory-ferries.js'

describe('replies to a stream the peer reset', function () {
  this.timeout(60_000)
  const nodes = memoryFerries('resets')

  after(async () => { await nodes.stop() })

  it('do not end the process; the node still answers', async () => {
    const rejections: unknown[] = []
    const onRejection = (err: unknown): void => { rejections.push(err) }
    process.on('unhandledRejection', onRejection)
    try {
      const victim = await nodes.node('victim', { stores: memoryStores({ mailbox: true }) })
      const peer = await createLibp2p({ privateKey: (await createIdentity()).deviceKey, transports: [memory()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
      await peer.start()
      const garbage = Uint8Array.of(0x0a, 0x03, 1, 2, 3)
      for (let i = 0; i < 100; i++) {
        for (const [protocol, frames] of [[DM_PROTOCOL, [garbage, garbage]], [MAILBOX_PROTOCOL, [Request.encode({ status: true, deposits: [] })]]] as const) {
          const stream = await peer.dialProtocol(victim.libp2p.getMultiaddrs()[0], protocol)
          await frameStream(stream, { maxDataLength: 1024 }).writeV([...frames], RAW)
          stream.abort(new Error('reset before the replies'))
        }
      }
      await new Promise(resolve => setTimeout(resolve, 200))
      const stream = await peer.dialProtocol(victim.libp2p.getMultiaddrs()[0], MAILBOX_PROTOCOL)
      const frames = frameStream(stream, { maxDataLength: 1024 * 1024 })
      await frames.write(Request.encode({ status: true, deposits: [] }), RAW)
      assert.ok((await frames.read(RAW)).byteLength > 0, 'the node answers a new stream')
      await peer.stop()
    } finally {
      process.off('unhandledRejection', onRejection)
    }
    assert.deepEqual(rejections.map(String), [], 'no unhandled rejection')
  })
})
