import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ENVELOPE_VERSION } from '../../protocol/constants.js'
import { encodePayload, Envelope, toHex } from '../../protocol/envelope.js'
import { InvalidEnvelopeError } from '../../protocol/errors.js'
import { Inbox } from '../../protocol/inbox.js'
import { MemoryMessageStore } from '../../protocol/memory-stores.js'
import type { IncomingMessage, StoreResult } from '../../protocol/stores.js'
import type { PeerId } from '@libp2p/interface'

const NOW = 1_700_000_000_000

/** A 16-byte message id holding `n` in its first two bytes. */
function messageId (n: number): Uint8Array {
  const id = new Uint8Array(16).fill(0xee)
  new DataView(id.buffer).setUint16(0, n)
  return id
}

function envelopeFrom (sender: PeerId, n: number, text = `message ${n}`): Envelope {
  const payload = encodePayload({ sender: new Uint8Array(32), senderDevice: sender.toMultihash().bytes, deviceSignature: new Uint8Array(64), text, sentAt: NOW })
  return { version: ENVELOPE_VERSION, id: messageId(n), recipient: new Uint8Array(0), recipientDevice: new Uint8Array(0), created: NOW, expiresAt: NOW + 60_000, payload }
}

async function accept (inbox: Inbox, env: Envelope, from: PeerId): Promise<{ storedAt: number }> {
  return inbox.accept(env, Envelope.encode(env), from)
}

/** A message store whose commits wait until the test opens the gate. */
class GatedStore extends MemoryMessageStore {
  readonly batches: IncomingMessage[][] = []
  private open!: () => void
  private readonly gate = new Promise<void>(resolve => { this.open = resolve })

  commit (): void { this.open() }

  override async storeIncoming (batch: IncomingMessage[]): Promise<Array<StoreResult | Error>> {
    this.batches.push(batch)
    await this.gate
    return super.storeIncoming(batch)
  }
}

describe('inbox', () => {
  let alice: PeerId
  let bob: PeerId
  let clock: number

  before(async () => {
    alice = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    bob = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  })

  beforeEach(() => {
    clock = NOW
  })

  it('stores an accepted message with the sender, text and times of the envelope', async () => {
    const messages = new MemoryMessageStore()
    const stored: IncomingMessage[] = []
    const inbox = new Inbox({ messages, now: () => clock, onStored: m => stored.push(m) })

    const env = envelopeFrom(alice, 1, 'hello')
    assert.deepEqual(await accept(inbox, env, alice), { storedAt: NOW })
    const got = await messages.get(toHex(env.id), 'in')
    assert.equal(got?.peer, alice.toString())
    assert.equal(got?.text, 'hello')
    assert.equal(got?.expiresAt, NOW + 60_000)
    assert.deepEqual(stored.map(m => m.text), ['hello'])
  })

  it('commits concurrent arrivals in one batch and resolves none before the commit', async () => {
    const messages = new GatedStore()
    const inbox = new Inbox({ messages, now: () => clock })
    const settled: number[] = []
    const accepts = [1, 2, 3, 4, 5].map(async n => {
      const r = await accept(inbox, envelopeFrom(alice, n), alice)
      settled.push(n)
      return r
    })

    await new Promise(resolve => setTimeout(resolve, 20))
    assert.deepEqual(settled, [], 'nothing resolves before the transaction commits')
    assert.deepEqual(messages.batches.map(b => b.length), [5])
    assert.deepEqual(await messages.list(), [])

    messages.commit()
    assert.deepEqual(await Promise.all(accepts), Array(5).fill({ storedAt: NOW }))
    assert.equal((await messages.list()).length, 5)
  })

  it('commits a large burst in several transactions, keeping arrival order', async () => {
    const messages = new GatedStore()
    const inbox = new Inbox({ messages, now: () => clock })
    const accepts = Array.from({ length: 300 }, async (_, i) => accept(inbox, envelopeFrom(alice, i, `burst ${i}`), alice))
    messages.commit()
    await Promise.all(accepts)

    assert.ok(messages.batches.length > 1, 'a burst of 300 is not one transaction')
    assert.deepEqual(messages.batches.flat().map(m => m.text), Array.from({ length: 300 }, (_, i) => `burst ${i}`))
  })

  it('answers a repeated envelope with the original storedAt and stores it once', async () => {
    const messages = new MemoryMessageStore()
    let notified = 0
    const inbox = new Inbox({ messages, now: () => clock, onStored: () => { notified++ } })

    await accept(inbox, envelopeFrom(alice, 7), alice)
    clock += 5_000
    assert.deepEqual(await accept(inbox, envelopeFrom(alice, 7), alice), { storedAt: NOW })
    assert.equal((await messages.list()).length, 1)
    assert.equal(notified, 1)
  })

  it('rejects a message id another peer already used, without storing it', async () => {
    const messages = new MemoryMessageStore()
    const inbox = new Inbox({ messages, now: () => clock })
    await accept(inbox, envelopeFrom(alice, 7), alice)
    await assert.rejects(accept(inbox, envelopeFrom(bob, 7), bob), InvalidEnvelopeError)
    assert.deepEqual(await messages.list({ peer: bob.toString() }), [])
  })

  it('rejects a payload naming a sender device other than the connection\'s peer', async () => {
    const messages = new MemoryMessageStore()
    const inbox = new Inbox({ messages, now: () => clock })
    await assert.rejects(accept(inbox, envelopeFrom(alice, 1), bob), (err: Error) => err instanceof InvalidEnvelopeError && /sender device/.test(err.message))
    assert.deepEqual(await messages.list(), [])
  })

  it('rejects a payload with bad padding', async () => {
    const messages = new MemoryMessageStore()
    const inbox = new Inbox({ messages, now: () => clock })
    const env = envelopeFrom(alice, 1)
    env.payload[env.payload.byteLength - 1] = 0x01
    await assert.rejects(accept(inbox, env, alice), /padding is malformed/)
    assert.deepEqual(await messages.list(), [])
  })

  it('rejects every message of a batch whose transaction fails', async () => {
    const messages = new MemoryMessageStore()
    messages.storeIncoming = async () => { throw new Error('disk full') }
    const inbox = new Inbox({ messages, now: () => clock })
    const results = await Promise.allSettled([1, 2].map(async n => accept(inbox, envelopeFrom(alice, n), alice)))
    assert.deepEqual(results.map(r => r.status === 'rejected' ? (r.reason as Error).message : 'fulfilled'), ['disk full', 'disk full'])
  })
})
