/**
 * Read receipts end to end: two in-process Ferry peers on SQLite over real libp2p (TCP on
 * 127.0.0.1). The reader's markRead sends one encrypted control message; the sender's messages
 * become 'read'; nothing of it shows in either history; with readReceipts off nothing is sent.
 */
import assert from 'node:assert/strict'
import { befriend, runningPeers, SqlitePeer, until } from './sqlite-peer.js'
import type { MessageView } from '../../protocol/index.js'

describe('read receipts (two peers over libp2p)', function () {
  this.timeout(120_000)
  const peer = runningPeers()

  /** Control messages a peer has written, by direction (they never show in history). */
  const controls = (p: SqlitePeer, direction: 'in' | 'out'): number =>
    Number((p.db?.prepare('SELECT COUNT(*) AS n FROM messages WHERE kind = \'control\' AND direction = ?').get(direction) as { n: number }).n)

  const sentTo = async (p: SqlitePeer, contact: string): Promise<MessageView[]> =>
    (await p.node.conversations.history({ contact })).filter(m => m.direction === 'out')

  it('B reads 3 messages: A sees them read, B has none unread, and a second markRead sends nothing', async () => {
    const [a, b] = await Promise.all([peer('alice'), peer('bob')])
    await befriend(a, b)
    const sent: MessageView[] = []
    for (const text of ['one', 'two', 'three']) sent.push(await a.node.conversations.send('bob', text))
    await until('all 3 delivered', async () => (await sentTo(a, 'bob')).filter(m => m.status === 'delivered').length === 3)
    assert.deepEqual(await b.node.conversations.unread(), { alice: 3 })

    const read = await b.node.conversations.markRead('alice')
    assert.deepEqual(read, sent.map(m => m.id))
    assert.deepEqual(await b.node.conversations.unread(), {})
    assert.deepEqual((await b.node.conversations.history({ contact: 'alice' })).map(m => m.status), ['read', 'read', 'read'])
    assert.equal(controls(b, 'out'), 1, 'one receipt for all three')
    await until('A sees all 3 read', async () => (await sentTo(a, 'bob')).every(m => m.status === 'read'))
    assert.equal(controls(a, 'in'), 1)
    const history = [...await a.node.conversations.history(), ...await b.node.conversations.history()]
    assert.deepEqual(history.map(m => m.text).sort(), ['one', 'one', 'three', 'three', 'two', 'two'], 'no receipt in either history')

    assert.deepEqual(await b.node.conversations.markRead('alice'), [])
    assert.equal(controls(b, 'out'), 1, 'nothing left to read: nothing sent')
  })

  it('with readReceipts: false the reader marks its messages read but A\'s stay delivered', async () => {
    const [a, c] = await Promise.all([peer('alice2'), peer('carol', { readReceipts: false })])
    await befriend(a, c)
    const m = await a.node.conversations.send('carol', 'private reading')
    await until('delivered', async () => (await sentTo(a, 'carol')).some(x => x.id === m.id && x.status === 'delivered'))

    assert.deepEqual(await c.node.conversations.markRead('alice2'), [m.id])
    assert.deepEqual(await c.node.conversations.unread(), {})
    assert.equal(controls(c, 'out'), 0)
    // a message queued after a receipt would be delivered after it: once this arrives, no receipt is on its way
    const reply = await c.node.conversations.send('alice2', 'read it, not telling')
    await until('the reply arrives', async () => (await a.node.conversations.history({ contact: 'carol' })).some(x => x.id === reply.id))
    assert.equal((await sentTo(a, 'carol')).find(x => x.id === m.id)?.status, 'delivered')
    assert.equal(controls(a, 'in'), 0)
  })
})
