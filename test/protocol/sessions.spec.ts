/**
 * Sessions (protocol/messaging/sessions.ts): Alice and Bob in one process with in-memory stores, as
 * libsignal's tests run them. Each side persists the record every encrypt/decrypt returns, exactly
 * as the outbox and inbox write it with the message.
 */
import assert from 'node:assert/strict'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { encodeBundle } from '../../protocol/crypto/bundle.js'
import { decodeInitial } from '../../protocol/crypto/pqxdh.js'
import { createBundle, generatePrekeys } from '../../protocol/crypto/prekeys.js'
import { MemoryPrekeyStore } from '../../protocol/stores/memory/prekeys.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import { createIdentity } from '../../protocol/crypto/identity.js'
import { SessionRecord } from '../../protocol/messaging/pb/sessions.js'
import { MAX_SESSIONS, NoMatchingSessionError, NoSessionError, Sessions } from '../../protocol/messaging/sessions.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import type { Sealed } from '../../protocol/pb/ferry.js'

const crypto = defaultCrypto
const enc = new TextEncoder()
const dec = new TextDecoder()

/** One device: its keys, its prekeys, the records it persisted, and its Sessions over them. */
interface Party {
  name: string
  peer: string
  identity: Identity
  prekeys: MemoryPrekeyStore
  /** the stored record per peer: what a restart loads */
  records: Map<string, Uint8Array>
  sessions: Sessions
}

async function party (name: string): Promise<Party> {
  const identity = await createIdentity()
  const prekeys = new MemoryPrekeyStore()
  await generatePrekeys(crypto, identity, prekeys, { oneTime: 4 })
  const p: Party = { name, peer: peerIdFromPrivateKey(identity.deviceKey).toString(), identity, prekeys, records: new Map(), sessions: undefined as unknown as Sessions }
  p.sessions = restarted(p)
  return p
}

/** A fresh Sessions for `p` that knows only what `p` persisted. */
function restarted (p: Party): Sessions {
  return new Sessions({ crypto, me: p.identity, prekeys: p.prekeys, load: async peer => p.records.get(peer)?.slice() })
}

async function bundleOf (p: Party, withOneTime = true): Promise<Uint8Array> {
  return encodeBundle(await createBundle(crypto, p.identity, p.prekeys, { withOneTime }))
}

/** The associated data of the n-th message: stands in for the envelope's outer fields. */
const adOf = (text: string): Uint8Array => enc.encode(`envelope of ${text}`)

/** `from` encrypts `text` for `to` and persists the record. */
async function send (from: Party, to: Party, text: string, bundle?: Uint8Array): Promise<Sealed> {
  return from.sessions.serialize(to.peer, async () => {
    const { sealed, record } = await from.sessions.encrypt(to.peer, enc.encode(text), adOf(text), bundle)
    from.records.set(to.peer, record)
    return sealed
  })
}

/** `to` decrypts `sealed` (sent as `text`) from `from`, persists the record, returns the plaintext. */
async function receive (to: Party, from: Party, sealed: Sealed, text: string): Promise<string> {
  return to.sessions.serialize(from.peer, async () => {
    const out = await to.sessions.decrypt(from.peer, sealed, adOf(text))
    await out.adopt() // accepted
    to.records.set(from.peer, out.record)
    return dec.decode(out.plaintext)
  })
}

/** Send and receive; asserts the text arrives intact. */
async function exchange (from: Party, to: Party, text: string, bundle?: Uint8Array): Promise<Sealed> {
  const sealed = await send(from, to, text, bundle)
  assert.equal(await receive(to, from, sealed, text), text)
  return sealed
}

const states = (p: Party, peer: Party): SessionRecord['states'] => SessionRecord.decode(p.records.get(peer.peer) ?? new Uint8Array(0)).states

/** A copy of `sealed` with one ciphertext byte flipped. */
function tampered (sealed: Sealed): Sealed {
  const ciphertext = sealed.ciphertext.slice()
  ciphertext[0] ^= 0x01
  return { ...sealed, ciphertext }
}

describe('sessions', function () {
  this.timeout(60_000)
  let alice: Party
  let bob: Party

  beforeEach(async () => {
    [alice, bob] = await Promise.all([party('alice'), party('bob')])
  })

  it('the first message carries a PQXDH initial message from Alice; Bob decrypts it and learns her identity', async () => {
    const sealed = await send(alice, bob, 'hello bob', await bundleOf(bob))
    assert.ok(sealed.initial.byteLength > 0, 'initial message attached')
    assert.deepEqual(decodeInitial(sealed.initial).identity, alice.identity.identityKey.publicKey.raw)
    assert.ok(!dec.decode(sealed.ciphertext).includes('hello bob'))

    const out = await bob.sessions.decrypt(alice.peer, sealed, adOf('hello bob'))
    await out.adopt()
    assert.equal(dec.decode(out.plaintext), 'hello bob')
    assert.deepEqual(out.senderIdentity, alice.identity.identityKey.publicKey.raw)
    assert.equal(SessionRecord.decode(out.record).states.length, 1)
    assert.equal(await bob.sessions.has(alice.peer), true)
  })

  it('Alice attaches the initial message until she decrypts Bob\'s reply, then stops; Bob never attaches one', async () => {
    const first = await send(alice, bob, 'a1', await bundleOf(bob))
    const second = await send(alice, bob, 'a2')
    assert.deepEqual(second.initial, first.initial, 'still unanswered: same initial message')
    assert.equal(await receive(bob, alice, first, 'a1'), 'a1')
    assert.equal(await receive(bob, alice, second, 'a2'), 'a2')

    const reply = await send(bob, alice, 'b1')
    assert.equal(reply.initial.byteLength, 0, 'the responder sends no initial message')
    const third = await send(alice, bob, 'a3')
    assert.deepEqual(third.initial, first.initial, 'Bob\'s reply is not decrypted yet')
    assert.equal(await receive(alice, bob, reply, 'b1'), 'b1')

    const fourth = await send(alice, bob, 'a4')
    assert.equal(fourth.initial.byteLength, 0, 'answered: no initial message any more')
    assert.equal(states(alice, bob)[0].initial.byteLength, 0, 'and the stored record says so')
    assert.equal(await receive(bob, alice, third, 'a3'), 'a3')
    assert.equal(await receive(bob, alice, fourth, 'a4'), 'a4')
  })

  it('a repeated initial message (before Bob replied) decrypts with the existing state, not a new PQXDH', async () => {
    let marks = 0
    const mark = bob.prekeys.markInitialMessageSeen.bind(bob.prekeys)
    bob.prekeys.markInitialMessageSeen = async (hash, id) => { marks++; return mark(hash, id) }
    const sent = [await send(alice, bob, 'a1', await bundleOf(bob))]
    for (const text of ['a2', 'a3', 'a4']) sent.push(await send(alice, bob, text))

    // out of order: the second message starts the session, the first is found by its initial message's hash
    assert.equal(await receive(bob, alice, sent[1], 'a2'), 'a2')
    assert.equal(await receive(bob, alice, sent[0], 'a1'), 'a1')
    // and after a restart, from the stored record
    bob.sessions = restarted(bob)
    assert.equal(await receive(bob, alice, sent[2], 'a3'), 'a3')
    assert.equal(await receive(bob, alice, sent[3], 'a4'), 'a4')
    assert.equal(marks, 1, 'one PQXDH answer')
    assert.equal(states(bob, alice).length, 1, 'one state')
  })

  it('simultaneous initiation: every message in both directions decrypts, and the two converge on one session', async () => {
    const [toBob, toAlice] = await Promise.all([send(alice, bob, 'a0', await bundleOf(bob)), send(bob, alice, 'b0', await bundleOf(alice))])
    assert.ok(toBob.initial.byteLength > 0 && toAlice.initial.byteLength > 0)
    assert.equal(await receive(bob, alice, toBob, 'a0'), 'a0')
    assert.equal(await receive(alice, bob, toAlice, 'b0'), 'b0')

    // 20 rounds with messages crossing in flight, then 20 of strict turns
    for (let i = 1; i <= 20; i++) {
      const [a, b] = [await send(alice, bob, `a${i}`), await send(bob, alice, `b${i}`)]
      assert.equal(await receive(bob, alice, a, `a${i}`), `a${i}`)
      assert.equal(await receive(alice, bob, b, `b${i}`), `b${i}`)
    }
    for (let i = 21; i <= 40; i++) {
      await exchange(alice, bob, `a${i}`)
      await exchange(bob, alice, `b${i}`)
    }
    const [mine, theirs] = [states(alice, bob), states(bob, alice)]
    assert.ok(mine.length <= MAX_SESSIONS && theirs.length <= MAX_SESSIONS)
    assert.deepEqual(mine[0].ad, theirs[0].ad, 'both now use the same session (same PQXDH associated data)')
    const last = await send(alice, bob, 'settled')
    assert.equal(last.initial.byteLength, 0, 'no initial message once both sides talk on one session')
    assert.equal(await receive(bob, alice, last, 'settled'), 'settled')
  })

  it('a restart with the persisted record continues the conversation; an unanswered session still attaches its initial message', async () => {
    const first = await send(alice, bob, 'a1', await bundleOf(bob))
    alice.sessions = restarted(alice)
    const again = await send(alice, bob, 'a2')
    assert.deepEqual(again.initial, first.initial, 'the unanswered initial message survives a restart')
    assert.equal(await receive(bob, alice, first, 'a1'), 'a1')
    assert.equal(await receive(bob, alice, again, 'a2'), 'a2')
    await exchange(bob, alice, 'b1')

    alice.sessions = restarted(alice)
    bob.sessions = restarted(bob)
    for (let i = 2; i < 6; i++) {
      const sealed = await exchange(alice, bob, `a${i + 1}`)
      assert.equal(sealed.initial.byteLength, 0)
      await exchange(bob, alice, `b${i}`)
    }
    // a restart that loads nothing has no session: the record really carried it
    const amnesiac = new Sessions({ crypto, me: bob.identity, prekeys: bob.prekeys, load: async () => undefined })
    await assert.rejects(amnesiac.encrypt(alice.peer, enc.encode('x'), adOf('x')), NoSessionError)
  })

  it('restart: a new session from a bundle although one exists; the peer that lost its own answers on it', async () => {
    await exchange(alice, bob, 'a1', await bundleOf(bob))
    await exchange(bob, alice, 'b1')
    bob.records.clear() // bob restored from a backup: no session
    bob.sessions = restarted(bob)
    const old = await send(alice, bob, 'on the old session')
    await assert.rejects(receive(bob, alice, old, 'on the old session'))
    const sealed = await alice.sessions.serialize(bob.peer, async () => {
      const out = await alice.sessions.encrypt(bob.peer, enc.encode('restart'), adOf('restart'), await bundleOf(bob), undefined, true)
      alice.records.set(bob.peer, out.record)
      return out.sealed
    })
    assert.ok(sealed.initial.byteLength > 0, 'a PQXDH initial message, though alice held a session')
    assert.equal(await receive(bob, alice, sealed, 'restart'), 'restart')
    assert.equal(states(alice, bob).length, 2, 'the old state is kept, behind the new one')
    await exchange(bob, alice, 'b2')
    await exchange(alice, bob, 'a2')
  })

  it('a failed decrypt leaves the record unchanged: the honest message still decrypts after it', async () => {
    await exchange(alice, bob, 'a1', await bundleOf(bob))
    await exchange(bob, alice, 'b1')
    const honest = await send(alice, bob, 'a2') // starts a new receiving chain at Bob (a DH ratchet step)
    const stored = bob.records.get(alice.peer)

    await assert.rejects(bob.sessions.decrypt(alice.peer, tampered(honest), adOf('a2')))
    await assert.rejects(bob.sessions.decrypt(alice.peer, honest, adOf('another envelope')), 'the AD binds the envelope')
    const header = honest.header.slice()
    header[header.byteLength - 1] ^= 0x01 // another message number
    await assert.rejects(bob.sessions.decrypt(alice.peer, { ...honest, header }, adOf('a2')))
    assert.deepEqual(bob.records.get(alice.peer), stored)

    assert.equal(await receive(bob, alice, honest, 'a2'), 'a2')
    await exchange(bob, alice, 'b2')
    await exchange(alice, bob, 'a3')
  })

  it('forget() drops the cached state and reloads the stored record', async () => {
    await exchange(alice, bob, 'a1', await bundleOf(bob))
    await exchange(bob, alice, 'b1')

    // Bob decrypts a2 but its record is never written (the message's transaction failed)
    const a2 = await send(alice, bob, 'a2')
    await (await bob.sessions.decrypt(alice.peer, a2, adOf('a2'))).adopt()
    await assert.rejects(bob.sessions.decrypt(alice.peer, a2, adOf('a2')), 'the cached state has used that key')
    bob.sessions.forget(alice.peer)
    assert.equal(await receive(bob, alice, a2, 'a2'), 'a2', 're-delivered after the reload')

    // Alice encrypts a3 but its record is never written: after forget() the same chain position is used again
    const lost = await alice.sessions.encrypt(bob.peer, enc.encode('a3'), adOf('a3'))
    alice.sessions.forget(bob.peer)
    const a3 = await send(alice, bob, 'a3')
    assert.deepEqual(a3.header, lost.sealed.header, 'state reloaded from the store, not the cache')
    assert.equal(await receive(bob, alice, a3, 'a3'), 'a3')
    await exchange(bob, alice, 'b2')
  })

  it('NoSessionError without a session or a bundle; NoMatchingSessionError for a message no state decrypts', async () => {
    assert.equal(await alice.sessions.has(bob.peer), false)
    await assert.rejects(alice.sessions.encrypt(bob.peer, enc.encode('x'), adOf('x')), NoSessionError)
    const noPrekeys = new Sessions({ crypto, me: alice.identity, prekeys: new MemoryPrekeyStore(), load: async () => undefined })
    await assert.rejects(noPrekeys.encrypt(bob.peer, enc.encode('x'), adOf('x'), await bundleOf(bob)), NoSessionError)
    assert.equal(alice.records.size, 0)

    await exchange(alice, bob, 'a1', await bundleOf(bob))
    await exchange(bob, alice, 'b1')
    const later = await send(alice, bob, 'a2')
    const carol = await party('carol')
    await assert.rejects(carol.sessions.decrypt(alice.peer, later, adOf('a2')), NoMatchingSessionError)
  })

  it('serialize() runs one peer\'s tasks in order, a failing task does not block the next, other peers are not held up', async () => {
    const order: string[] = []
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    const slow = alice.sessions.serialize('p1', async () => { await gate; order.push('p1 first') })
    const failing = alice.sessions.serialize('p1', async () => { order.push('p1 second'); throw new Error('boom') })
    const third = alice.sessions.serialize('p1', async () => { order.push('p1 third'); return 3 })
    await alice.sessions.serialize('p2', async () => { order.push('p2') })
    assert.deepEqual(order, ['p2'])
    release()
    await slow
    await assert.rejects(failing, /boom/)
    assert.equal(await third, 3)
    assert.deepEqual(order, ['p2', 'p1 first', 'p1 second', 'p1 third'])
  })

  it('a decrypted but not adopted message changes nothing: a rejected first copy does not burn the PQXDH answer', async () => {
    const alice = await party('alice')
    const bob = await party('bob')
    const first = await send(alice, bob, 'a1', await bundleOf(bob))
    const rejected = await bob.sessions.decrypt(alice.peer, first, adOf('a1'))
    assert.equal(rejected.fresh, true)
    // not adopted (e.g. the inbox refused it): the same initial message still answers later
    assert.equal(await receive(bob, alice, first, 'a1'), 'a1')
    await assert.rejects(bob.sessions.decrypt(alice.peer, first, adOf('a1')), 'the adopted state has used that key')
  })
})
