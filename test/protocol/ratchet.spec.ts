/**
 * Double Ratchet (protocol/crypto/ratchet.ts) against Signal's spec §3: message flow, skipped keys,
 * bounds, errors, and the KDF chain recomputed independently from the documented definitions.
 */
import assert from 'node:assert/strict'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import {
  DuplicateMessageError, encodeState, initReceiver, initSender, InvalidHeaderError, InvalidStateError, MAX_SKIP,
  MAX_STORED_SKIPPED, ratchetDecrypt, ratchetEncrypt, RatchetDecryptError, RatchetError, TooManySkippedError
} from '../../protocol/crypto/ratchet.js'
import { RatchetHeader } from '../../protocol/crypto/pb/ratchet.js'
import { nodeCrypto } from '../../node/crypto.js'
import type { CryptoBackend } from '../../protocol/crypto/backend.js'
import type { RatchetState } from '../../protocol/crypto/ratchet.js'

const te = new TextEncoder()
const td = new TextDecoder()
const AD = te.encode('ferry-test: alice|bob')
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

interface Sealed { header: Uint8Array, ciphertext: Uint8Array }

/** One side of a session; keeps the newest state as a caller persisting it would. */
class Party {
  constructor (public state: RatchetState, readonly crypto: CryptoBackend = defaultCrypto) {}
  async send (text: string): Promise<Sealed> {
    const r = await ratchetEncrypt(this.crypto, this.state, te.encode(text), AD)
    this.state = r.state
    return { header: r.header, ciphertext: r.ciphertext }
  }

  async receive (m: Sealed): Promise<string> {
    const r = await ratchetDecrypt(this.crypto, this.state, m.header, m.ciphertext, AD)
    this.state = r.state
    return td.decode(r.plaintext)
  }

  async sendMany (prefix: string, count: number): Promise<Sealed[]> {
    const out: Sealed[] = []
    for (let i = 0; i < count; i++) out.push(await this.send(`${prefix}${i}`))
    return out
  }
}

async function session (aliceCrypto: CryptoBackend = defaultCrypto, bobCrypto: CryptoBackend = defaultCrypto): Promise<{ alice: Party, bob: Party }> {
  const sharedKey = aliceCrypto.randomBytes(32)
  const bobKeys = await bobCrypto.x25519Generate()
  return {
    alice: new Party(await initSender(aliceCrypto, sharedKey, bobKeys.publicKey), aliceCrypto),
    bob: new Party(await initReceiver(bobCrypto, sharedKey, bobKeys), bobCrypto)
  }
}

/** Assert `m` is refused with `type`, and that the refusal left the party's state untouched. */
async function refused (p: Party, m: Sealed, type: new (...args: any[]) => Error): Promise<void> {
  const before = encodeState(p.state)
  await assert.rejects(p.receive(m), type)
  assert.deepEqual(encodeState(p.state), before)
}

describe('Double Ratchet', function () {
  this.timeout(30_000) // pure-JS X25519 under a loaded CI machine; each test takes well under 5 s

  it('ping-pong: every message decrypts and every turn carries a fresh ratchet key (§3.5 DHRatchet)', async () => {
    const { alice, bob } = await session()
    const turnKeys = new Set<string>()
    for (let round = 0; round < 4; round++) {
      for (const [from, to] of [[alice, bob], [bob, alice]]) {
        const msgs = await from.sendMany(`r${round}-`, 2)
        const headers = msgs.map(m => RatchetHeader.decode(m.header))
        assert.deepEqual(headers.map(h => h.n), [0, 1])
        assert.equal(hex(headers[0].dh), hex(headers[1].dh), 'one sending chain per turn')
        turnKeys.add(hex(headers[0].dh))
        assert.deepEqual([await to.receive(msgs[0]), await to.receive(msgs[1])], [`r${round}-0`, `r${round}-1`])
      }
    }
    assert.equal(turnKeys.size, 8, 'each turn used a new DH ratchet key')
    assert.equal(alice.state.skipped.length + bob.state.skipped.length, 0)
  })

  it('the receiver cannot send before it has decrypted a message (§3.3)', async () => {
    const { bob } = await session()
    await assert.rejects(bob.send('too early'), InvalidStateError)
  })

  it('decrypts out of order within a chain, using and then deleting each skipped key', async () => {
    const { alice, bob } = await session()
    const msgs = await alice.sendMany('m', 5)
    for (const i of [4, 0, 2]) assert.equal(await bob.receive(msgs[i]), `m${i}`)
    assert.deepEqual(bob.state.skipped.map(k => k.n).sort(), [1, 3])
    for (const i of [3, 1]) assert.equal(await bob.receive(msgs[i]), `m${i}`)
    assert.equal(bob.state.skipped.length, 0)
  })

  it('decrypts messages delayed across several DH ratchet steps (§3.5 pn)', async () => {
    const { alice, bob } = await session()
    const a1 = await alice.sendMany('a1-', 3)
    assert.equal(await bob.receive(a1[2]), 'a1-2')
    const b1 = await bob.sendMany('b1-', 2)
    assert.equal(await alice.receive(b1[1]), 'b1-1')
    const a2 = await alice.sendMany('a2-', 2)
    assert.equal(await bob.receive(a2[1]), 'a2-1')
    const b2 = await bob.send('b2-0')
    assert.equal(await alice.receive(b2), 'b2-0')
    // the delayed ones, oldest chains last
    assert.equal(await bob.receive(a2[0]), 'a2-0')
    assert.equal(await alice.receive(b1[0]), 'b1-0')
    assert.equal(await bob.receive(a1[1]), 'a1-1')
    assert.equal(await bob.receive(a1[0]), 'a1-0')
    assert.equal(alice.state.skipped.length + bob.state.skipped.length, 0)
  })

  it('keeps working across lost messages, whose keys wait in the skipped store', async () => {
    const { alice, bob } = await session()
    const a = await alice.sendMany('a', 4) // a0 and a2 are lost
    assert.equal(await bob.receive(a[1]), 'a1')
    assert.equal(await bob.receive(a[3]), 'a3')
    assert.equal(await alice.receive(await bob.send('b0')), 'b0')
    const late = await alice.send('late chain') // pn = 4 for the lost ones
    assert.equal(await bob.receive(late), 'late chain')
    assert.deepEqual(bob.state.skipped.map(k => k.n).sort(), [0, 2])
    assert.equal(await bob.receive(a[2]), 'a2')
    assert.deepEqual(bob.state.skipped.map(k => k.n), [0])
  })

  it('refuses a message more than MAX_SKIP ahead (TooManySkippedError) and leaves the state unchanged', async () => {
    const { alice, bob } = await session()
    const msgs = await alice.sendMany('m', MAX_SKIP + 2)
    await refused(bob, msgs[MAX_SKIP + 1], TooManySkippedError)
    // exactly MAX_SKIP ahead is allowed (§3.5: Nr + MAX_SKIP < until fails)
    assert.equal(await bob.receive(msgs[MAX_SKIP]), `m${MAX_SKIP}`)
    assert.equal(bob.state.skipped.length, MAX_SKIP)
    assert.equal(await bob.receive(msgs[0]), 'm0')
  })

  it('applies MAX_SKIP to the previous chain length (pn) on a DH ratchet step too', async () => {
    const { alice, bob } = await session()
    const x = await alice.sendMany('x', MAX_SKIP + 2)
    assert.equal(await bob.receive(x[0]), 'x0') // Nr = 1 on Alice's first chain
    assert.equal(await alice.receive(await bob.send('b0')), 'b0')
    const y = await alice.send('y0') // pn = MAX_SKIP + 2, one more than Bob may skip
    await refused(bob, y, TooManySkippedError)
    assert.equal(await bob.receive(x[1]), 'x1')
    assert.equal(await bob.receive(y), 'y0')
    assert.equal(bob.state.skipped.length, MAX_SKIP)
  })

  it('keeps at most MAX_STORED_SKIPPED skipped keys, dropping the oldest first', async () => {
    const { alice, bob } = await session()
    const firsts: Sealed[] = []
    for (let chain = 0; chain < 3; chain++) {
      const msgs = await alice.sendMany(`c${chain}-`, MAX_SKIP + 1)
      firsts.push(msgs[0])
      assert.equal(await bob.receive(msgs[MAX_SKIP]), `c${chain}-${MAX_SKIP}`)
      assert.equal(bob.state.skipped.length, Math.min((chain + 1) * MAX_SKIP, MAX_STORED_SKIPPED))
      assert.equal(await alice.receive(await bob.send(`b${chain}`)), `b${chain}`)
    }
    // the first chain's keys were the oldest and are gone; the later chains' keys remain
    await refused(bob, firsts[0], RatchetDecryptError)
    assert.equal(await bob.receive(firsts[1]), 'c1-0')
    assert.equal(await bob.receive(firsts[2]), 'c2-0')
    assert.equal(bob.state.skipped.length, MAX_STORED_SKIPPED - 2)
  })

  it('refuses duplicates: DuplicateMessageError on the current chain, RatchetDecryptError from an earlier one', async () => {
    const { alice, bob } = await session()
    const a = await alice.sendMany('a', 3)
    assert.equal(await bob.receive(a[2]), 'a2')
    assert.equal(await bob.receive(a[0]), 'a0') // through the skipped store
    await refused(bob, a[2], DuplicateMessageError)
    await refused(bob, a[0], DuplicateMessageError) // its skipped key was deleted once used
    assert.equal(await bob.receive(a[1]), 'a1')
    assert.equal(await alice.receive(await bob.send('b0')), 'b0')
    assert.equal(await bob.receive(await alice.send('next chain')), 'next chain')
    await refused(bob, a[1], RatchetDecryptError)
  })

  it('never mutates the state it is given, on success or on failure', async () => {
    const { alice, bob } = await session()
    const a0 = await alice.send('a0')
    const deepFreeze = (s: RatchetState): RatchetState => {
      for (const k of s.skipped) Object.freeze(k)
      return Object.freeze({ ...s, dhs: Object.freeze({ ...s.dhs }), skipped: Object.freeze([...s.skipped]) })
    }
    const b = deepFreeze(bob.state)
    const before = encodeState(b)
    const first = await ratchetDecrypt(defaultCrypto, b, a0.header, a0.ciphertext, AD)
    const again = await ratchetDecrypt(defaultCrypto, b, a0.header, a0.ciphertext, AD)
    assert.equal(td.decode(first.plaintext), 'a0')
    assert.equal(td.decode(again.plaintext), 'a0', 'the old state still decrypts: a caller may retry from what it persisted')
    await assert.rejects(ratchetDecrypt(defaultCrypto, b, a0.header, a0.ciphertext, te.encode('other ad')), RatchetDecryptError)
    assert.deepEqual(encodeState(b), before)
    const a = deepFreeze(alice.state)
    const sentBefore = encodeState(a)
    const sent = await ratchetEncrypt(defaultCrypto, a, te.encode('x'), AD)
    assert.notDeepEqual(encodeState(sent.state), sentBefore)
    assert.deepEqual(encodeState(a), sentBefore)
  })

  it('rejects malformed headers with InvalidHeaderError', async () => {
    const { alice, bob } = await session()
    const m = await alice.send('a0')
    const h = RatchetHeader.decode(m.header)
    const bad = [
      new Uint8Array(0), // no ratchet key at all
      RatchetHeader.encode({ ...h, dh: h.dh.subarray(0, 31) }),
      RatchetHeader.encode({ ...h, dh: new Uint8Array(33).fill(9) }),
      new Uint8Array(65), // longer than any header
      Uint8Array.of(0x0a, 0x20, 1, 2, 3), // truncated field
      RatchetHeader.encode({ ...h, dh: new Uint8Array(32) }), // all-zero (low-order) X25519 key, RFC 7748 §6.1
      RatchetHeader.encode({ ...h, n: 0xffff_ffff })
    ]
    for (const header of bad) await refused(bob, { header, ciphertext: m.ciphertext }, InvalidHeaderError)
    assert.equal(await bob.receive(m), 'a0')
  })

  it('refuses a forged message under the receiver\'s prekey, which never sends (Alice has no receiving chain yet)', async () => {
    const { alice } = await session()
    const forged = RatchetHeader.encode({ dh: alice.state.dhr!, pn: 0, n: 0 })
    await refused(alice, { header: forged, ciphertext: new Uint8Array(40) }, RatchetDecryptError)
  })

  it('follows the documented KDFs (§5.2): message keys recomputed from first principles open the messages', async () => {
    const c = defaultCrypto
    const sk = c.randomBytes(32)
    const bobKeys = await c.x25519Generate()
    const alice = await initSender(c, sk, bobKeys.publicKey)
    const m0 = await ratchetEncrypt(c, alice, te.encode('hello'), AD)
    const m1 = await ratchetEncrypt(c, m0.state, te.encode('again'), AD)
    const h = RatchetHeader.decode(m1.header)
    assert.deepEqual([h.dh, h.pn, h.n], [alice.dhs.publicKey, 0, 1])
    // KDF_RK(SK, DH(bob, alice)) -> (RK, CK); KDF_CK: 0x01 message key, 0x02 next chain key
    const rkOut = await c.hkdf(await c.x25519(bobKeys.privateKey, h.dh), sk, te.encode('Ferry-DoubleRatchet-v1-RK'), 64)
    assert.deepEqual(alice.rk, rkOut.subarray(0, 32))
    const ck0 = rkOut.subarray(32)
    const ck1 = await c.hmacSha256(ck0, Uint8Array.of(2))
    for (const [ck, m, text] of [[ck0, m0, 'hello'], [ck1, m1, 'again']] as const) {
      const mk = await c.hmacSha256(ck, Uint8Array.of(1))
      const okm = await c.hkdf(mk, new Uint8Array(32), te.encode('Ferry-DoubleRatchet-v1-MK'), 44)
      const pt = await c.aeadOpen(okm.subarray(0, 32), okm.subarray(32), m.ciphertext, new Uint8Array([...AD, ...m.header]))
      assert.equal(td.decode(pt), text)
    }
  })

  it('interoperates between the @noble backend and the node:crypto backend', async () => {
    const { alice, bob } = await session(defaultCrypto, nodeCrypto())
    for (let round = 0; round < 3; round++) {
      assert.equal(await bob.receive(await alice.send(`a${round}`)), `a${round}`)
      assert.equal(await alice.receive(await bob.send(`b${round}`)), `b${round}`)
    }
  })

  it('every refusal is a RatchetError subclass with its own name', () => {
    for (const E of [RatchetDecryptError, DuplicateMessageError, TooManySkippedError, InvalidHeaderError, InvalidStateError]) {
      const err = new E('x')
      assert.ok(err instanceof RatchetError && err instanceof Error)
      assert.equal(err.name, E.name)
    }
  })
})
