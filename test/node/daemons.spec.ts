/**
 * Two daemons as separate OS processes with separate data dirs on loopback
 * exchange messages over WebRTC with signed receipts, and queued messages survive restarts.
 */
import assert from 'node:assert/strict'
import { befriend, startDaemons, stopAll, waitFor } from './harness.js'
import type { DaemonProcess } from './harness.js'

const N = 100

async function sendAll (from: DaemonProcess, to: string, texts: string[]): Promise<string[]> {
  const ids: string[] = []
  for (const text of texts) ids.push((await from.api.post('/v1/messages', { contact: to, text })).id)
  return ids
}

describe('two daemons (separate processes, loopback)', function () {
  this.timeout(180_000)
  let alice: DaemonProcess
  let bob: DaemonProcess

  before(async () => {
    [alice, bob] = await startDaemons('alice', 'bob')
    await befriend(alice, bob)
  })

  after(async () => stopAll([alice, bob].filter(Boolean)))

  it(`exchange ${N} messages each way over WebRTC: each arrives once, in order, sender sees delivered`, async () => {
    const toBob = Array.from({ length: N }, (_, i) => `a->b ${i} ✓ ü`)
    const toAlice = Array.from({ length: N }, (_, i) => `b->a ${i}`)
    const [idsToBob, idsToAlice] = await Promise.all([sendAll(alice, 'bob', toBob), sendAll(bob, 'alice', toAlice)])

    await waitFor('all delivered', async () =>
      (await alice.messages('out')).every(m => m.status === 'delivered') && (await bob.messages('out')).every(m => m.status === 'delivered'), 60_000)

    const bobIn = await bob.messages('in')
    const aliceIn = await alice.messages('in')
    assert.deepEqual(bobIn.map(m => m.text), toBob, 'bob got every message once, in order')
    assert.deepEqual(aliceIn.map(m => m.text), toAlice, 'alice got every message once, in order')
    assert.deepEqual(bobIn.map(m => m.id), idsToBob)
    assert.deepEqual(aliceIn.map(m => m.id), idsToAlice)
    assert.ok(bobIn.every(m => m.contact === 'alice' && m.status === 'delivered'))
    for (const m of await alice.messages('out')) assert.ok(m.deliveredAt >= m.createdAt)

    // the messages crossed a WebRTC connection: it is the only connection between the two
    const status = await alice.api.get('/v1/status')
    const toBobConns = status.connections.filter((c: any) => c.contact === 'bob')
    assert.ok(toBobConns.length > 0, 'alice is connected to bob')
    assert.ok(toBobConns.every((c: any) => c.transport === 'webrtc-direct'), `connections: ${JSON.stringify(toBobConns)}`)
    assert.equal(status.outbox, 0)
  })

  it('receiver down: 10 messages stay queued, then arrive without another command and survive restarts', async () => {
    const before = (await bob.messages('in')).length
    assert.equal(await bob.stop(), 0, 'bob exits cleanly on SIGTERM')
    const texts = Array.from({ length: 10 }, (_, i) => `while you were away ${i}`)
    await sendAll(alice, 'bob', texts)
    const queued = (await alice.messages('out')).slice(-10)
    assert.ok(queued.every(m => m.status === 'queued'), 'queued while bob is down')
    assert.equal((await alice.api.get('/v1/status')).outbox, 10)

    // restart the sender too while the messages are queued: the outbox is durable
    assert.equal(await alice.stop(), 0)
    await alice.start()
    assert.equal((await alice.api.get('/v1/status')).outbox, 10, 'queue survived the sender restart')

    await bob.start()
    await waitFor('queued messages delivered', async () => (await bob.messages('in')).length === before + 10, 60_000)
    await waitFor('sender sees delivered', async () => (await alice.messages('out')).every(m => m.status === 'delivered'), 30_000)
    assert.deepEqual((await bob.messages('in')).slice(-10).map(m => m.text), texts)

    // and everything survives a restart of both sides
    await Promise.all([alice.stop(), bob.stop()])
    await Promise.all([alice.start(), bob.start()])
    assert.equal((await bob.messages('in')).length, before + 10)
    assert.ok((await alice.messages('out')).every(m => m.status === 'delivered'))
    assert.deepEqual((await alice.api.get<any[]>('/v1/contacts')).map(c => c.name), ['bob'])
  })
})
