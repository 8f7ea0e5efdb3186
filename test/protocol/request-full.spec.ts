/**
 * A stranger whose message request is full learns so: the recipient refuses with REFUSED (final),
 * and the stranger's message fails with the reason instead of being retried forever. Two
 * production nodes on the memory transport.
 */
import assert from 'node:assert/strict'
import { STRANGER_LIMITS } from '../../protocol/index.js'
import { memoryFerries } from '../memory-ferries.js'
import { waitFor } from '../node/harness.js'

describe('a full message request', function () {
  this.timeout(60_000)
  const nodes = memoryFerries('request-full')
  after(async () => { await nodes.stop() })

  it(`takes ${STRANGER_LIMITS.messagesPerPeer} messages from a stranger and fails the rest at the sender, with the reason`, async () => {
    const victor = await nodes.node('victor')
    const mallory = await nodes.node('mallory')
    await mallory.roster.add('victor', await victor.roster.invite())
    const total = STRANGER_LIMITS.messagesPerPeer + 3
    for (let i = 0; i < total; i++) await mallory.conversations.send('victor', `hello ${i}`)
    await waitFor('every message settled', async () => (await mallory.conversations.history()).every(m => m.status === 'delivered' || m.status === 'failed'), 30_000)
    const out = await mallory.conversations.history()
    assert.equal(out.filter(m => m.status === 'delivered').length, STRANGER_LIMITS.messagesPerPeer)
    const failed = out.filter(m => m.status === 'failed')
    assert.equal(failed.length, 3)
    for (const m of failed) assert.match(m.error ?? '', /message request is full/)
    assert.equal((await victor.roster.requests())[0].messages, STRANGER_LIMITS.messagesPerPeer)
  })
})
