/**
 * /ferry/dm/1.1.0 between production nodes (memory transport): a burst of messages comes back
 * with receipts signed a window at a time — far fewer signatures than receipts, each receipt
 * checked on its own — and a peer that speaks only /ferry/dm/1.0.0 (an older release) still gets
 * its messages, with one signed receipt each.
 */
import assert from 'node:assert/strict'
import { PROTOCOL_WINDOWED } from '../../protocol/services/dm/constants.js'
import { memoryFerries } from '../memory-ferries.js'
import type { DeliveryReceipt } from '../../protocol/receipts/receipt.js'
import type { Ferry } from '../../protocol/index.js'

const BURST = 300

/** The receipts `ferry`'s dm service returns from now on. */
function recordReceipts (ferry: Ferry): DeliveryReceipt[] {
  const got: DeliveryReceipt[] = []
  const dm = ferry.libp2p.services.dm
  const send = dm.send.bind(dm)
  dm.send = async (...args) => {
    const r = await send(...args)
    got.push(r)
    return r
  }
  return got
}

async function burst (from: Ferry, to: string): Promise<void> {
  const sent = await Promise.all(Array.from({ length: BURST }, async (_, i) => await from.conversations.send(to, `burst ${i}`)))
  const ids = new Set(sent.map(m => m.id))
  const deadline = Date.now() + 60_000
  while ((await from.conversations.history({ contact: to })).filter(m => ids.has(m.id) && m.status === 'delivered').length < BURST) {
    if (Date.now() > deadline) throw new Error('the burst was not delivered within 60 s')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

describe('/ferry/dm receipts signed a window at a time', function () {
  this.timeout(120_000)
  const nodes = memoryFerries('dm-windows')
  after(async () => { await nodes.stop() })

  async function pair (a: string, b: string): Promise<[Ferry, Ferry]> {
    const [x, y] = [await nodes.node(a), await nodes.node(b)]
    await x.roster.add(b, y.addresses()[0])
    await y.roster.add(a, `/p2p/${x.peerId}`)
    return [x, y]
  }

  it(`a burst of ${BURST} comes back with far fewer signatures than receipts, each receipt checked on its own`, async () => {
    const [alice] = await pair('alice', 'bob')
    const receipts = recordReceipts(alice)
    await burst(alice, 'bob')
    assert.equal(receipts.length, BURST)
    const windows = new Set(receipts.map(r => Buffer.from(r.signature).toString('hex')))
    console.log(`      ${BURST} receipts under ${windows.size} signatures`)
    assert.ok(receipts.every(r => r.count != null && r.count >= 1), 'window receipts')
    assert.ok(windows.size <= BURST / 4, `${windows.size} signatures for ${BURST} receipts`)
  })

  it('a peer that speaks only /ferry/dm/1.0.0 gets every message, with a signed receipt each', async () => {
    const [carol, dave] = await pair('carol', 'dave')
    await dave.libp2p.unhandle(PROTOCOL_WINDOWED) // as a release before 1.1.0
    const receipts = recordReceipts(carol)
    await burst(carol, 'dave')
    assert.equal(receipts.length, BURST)
    assert.ok(receipts.every(r => r.count == null && r.path.length === 0), 'single receipts')
    assert.equal(new Set(receipts.map(r => Buffer.from(r.signature).toString('hex'))).size, BURST, 'one signature each')
    const texts = (await dave.conversations.history({ contact: 'carol' })).map(m => m.text)
    assert.equal(texts.filter(t => t.startsWith('burst ')).length, BURST)
  })
})
