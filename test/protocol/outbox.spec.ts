import assert from 'node:assert/strict'
import { addOut } from './helpers.js'
import { MemoryMessageStore } from '../../protocol/stores/memory/stores.js'
import { Outbox } from '../../protocol/messaging/outbox.js'
import { EnvelopeRejectedError, Rejection } from '../../protocol/services/dm/index.js'
import type { OutboxInit } from '../../protocol/messaging/outbox.js'
import type { DeliveryReceipt } from '../../protocol/services/dm/index.js'
import type { OutgoingMessage } from '../../protocol/stores/stores.js'
import type { Connection, Logger } from '@libp2p/interface'

const NOW = 1_700_000_000_000
const ALICE = '12D3KooWAlice'
const BOB = '12D3KooWBob'
const RETRY_MS = 20

const silent: Logger = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false, newScope: () => silent })

function outgoing (n: number, peer: string, fields: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return { id: n.toString(16).padStart(32, '0'), peer, text: `m${n}`, status: 'queued', createdAt: NOW + n, expiresAt: NOW + 60_000, envelope: Uint8Array.from([n]), ...fields }
}

async function until (condition: () => Promise<boolean>, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await new Promise(resolve => setTimeout(resolve, 2))
  }
}

/** An outbox over an in-memory store with a scripted network. */
class Harness {
  readonly messages = new MemoryMessageStore()
  readonly connects: Array<{ peer: string, at: number }> = []
  readonly delivered: number[] = []
  clock = NOW
  /** how the next connect attempts end: an Error fails one, anything else succeeds */
  connectPlan: Array<Error | undefined> = []
  /** per envelope first byte: an error to throw instead of a receipt */
  rejectWith = new Map<number, Error>()
  readonly outbox: Outbox

  constructor (init: Partial<OutboxInit> = {}) {
    this.outbox = new Outbox({
      messages: this.messages,
      now: () => this.clock,
      log: silent,
      retryInitialMs: RETRY_MS,
      connect: async (peer) => {
        this.connects.push({ peer, at: performance.now() })
        const err = this.connectPlan.shift()
        if (err != null) throw err
        return { remotePeer: peer } as unknown as Connection
      },
      deliver: async (_connection, envelope): Promise<DeliveryReceipt> => {
        this.delivered.push(envelope[0])
        const err = this.rejectWith.get(envelope[0])
        if (err != null) throw err
        return { messageId: new Uint8Array(16), envelopeHash: new Uint8Array(32), storedAt: this.clock, signature: new Uint8Array(64), path: [] }
      },
      ...init
    })
  }

  async status (n: number): Promise<string | undefined> {
    return (await this.messages.get(n.toString(16).padStart(32, '0'), 'out'))?.status
  }
}

describe('outbox', () => {
  let h: Harness

  beforeEach(() => {
    h = new Harness()
  })

  afterEach(() => {
    h.outbox.stop()
  })

  it('delivers a peer\'s queued messages in order and marks them delivered', async () => {
    for (const m of [outgoing(1, ALICE), outgoing(2, BOB), outgoing(3, ALICE), outgoing(4, ALICE)]) await addOut(h.messages, m)
    await h.outbox.flush(ALICE)

    assert.deepEqual(h.delivered, [1, 3, 4])
    assert.deepEqual(h.connects.map(c => c.peer), [ALICE])
    for (const n of [1, 3, 4]) assert.equal((await h.messages.get(outgoing(n, ALICE).id, 'out'))?.deliveredAt, NOW)
    assert.deepEqual((await h.messages.queued()).map(m => m.peer), [BOB])
  })

  it('flushAll tries every peer with queued messages', async () => {
    for (const m of [outgoing(1, ALICE), outgoing(2, BOB)]) await addOut(h.messages, m)
    await h.outbox.flushAll()
    assert.deepEqual(h.connects.map(c => c.peer).sort(), [ALICE, BOB].sort())
    assert.equal(await h.messages.countQueued(), 0)
  })

  it('does not connect when nothing is queued', async () => {
    await h.outbox.flush(ALICE)
    assert.deepEqual(h.connects, [])
  })

  it('keeps messages queued while the peer is unreachable and retries with growing delays', async () => {
    h.connectPlan = [new Error('no route'), new Error('no route'), new Error('no route')]
    await addOut(h.messages, outgoing(1, ALICE))
    await h.outbox.flush(ALICE)

    assert.equal(await h.status(1), 'queued')
    assert.equal(await h.messages.countQueued(), 1)
    await until(async () => await h.status(1) === 'delivered')

    assert.equal(h.connects.length, 4)
    const gaps = h.connects.slice(1).map((c, i) => c.at - h.connects[i].at)
    // setTimeout may fire up to a millisecond early; the delays are 20, 40, 80 ms
    assert.ok(gaps[0] >= RETRY_MS - 1 && gaps[1] >= 2 * RETRY_MS - 1 && gaps[2] >= 4 * RETRY_MS - 1, `gaps ${gaps.join(', ')}`)
    assert.deepEqual(h.delivered, [1])
  })

  it('caps the retry delay at retryMaxMs', async () => {
    h = new Harness({ retryInitialMs: 10, retryMaxMs: 10 })
    h.connectPlan = [new Error('no route'), new Error('no route'), new Error('no route'), new Error('no route')]
    await addOut(h.messages, outgoing(1, ALICE))
    await h.outbox.flush(ALICE)
    await until(async () => await h.status(1) === 'delivered')

    // uncapped the delays would be 10, 20, 40, 80 ms
    const last = h.connects[4].at - h.connects[3].at
    assert.ok(last < 60, `last delay ${last} ms`)
  })

  it('delivers at once when the peer connects, forgetting the backoff', async () => {
    h = new Harness({ retryInitialMs: 60_000 })
    h.connectPlan = [new Error('no route')]
    await addOut(h.messages, outgoing(1, ALICE))
    await h.outbox.flush(ALICE)
    assert.equal(await h.status(1), 'queued')

    h.outbox.onConnect(ALICE)
    await until(async () => await h.status(1) === 'delivered', 500)
  })

  it('stops retrying after stop()', async () => {
    h.connectPlan = [new Error('no route'), new Error('no route')]
    await addOut(h.messages, outgoing(1, ALICE))
    await h.outbox.flush(ALICE)
    h.outbox.stop()
    await new Promise(resolve => setTimeout(resolve, 4 * RETRY_MS))
    assert.equal(h.connects.length, 1)
    assert.equal(await h.status(1), 'queued')
  })

  it('fails a message the receiver refuses as malformed, with the reason, and goes on', async () => {
    h.rejectWith.set(1, new EnvelopeRejectedError(Rejection.Code.MALFORMED, 'payload is not padded'))
    h.rejectWith.set(2, new EnvelopeRejectedError(Rejection.Code.NOT_FOR_ME, 'another device'))
    for (const n of [1, 2, 3]) await addOut(h.messages, outgoing(n, ALICE))
    await h.outbox.flush(ALICE)

    const failed = await h.messages.get(outgoing(1, ALICE).id, 'out')
    assert.equal(failed?.status, 'failed')
    assert.match(failed?.error ?? '', /payload is not padded/)
    assert.equal(await h.status(2), 'failed')
    assert.equal(await h.status(3), 'delivered')
    await new Promise(resolve => setTimeout(resolve, 3 * RETRY_MS))
    assert.deepEqual(h.delivered, [1, 2, 3], 'final rejections are not retried')
  })

  it('marks a message the receiver calls expired as expired', async () => {
    h.rejectWith.set(1, new EnvelopeRejectedError(Rejection.Code.EXPIRED, 'envelope expired'))
    await addOut(h.messages, outgoing(1, ALICE))
    await h.outbox.flush(ALICE)
    assert.equal(await h.status(1), 'expired')
    assert.equal(await h.messages.countQueued(), 0)
  })

  it('retries a message after a transient failure such as a storage error', async () => {
    h.rejectWith.set(1, new EnvelopeRejectedError(Rejection.Code.STORAGE_FAILED, 'disk full'))
    await addOut(h.messages, outgoing(1, ALICE))
    await h.outbox.flush(ALICE)
    assert.equal(await h.status(1), 'queued')

    h.rejectWith.clear()
    await until(async () => await h.status(1) === 'delivered')
    assert.deepEqual(h.delivered, [1, 1])
  })

  it('marks already expired messages expired and never sends them', async () => {
    await addOut(h.messages, outgoing(1, ALICE, { expiresAt: NOW - 1 }))
    await addOut(h.messages, outgoing(2, ALICE, { expiresAt: NOW }))
    await h.outbox.flush(ALICE)

    assert.equal(await h.status(1), 'expired')
    assert.equal(await h.status(2), 'expired')
    assert.deepEqual(h.delivered, [])
    assert.deepEqual(h.connects, [])
  })

  it('picks up a message queued while its pass is still reading the queue', async () => {
    await addOut(h.messages, outgoing(1, ALICE))
    const first = h.outbox.flush(ALICE)
    await addOut(h.messages, outgoing(2, ALICE))
    const second = h.outbox.flush(ALICE)
    await Promise.all([first, second])

    assert.deepEqual(h.delivered, [1, 2])
  })

  it('a message queued while its pass waits on messages in flight joins that pass at once, on the same connection', async () => {
    let release = (): void => {}
    const gate = new Promise<void>(resolve => { release = resolve })
    const started = Promise.withResolvers<void>()
    const delivered: number[] = []
    const g = new Harness({
      deliver: async (_connection, envelope) => {
        delivered.push(envelope[0])
        if (envelope[0] === 1) { started.resolve(); await gate }
        return { messageId: new Uint8Array(16), envelopeHash: new Uint8Array(32), storedAt: NOW, signature: new Uint8Array(64), path: [] }
      }
    })
    try {
      await addOut(g.messages, outgoing(1, ALICE))
      const first = g.outbox.flush(ALICE)
      await started.promise
      await new Promise(resolve => setTimeout(resolve, 10)) // the pass has read past message 1 and waits on it
      await addOut(g.messages, outgoing(2, ALICE))
      const second = g.outbox.flush(ALICE)
      // message 2 leaves while message 1 still waits for its receipt: the pipeline does not drain
      const deadline = Date.now() + 2_000
      while (!delivered.includes(2) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 5))
      assert.deepEqual(delivered, [1, 2], 'message 2 sent before message 1\'s receipt')
      release()
      await Promise.all([first, second])

      assert.deepEqual(delivered, [1, 2], 'each sent once')
      assert.equal(g.connects.length, 1, 'one connection for both')
      assert.deepEqual(await g.messages.queued(ALICE), [], 'both delivered')
    } finally {
      g.outbox.stop()
    }
  })
})
