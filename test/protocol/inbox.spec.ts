/**
 * Inbox (protocol/messaging/inbox.ts): real sealed envelopes from a sender's Sessions, decrypted and stored
 * by the receiver's Inbox over a MemoryMessageStore, whose session record is what the receiver's
 * Sessions loads — as createFerry wires them.
 */
import assert from 'node:assert/strict'
import { Envelope, pad } from '../../protocol/messaging/envelope.js'
import { toHex } from '../../protocol/util/bytes.js'
import { InvalidEnvelopeError } from '../../protocol/errors.js'
import { Inbox, UndecryptableError } from '../../protocol/messaging/inbox.js'
import { MemoryMessageStore } from '../../protocol/stores/memory/stores.js'
import { Sealed } from '../../protocol/pb/ferry.js'
import { openPayload } from '../../protocol/messaging/seal.js'
import { Sessions } from '../../protocol/messaging/sessions.js'
import { accept, crypto, device, messageId, NOW, Sender, TTL } from './inbox-party.js'
import type { Device } from './inbox-party.js'
import type { Content } from '../../protocol/pb/ferry.js'
import type { IncomingMessage, StoreResult } from '../../protocol/stores/stores.js'

/** The envelope with one byte of its ratchet ciphertext flipped (padding and protobuf still valid). */
function tamperCiphertext (bytes: Uint8Array): Uint8Array {
  const env = Envelope.decode(bytes)
  const sealed = openPayload(env)
  const ciphertext = sealed.ciphertext.slice()
  ciphertext[0] ^= 0x01
  return Envelope.encode({ ...env, payload: pad(Sealed.encode({ ...sealed, ciphertext })) })
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

describe('inbox', function () {
  this.timeout(60_000)
  let alice: Device
  let bob: Device
  let clock: number
  let fromAlice: Sender

  /** Bob's inbox over `messages`, with his Sessions loading from that store. */
  function inboxOf (messages: MemoryMessageStore, hooks: { onStored?: (m: IncomingMessage) => void, onIdentity?: (peer: string, identity: Uint8Array) => Promise<unknown>, onUndecryptable?: (peer: string) => void } = {}): Inbox {
    const sessions = new Sessions({ crypto, me: bob.identity, prekeys: bob.prekeys, load: async peer => messages.session(peer) })
    return new Inbox({ messages, sessions, now: () => clock, ...hooks })
  }

  before(async () => {
    alice = await device()
  })

  beforeEach(async () => {
    bob = await device()
    fromAlice = new Sender(alice, bob)
    clock = NOW
  })

  it('stores a decrypted message with the sender, text and times of the envelope, and its session record', async () => {
    const messages = new MemoryMessageStore()
    const stored: IncomingMessage[] = []
    const inbox = inboxOf(messages, { onStored: m => stored.push(m) })

    clock = NOW + 250
    assert.deepEqual(await accept(inbox, await fromAlice.seal(1, 'hello bob'), alice.peerId), { storedAt: NOW + 250 })
    const got = await messages.get(toHex(messageId(1)), 'in')
    assert.equal(got?.peer, alice.peerId.toString())
    assert.equal(got?.text, 'hello bob')
    assert.equal(got?.createdAt, NOW)
    assert.equal(got?.expiresAt, NOW + TTL)
    assert.equal(got?.deliveredAt, NOW + 250)
    assert.deepEqual(stored.map(m => m.text), ['hello bob'])
    assert.ok(await messages.session(alice.peerId.toString()) != null, 'the session record is stored with the message')
  })

  it('calls onIdentity with the sender\'s identity key when a message starts the session', async () => {
    const seen: Array<[string, Uint8Array]> = []
    const inbox = inboxOf(new MemoryMessageStore(), { onIdentity: async (peer, identity) => { seen.push([peer, identity]) } })
    const expected: [string, Uint8Array] = [alice.peerId.toString(), alice.identity.identityKey.publicKey.raw]
    await accept(inbox, await fromAlice.seal(1), alice.peerId)
    assert.deepEqual(seen, [expected])
    await accept(inbox, await fromAlice.seal(2), alice.peerId)
    for (const s of seen) assert.deepEqual(s, expected, 'only ever the identity the session was started with')
  })

  it('commits concurrent arrivals in one batch and resolves none before the commit', async () => {
    const messages = new GatedStore()
    const inbox = inboxOf(messages)
    const envelopes = []
    for (const n of [1, 2, 3, 4, 5]) envelopes.push(await fromAlice.seal(n))
    const settled: number[] = []
    const accepts = envelopes.map(async (bytes, i) => {
      const r = await accept(inbox, bytes, alice.peerId)
      settled.push(i + 1)
      return r
    })

    await new Promise(resolve => setTimeout(resolve, 50))
    assert.deepEqual(settled, [], 'nothing resolves before the transaction commits')
    assert.deepEqual(messages.batches.map(b => b.map(m => m.text)), [[1, 2, 3, 4, 5].map(n => `message ${n}`)])
    assert.deepEqual(await messages.list(), [])

    messages.commit()
    assert.deepEqual(await Promise.all(accepts), Array(5).fill({ storedAt: NOW }))
    assert.equal((await messages.list()).length, 5)
  })

  it('commits a large burst in several transactions, keeping arrival order', async () => {
    const messages = new GatedStore()
    const inbox = inboxOf(messages)
    const envelopes = []
    for (let i = 0; i < 300; i++) envelopes.push(await fromAlice.seal(i, `burst ${i}`))
    const accepts = envelopes.map(async bytes => accept(inbox, bytes, alice.peerId))
    messages.commit()
    await Promise.all(accepts)
    assert.ok(messages.batches.length > 1, 'a burst of 300 is not one transaction')
    assert.deepEqual(messages.batches.flat().map(m => m.text), Array.from({ length: 300 }, (_, i) => `burst ${i}`))
  })

  it('answers a repeated envelope with the original storedAt and stores it once', async () => {
    const messages = new MemoryMessageStore()
    let notified = 0
    const inbox = inboxOf(messages, { onStored: () => { notified++ } })
    const bytes = await fromAlice.seal(7)
    await accept(inbox, bytes, alice.peerId)
    clock += 5_000
    assert.deepEqual(await accept(inbox, bytes, alice.peerId), { storedAt: NOW })
    assert.equal((await messages.list()).length, 1)
    assert.equal(notified, 1)
  })

  it('answers two copies arriving concurrently with one decryption and one stored message', async () => {
    const messages = new GatedStore()
    let notified = 0
    const inbox = inboxOf(messages, { onStored: () => { notified++ } })
    const bytes = await fromAlice.seal(1)
    const copies = [accept(inbox, bytes, alice.peerId), accept(inbox, bytes.slice(), alice.peerId)]
    await new Promise(resolve => setTimeout(resolve, 20))
    messages.commit()
    assert.deepEqual(await Promise.all(copies), [{ storedAt: NOW }, { storedAt: NOW }])
    assert.deepEqual(messages.batches.flat().map(m => m.text), ['message 1'])
    assert.equal((await messages.list()).length, 1)
    assert.equal(notified, 1)
  })

  it('keeps ids per sender: a message under an id another peer used first is its own message, and squats nothing', async () => {
    // a hop sees ids in clear; delivering its own message under a real id first must not hide the real one
    const messages = new MemoryMessageStore()
    const inbox = inboxOf(messages)
    const carol = await device()
    await accept(inbox, await new Sender(carol, bob).seal(7, 'squatter'), carol.peerId)
    await accept(inbox, await fromAlice.seal(7, 'the real one'), alice.peerId)
    assert.deepEqual((await messages.list({ peer: alice.peerId.toString() })).map(m => m.text), ['the real one'])
    assert.deepEqual((await messages.list({ peer: carol.peerId.toString() })).map(m => m.text), ['squatter'])
  })

  it('rejects content that speaks for another device or identity than the session and connection', async () => {
    const messages = new MemoryMessageStore()
    const inbox = inboxOf(messages)
    const cases: Array<[(mallory: Device) => Partial<Content>, RegExp]> = [
      [() => ({ senderDevice: alice.peerId.toMultihash().bytes, deviceSignature: alice.identity.deviceSignature }), /sender device other than the connection's peer/],
      [() => ({ sender: alice.identity.identityKey.publicKey.raw }), /identity other than its session's/],
      [() => ({ deviceSignature: new Uint8Array(64) }), /certificate does not verify/],
      [mallory => ({ deviceSignature: alice.identity.deviceSignature, sender: mallory.identity.identityKey.publicKey.raw }), /certificate does not verify/]
    ]
    for (const [i, [content, reason]] of cases.entries()) {
      const mallory = await device() // each the first message of its session
      const bytes = await new Sender(mallory, bob).seal(i + 1, 'I am alice', content(mallory))
      await assert.rejects(accept(inbox, bytes, mallory.peerId), (err: Error) => err instanceof InvalidEnvelopeError && reason.test(err.message), `case ${i}`)
      assert.equal(await messages.session(mallory.peerId.toString()), undefined)
    }
    assert.deepEqual(await messages.list(), [])
  })

  it('rejects an undecryptable envelope with UndecryptableError, storing nothing and keeping the session', async () => {
    const messages = new MemoryMessageStore()
    const inbox = inboxOf(messages)
    await accept(inbox, await fromAlice.seal(1), alice.peerId)
    const record = await messages.session(alice.peerId.toString())
    const honest = await fromAlice.seal(2, 'the real one')
    const later = Envelope.decode(honest)
    const retimed = Envelope.encode({ ...later, expiresAt: later.expiresAt + 1 }) // an outer field changed by a hop

    for (const bad of [tamperCiphertext(honest), retimed]) {
      await assert.rejects(accept(inbox, bad, alice.peerId), UndecryptableError)
    }
    await assert.rejects(accept(inbox, honest, (await device()).peerId), UndecryptableError, 'no session with the connection\'s peer')
    assert.equal((await messages.list()).length, 1)
    assert.deepEqual(await messages.session(alice.peerId.toString()), record)

    await accept(inbox, honest, alice.peerId)
    assert.deepEqual((await messages.list()).map(m => m.text), ['message 1', 'the real one'])
  })

  it('a contact\'s message on a session this node no longer holds calls onUndecryptable; a bad first message does not', async () => {
    const peer = alice.peerId.toString()
    const first = await fromAlice.seal(1)
    await accept(inboxOf(new MemoryMessageStore()), first, alice.peerId)
    await fromAlice.sessions.confirmed(bob.peerId.toString(), openPayload(Envelope.decode(first)).initial) // bob's receipt: no initial from now on
    const lost: string[] = []
    const restored = inboxOf(new MemoryMessageStore(), { onUndecryptable: p => { lost.push(p) } }) // bob restored: no session
    await assert.rejects(accept(restored, await fromAlice.seal(2), alice.peerId), UndecryptableError)
    assert.deepEqual(lost, [peer])
    await assert.rejects(accept(restored, tamperCiphertext(await new Sender(alice, bob).seal(3)), alice.peerId), UndecryptableError)
    await assert.rejects(restored.accept(Envelope.decode(await fromAlice.seal(4)), new Uint8Array(0), alice.peerId, 'mailbox'), UndecryptableError)
    assert.deepEqual(lost, [peer], 'not for a message carrying a PQXDH initial message, nor for mail a host handed over')
  })

  it('stores a restart as a control message, and its session becomes the one bob answers on', async () => {
    const stored: IncomingMessage[] = []
    const messages = new MemoryMessageStore()
    const inbox = inboxOf(messages, { onStored: m => stored.push(m) })
    await accept(inbox, await fromAlice.seal(1), alice.peerId)
    const restarted = new Sender(alice, bob) // alice restored from a backup: a new session
    await accept(inbox, await restarted.seal(2, '', { restart: true }), alice.peerId)
    assert.deepEqual(stored.map(m => [m.text, m.kind ?? 'text']), [['message 1', 'text'], ['', 'control']])
    const bobSessions = new Sessions({ crypto, me: bob.identity, prekeys: bob.prekeys, load: async p => messages.session(p) })
    const reply = await bobSessions.encrypt(alice.peerId.toString(), new Uint8Array([1]), new Uint8Array(0))
    const opened = await restarted.sessions.decrypt(bob.peerId.toString(), reply.sealed, new Uint8Array(0))
    assert.deepEqual(opened.plaintext, new Uint8Array([1]), 'bob answers on the restarted session')
  })

  it('rejects the whole batch when its transaction fails, reloads the session, and decrypts re-deliveries', async () => {
    const messages = new MemoryMessageStore()
    const inbox = inboxOf(messages)
    await accept(inbox, await fromAlice.seal(1), alice.peerId)
    const record = await messages.session(alice.peerId.toString())

    const storeIncoming = messages.storeIncoming.bind(messages)
    messages.storeIncoming = async () => { throw new Error('disk full') }
    const failed = [await fromAlice.seal(2), await fromAlice.seal(3)]
    const results = await Promise.allSettled(failed.map(async bytes => accept(inbox, bytes, alice.peerId)))
    assert.deepEqual(results.map(r => r.status === 'rejected' ? (r.reason as Error).message : 'fulfilled'), ['disk full', 'disk full'])
    assert.deepEqual(await messages.session(alice.peerId.toString()), record, 'the session record was not written')

    messages.storeIncoming = storeIncoming
    await accept(inbox, await fromAlice.seal(4), alice.peerId)
    for (const bytes of failed) await accept(inbox, bytes, alice.peerId)
    assert.deepEqual((await messages.list()).map(m => m.text), [1, 4, 2, 3].map(n => `message ${n}`))
  })

  describe('found in review', () => {
    it('a copy of a first message replayed by another peer is refused, and does not burn the honest delivery', async () => {
      const messages = new MemoryMessageStore()
      const inbox = inboxOf(messages)
      const first = await fromAlice.seal(1, 'first')
      const relay = await device()
      await assert.rejects(accept(inbox, first, relay.peerId), InvalidEnvelopeError)
      await accept(inbox, first, alice.peerId)
      assert.deepEqual((await messages.list()).map(m => m.text), ['first'])
    })

    it('a sender whose device certificate fails is refused on every message, not only the first', async () => {
      const messages = new MemoryMessageStore()
      const inbox = inboxOf(messages)
      const mallory = await device()
      const fromMallory = new Sender({ ...mallory, identity: { ...mallory.identity, deviceSignature: new Uint8Array(64) } }, bob)
      for (const n of [1, 2, 3]) await assert.rejects(accept(inbox, await fromMallory.seal(n), mallory.peerId), /device certificate/)
      assert.deepEqual(await messages.list(), [])
    })

    class FailOnce extends MemoryMessageStore {
      failNext = false
      override async storeIncoming (batch: IncomingMessage[]): Promise<Array<StoreResult | Error>> {
        if (this.failNext) { this.failNext = false; throw new Error('disk full') }
        return super.storeIncoming(batch)
      }
    }

    it('a first message whose commit fails decrypts when re-delivered (not refused as a replay)', async () => {
      const messages = new FailOnce()
      const inbox = inboxOf(messages)
      const carol = await device()
      const fromCarol = new Sender(carol, bob)
      const first = await fromCarol.seal(1, 'hello from carol')
      messages.failNext = true
      await assert.rejects(accept(inbox, first, carol.peerId), /disk full/)
      await accept(inbox, first, carol.peerId)
      await accept(inbox, await fromCarol.seal(2, 'and again'), carol.peerId)
      assert.deepEqual((await messages.list()).map(m => m.text), ['hello from carol', 'and again'])
    })

    it('after a failed commit, messages decrypted meanwhile are refused too, and all decrypt when re-delivered', async () => {
      const messages = new FailOnce()
      const inbox = inboxOf(messages)
      const envelopes = [await fromAlice.seal(1), await fromAlice.seal(2), await fromAlice.seal(3)]
      await accept(inbox, envelopes[0], alice.peerId)
      messages.failNext = true
      // 2 and 3 are decrypted back to back; 2's batch fails
      const results = await Promise.allSettled([accept(inbox, envelopes[1], alice.peerId), accept(inbox, envelopes[2], alice.peerId)])
      assert.ok(results.every(r => r.status === 'rejected'), 'neither is acknowledged')
      for (const e of envelopes.slice(1)) await accept(inbox, e, alice.peerId)
      assert.deepEqual((await messages.list()).map(m => m.text), ['message 1', 'message 2', 'message 3'])
    })
  })
})
