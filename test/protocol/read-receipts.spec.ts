/**
 * Read receipts (protocol/messaging/read-receipts.ts, inbox.ts, sealing.ts): a receipt is a sealed control
 * message; the receiving inbox marks the named outgoing messages to its sender read before it
 * acknowledges the envelope, and keeps the receipt out of history and out of the unread count.
 */
import assert from 'node:assert/strict'
import { MAX_ENVELOPE_BYTES, MAX_READ_IDS } from '../../protocol/constants.js'
import { decodeEnvelope } from '../../protocol/messaging/envelope.js'
import { InvalidEnvelopeError } from '../../protocol/errors.js'
import { Inbox } from '../../protocol/messaging/inbox.js'
import { MemoryMessageStore } from '../../protocol/stores/memory/stores.js'
import { readIds, readReceiptPages } from '../../protocol/messaging/read-receipts.js'
import { Sessions } from '../../protocol/messaging/sessions.js'
import { addOut } from './helpers.js'
import { accept, crypto, device, NOW, Sender } from './inbox-party.js'
import type { Device } from './inbox-party.js'

/** An outgoing message id (lower-case hex) holding `n`. */
const outId = (n: number): string => n.toString(16).padStart(32, '0')

/** A store whose markReadByPeer fails while `failing` is set. */
class FailingReads extends MemoryMessageStore {
  failing = false
  override async markReadByPeer (peer: string, ids: string[], at: number): Promise<void> {
    if (this.failing) throw new Error('disk full')
    return super.markReadByPeer(peer, ids, at)
  }
}

describe('read receipts', function () {
  this.timeout(60_000)
  let alice: Device
  let bob: Device
  let carol: Device
  let fromAlice: Sender
  let clock: number
  let messages: FailingReads

  /** Bob's inbox over his store. */
  function bobsInbox (): Inbox {
    const sessions = new Sessions({ crypto, me: bob.identity, prekeys: bob.prekeys, load: async peer => messages.session(peer) })
    return new Inbox({ messages, sessions, now: () => clock })
  }

  /** Bob's outgoing messages 1-3 to Alice (1 delivered, 2 and 3 queued) and 4 to Carol (delivered). */
  async function bobHasSent (): Promise<void> {
    const a = alice.peerId.toString()
    for (const [n, peer] of [[1, a], [2, a], [3, a], [4, carol.peerId.toString()]] as const) {
      await addOut(messages, { id: outId(n), peer, text: `to ${n}`, status: 'queued', createdAt: NOW, expiresAt: NOW + 60_000, envelope: Uint8Array.from([n]) })
    }
    await messages.markDelivered([{ id: outId(1), receipt: Uint8Array.from([1]), deliveredAt: NOW + 10 }, { id: outId(4), receipt: Uint8Array.from([4]), deliveredAt: NOW + 10 }])
  }

  const status = async (n: number): Promise<string | undefined> => (await messages.get(outId(n), 'out'))?.status

  before(async () => {
    [alice, carol] = await Promise.all([device(), device()])
  })

  beforeEach(async () => {
    bob = await device()
    fromAlice = new Sender(alice, bob)
    clock = NOW + 500
    messages = new FailingReads()
    await bobHasSent()
  })

  it('marks the named messages to the sender read, ignores the rest, and keeps the receipt out of history', async () => {
    const receipt = await fromAlice.seal(9, '', { read: [outId(1), outId(2), outId(4), 'not-an-id', outId(99)] })
    assert.deepEqual(await accept(bobsInbox(), receipt, alice.peerId), { storedAt: NOW + 500 })

    assert.deepEqual(await Promise.all([1, 2, 3, 4].map(status)), ['read', 'read', 'queued', 'delivered'], 'Carol\'s message is not Alice\'s to read')
    assert.equal((await messages.get(outId(1), 'out'))?.deliveredAt, NOW + 10)
    assert.equal((await messages.get(outId(2), 'out'))?.deliveredAt, NOW + 500, 'a message read was delivered')
    assert.deepEqual((await messages.queued()).map(m => m.id), [outId(3)])
    assert.deepEqual((await messages.list()).map(m => m.id), [1, 2, 3, 4].map(outId), 'the receipt is not in history')
    assert.deepEqual(await messages.unread(), {})
  })

  it('is applied before the envelope is acknowledged: a failed write refuses it, and the resend applies it', async () => {
    const inbox = bobsInbox()
    const receipt = await fromAlice.seal(9, '', { read: [outId(2)] })
    messages.failing = true
    await assert.rejects(accept(inbox, receipt, alice.peerId), /disk full/)
    assert.equal(await status(2), 'queued')
    assert.equal(await messages.session(alice.peerId.toString()), undefined, 'nothing of the receipt was stored')

    messages.failing = false
    clock += 1_000
    assert.deepEqual(await accept(inbox, receipt, alice.peerId), { storedAt: NOW + 1_500 })
    assert.equal(await status(2), 'read')
    assert.ok(await messages.session(alice.peerId.toString()) != null, 'the session advanced with the stored receipt')
  })

  it('refuses a read receipt that carries text, or too many ids, changing nothing', async () => {
    const inbox = bobsInbox()
    await assert.rejects(accept(inbox, await fromAlice.seal(9, 'hidden text', { read: [outId(2)] }), alice.peerId), /a read receipt carries no text/)
    const tooMany = Array.from({ length: MAX_READ_IDS + 1 }, (_, i) => outId(i + 1))
    await assert.rejects(accept(inbox, await fromAlice.seal(10, '', { read: tooMany }), alice.peerId), (err: Error) => err instanceof InvalidEnvelopeError && /does not decode/.test(err.message))
    assert.deepEqual(await Promise.all([1, 2, 3].map(status)), ['delivered', 'queued', 'queued'])
    assert.deepEqual(await messages.list({ peer: alice.peerId.toString() }).then(l => l.filter(m => m.direction === 'in')), [])
  })

  it('a full page of ids, with the PQXDH initial message, fits the largest envelope and shows no id outside the encryption', async () => {
    const ids = Array.from({ length: MAX_READ_IDS }, (_, i) => outId(0xabc000 + i))
    const receipt = await fromAlice.seal(9, '', { read: ids })
    assert.ok(receipt.byteLength <= MAX_ENVELOPE_BYTES)
    const wire = new TextDecoder('latin1').decode(receipt)
    assert.ok(!ids.some(id => wire.includes(id)), 'no id in the clear')
    decodeEnvelope(receipt) // a well-formed envelope any hop accepts
  })

  it('splits many ids into pages of MAX_READ_IDS, in order', () => {
    const ids = Array.from({ length: 2 * MAX_READ_IDS + 1 }, (_, i) => outId(i))
    const pages = readReceiptPages(ids)
    assert.deepEqual(pages.map(p => p.length), [MAX_READ_IDS, MAX_READ_IDS, 1])
    assert.deepEqual(pages.flat(), ids)
    assert.deepEqual(readReceiptPages([]), [])
  })

  it('readIds keeps well-formed ids once and is empty for a content that is no receipt', () => {
    assert.deepEqual(readIds({ text: 'hello', read: [] }), [])
    assert.deepEqual(readIds({ text: '', read: [outId(1), outId(1).toUpperCase(), outId(2), outId(1), 'x'] }), [outId(1), outId(2)])
    assert.throws(() => readIds({ text: 'x', read: [outId(1)] }), InvalidEnvelopeError)
  })
})
