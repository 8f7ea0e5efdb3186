/**
 * Who may speak to the inbox, and how far it is believed (protocol/messaging/inbox.ts): strangers land in
 * bounded message requests, blocked peers are refused, and mail a host hands over (with a depositor
 * the host states) never binds or changes an identity. Real sealed envelopes from real Sessions
 * (test/protocol/inbox-party.ts), the receiver's Inbox over a MemoryMessageStore.
 */
import assert from 'node:assert/strict'
import { concat } from 'uint8arrays/concat'
import { toHex } from '../../protocol/util/bytes.js'
import { BlockedError, InvalidEnvelopeError, RateLimitedError, RefusedError } from '../../protocol/errors.js'
import { certifyDevice, crossSignDevice, signDevice, heldIdentityKey } from '../../protocol/crypto/identity.js'
import { Inbox, STRANGER_LIMITS } from '../../protocol/messaging/inbox.js'
import { MemoryMessageStore } from '../../protocol/stores/memory/stores.js'
import { SessionRecord } from '../../protocol/messaging/pb/sessions.js'
import { decodeState } from '../../protocol/crypto/ratchet.js'
import { Sessions } from '../../protocol/messaging/sessions.js'
import { accept, crypto, device, messageId, NOW, Sender } from './inbox-party.js'
import type { Arrival, Relation, StrangerLimits } from '../../protocol/messaging/inbox.js'
import type { Device } from './inbox-party.js'
import type { Envelope } from '../../protocol/pb/ferry.js'
import type { PeerId } from '@libp2p/interface'
import { Envelope as EnvelopeCodec } from '../../protocol/messaging/envelope.js'

const text = (n: number, bytes: number): string => `${n} `.padEnd(bytes, 'x')

describe('strangers, blocked peers and mailbox mail at the inbox', function () {
  this.timeout(120_000)
  let bob: Device
  let clock: number
  let messages: MemoryMessageStore
  let relations: Map<string, Relation>
  let identitySeen: Array<[string, Uint8Array]>

  function inbox (limits: Partial<StrangerLimits> = {}): Inbox {
    const sessions = new Sessions({ crypto, me: bob.identity, prekeys: bob.prekeys, load: async peer => messages.session(peer) })
    return new Inbox({
      messages,
      sessions,
      now: () => clock,
      relation: async peer => relations.get(peer) ?? { kind: 'stranger' },
      onIdentity: async (peer, identity) => { identitySeen.push([peer, identity]) },
      checkCapability: async () => {},
      limits
    })
  }

  async function deliver (box: Inbox, bytes: Uint8Array, from: PeerId, via: Arrival = 'direct'): Promise<{ storedAt: number }> {
    return box.accept(EnvelopeCodec.decode(bytes) as Envelope, bytes, from, via)
  }

  beforeEach(async () => {
    bob = await device()
    clock = NOW
    messages = new MemoryMessageStore()
    relations = new Map()
    identitySeen = []
  })

  it('keeps a stranger\'s messages as one request, out of the history, with the identity its session proved', async () => {
    const mallory = await device()
    const box = inbox()
    const from = new Sender(mallory, bob)
    for (const n of [1, 2, 3]) await accept(box, await from.seal(n, `hi ${n}`), mallory.peerId)
    assert.deepEqual(await messages.list(), [])
    assert.deepEqual(await messages.unread(), {})
    const [req, ...others] = await messages.requests()
    assert.equal(others.length, 0)
    assert.deepEqual([req.peer, req.id, req.messages, req.text], [mallory.peerId.toString(), toHex(messageId(1)), 3, 'hi 3'])
    assert.deepEqual(req.identity, mallory.identity.identityKey.publicKey.raw)
    assert.deepEqual(identitySeen, [], 'a stranger binds nothing')
  })

  it('refuses control messages from a stranger: no capability, no read receipt is taken', async () => {
    const mallory = await device()
    const box = inbox()
    await assert.rejects(accept(box, await new Sender(mallory, bob).seal(1, '', { capability: Uint8Array.from([1, 2, 3]) }), mallory.peerId), RefusedError)
    await assert.rejects(accept(box, await new Sender(mallory, bob).seal(2, '', { read: [toHex(messageId(1))] }), mallory.peerId), RefusedError)
    assert.equal(await messages.capability(mallory.peerId.toString()), undefined)
    assert.deepEqual(await messages.requests(), [])
  })

  it(`caps one stranger at ${STRANGER_LIMITS.messagesPerPeer} messages and refuses the rest, before decrypting them`, async () => {
    const mallory = await device()
    const box = inbox()
    const from = new Sender(mallory, bob)
    let refused = 0
    for (let n = 1; n <= STRANGER_LIMITS.messagesPerPeer + 30; n++) {
      try {
        await accept(box, await from.seal(n), mallory.peerId)
      } catch (err) {
        assert.ok(err instanceof RefusedError, String(err))
        assert.match((err as Error).message, /message request is full/)
        refused++
      }
    }
    assert.equal(refused, 30)
    assert.deepEqual(await messages.requestUsage(), { peers: 1, messages: STRANGER_LIMITS.messagesPerPeer, bytes: (await messages.requestUsage()).bytes })
  })

  it(`caps one stranger at ${STRANGER_LIMITS.bytesPerPeer / 1024} KiB of text`, async () => {
    const mallory = await device()
    const box = inbox()
    const from = new Sender(mallory, bob)
    const size = 60_000
    let stored = 0
    for (let n = 1; n <= 20; n++) {
      try {
        await accept(box, await from.seal(n, text(n, size)), mallory.peerId)
        stored++
      } catch (err) {
        assert.ok(err instanceof RefusedError)
      }
    }
    assert.equal(stored, Math.ceil(STRANGER_LIMITS.bytesPerPeer / size), 'accepted until the cap is reached, then refused')
    assert.ok((await messages.requestUsage()).bytes < STRANGER_LIMITS.bytesPerPeer + size)
  })

  it(`holds at most ${STRANGER_LIMITS.peers} strangers' requests at once, and the total bytes`, async () => {
    const box = inbox({ sessionBurst: 1_000 })
    let refused = 0
    for (let i = 0; i < STRANGER_LIMITS.peers + 5; i++) {
      const s = await device()
      try {
        await accept(box, await new Sender(s, bob).seal(1, 'hello'), s.peerId)
      } catch (err) {
        assert.ok(err instanceof RefusedError && /too many message requests/.test((err as Error).message), String(err))
        refused++
      }
    }
    assert.equal(refused, 5)
    assert.equal((await messages.requestUsage()).peers, STRANGER_LIMITS.peers)

    // the byte total: fresh stores, strangers with full requests until the total is reached
    messages = new MemoryMessageStore()
    const full = inbox({ sessionBurst: 1_000 })
    let bytesRefused = 0
    for (let i = 0; i < 30 && bytesRefused === 0; i++) {
      const s = await device()
      const from = new Sender(s, bob)
      for (let n = 1; n <= 5; n++) {
        try {
          await accept(full, await from.seal(n, text(n, 60_000)), s.peerId)
        } catch (err) {
          if (err instanceof RefusedError && /too many message requests/.test(err.message)) bytesRefused++
          else assert.ok(err instanceof RefusedError, String(err))
        }
      }
    }
    assert.ok(bytesRefused > 0, 'the total is reached')
    assert.ok((await messages.requestUsage()).bytes < STRANGER_LIMITS.bytes + 60_000)
  })

  it(`rate-limits new sessions from strangers (burst ${STRANGER_LIMITS.sessionBurst}), which may retry later`, async () => {
    const box = inbox()
    const outcomes: string[] = []
    for (let i = 0; i < STRANGER_LIMITS.sessionBurst + 3; i++) {
      const s = await device()
      await accept(box, await new Sender(s, bob).seal(1), s.peerId).then(() => outcomes.push('ok'), err => outcomes.push(err.name))
    }
    assert.deepEqual(outcomes, [...Array(STRANGER_LIMITS.sessionBurst).fill('ok'), ...Array(3).fill('RateLimitedError')])
    clock += 1000 / STRANGER_LIMITS.sessionsPerSecond
    const late = await device()
    await accept(box, await new Sender(late, bob).seal(1), late.peerId) // one token back
    await assert.rejects(async () => { const s = await device(); await accept(box, await new Sender(s, bob).seal(1), s.peerId) }, RateLimitedError)
  })

  it('keeps one state and few skipped keys for a stranger', async () => {
    const mallory = await device()
    const box = inbox()
    const from = new Sender(mallory, bob)
    const sealed: Uint8Array[] = []
    for (let n = 1; n <= 120; n++) sealed.push(await from.seal(n))
    // only the last arrives: 119 keys skipped, of which the record keeps STRANGER_LIMITS.skipped
    await accept(box, sealed[119], mallory.peerId)
    const record = SessionRecord.decode(await messages.session(mallory.peerId.toString()) as Uint8Array)
    assert.equal(record.states.length, 1)
    assert.equal(decodeState(record.states[0].ratchet).skipped.length, STRANGER_LIMITS.skipped)
  })

  it('turns a blocked peer away before anything else, as a busy recipient would, storing nothing', async () => {
    const alice = await device()
    relations.set(alice.peerId.toString(), { kind: 'blocked' })
    // transient and uninformative: the sender retries until its message expires, and is not told
    await assert.rejects(accept(inbox(), await new Sender(alice, bob).seal(1), alice.peerId), (err: Error) => err instanceof BlockedError && err instanceof RateLimitedError && !/block/i.test(err.message))
    assert.deepEqual(await messages.list(), [])
    assert.deepEqual(await messages.requests(), [])
    assert.equal(await messages.session(alice.peerId.toString()), undefined)
  })

  describe('mail a host hands over', () => {
    let alice: Device

    beforeEach(async () => {
      alice = await device()
    })

    it('refuses a forged depositor: a one-way certificate from an identity the host made up', async () => {
      // the host invents an identity, certifies alice's peer id with it (alice's device never
      // signed), starts a fresh session to bob and deposits "from alice"
      relations.set(alice.peerId.toString(), { kind: 'contact' }) // added by multiaddr: identity unknown
      const mallory = await device()
      const oneWay = await signDevice(heldIdentityKey(mallory.identity.identityKey), alice.peerId)
      const forgedCerts = [oneWay, concat([oneWay, new Uint8Array(64)]), concat([oneWay, await crossSignDevice(mallory.identity.deviceKey, mallory.identity.identityKey.publicKey.raw)])]
      const box = inbox()
      for (const [i, deviceSignature] of forgedCerts.entries()) {
        const forger = new Sender({ ...mallory, peerId: alice.peerId }, bob)
        const bytes = await forger.seal(i + 1, 'it is me, alice: use my new mailbox', { senderDevice: alice.peerId.toMultihash().bytes, deviceSignature })
        await assert.rejects(deliver(box, bytes, alice.peerId, 'mailbox'), (err: Error) => err instanceof InvalidEnvelopeError && /certificate does not verify/.test(err.message), `forgery ${i}`)
      }
      assert.deepEqual(await messages.list(), [], 'nothing shown as from alice')
      assert.deepEqual(identitySeen, [], 'nothing bound')
      assert.equal(await messages.session(alice.peerId.toString()), undefined)
    })

    it('never binds an identity from a mailbox, and marks such messages unverified; direct first contact binds', async () => {
      relations.set(alice.peerId.toString(), { kind: 'contact' })
      const box = inbox()
      const from = new Sender(alice, bob)
      await deliver(box, await from.seal(1, 'via a host'), alice.peerId, 'mailbox')
      assert.deepEqual(identitySeen, [])
      assert.deepEqual((await messages.list()).map(m => [m.text, m.unverified === true]), [['via a host', true]])

      messages = new MemoryMessageStore()
      identitySeen = []
      const box2 = inbox()
      await deliver(box2, await new Sender(alice, bob).seal(2, 'direct'), alice.peerId, 'direct')
      assert.deepEqual(identitySeen.map(([peer]) => peer), [alice.peerId.toString()], 'trust on first use over a Noise connection')
      assert.deepEqual((await messages.list()).map(m => m.unverified === true), [false])
    })

    it('from a device that certified another identity: stored unverified, the contact unchanged, its capability and read receipts ignored', async () => {
      // alice's own device key signs a new identity (a re-key, or a stolen device): real, but not
      // the identity the user accepted, and it came through a host
      relations.set(alice.peerId.toString(), { kind: 'contact', identity: alice.identity.identityKey.publicKey.raw })
      const other = await device()
      const rekeyed = { identity: { ...other.identity, deviceKey: alice.identity.deviceKey, deviceSignature: await certifyDevice(heldIdentityKey(other.identity.identityKey), alice.identity.deviceKey) }, peerId: alice.peerId, prekeys: other.prekeys }
      let checked = 0
      const sessions = new Sessions({ crypto, me: bob.identity, prekeys: bob.prekeys, load: async peer => messages.session(peer) })
      const box = new Inbox({ messages, sessions, now: () => clock, relation: async peer => relations.get(peer) ?? { kind: 'stranger' }, onIdentity: async (p, i) => { identitySeen.push([p, i]) }, checkCapability: async () => { checked++ } })
      const from = new Sender(rekeyed, bob)
      await deliver(box, await from.seal(1, 'new key, same device'), alice.peerId, 'mailbox')
      await deliver(box, await from.seal(2, '', { capability: Uint8Array.from([9]) }), alice.peerId, 'mailbox')
      assert.equal(checked, 0, 'the capability was not even considered')
      assert.equal(await messages.capability(alice.peerId.toString()), undefined)
      assert.deepEqual(identitySeen, [])
      assert.deepEqual((await messages.list()).map(m => [m.text, m.unverified === true]), [['new key, same device', true]])
      // and a message on alice's real session, through a host, is taken as hers
      await deliver(box, await new Sender(alice, bob).seal(3, 'the real alice'), alice.peerId, 'mailbox')
      assert.deepEqual((await messages.list()).map(m => [m.text, m.unverified === true]), [['new key, same device', true], ['the real alice', false]])
    })
  })
})
