/**
 * Two CryptoBackends agree, shared by the Node spec
 * (test/protocol/crypto-vectors.spec.ts: @noble and node:crypto) and the Chromium page
 * (test/browser/pages/crypto.page.mts: WebCrypto and @noble). What one seals, signs, derives or
 * encapsulates the other opens, verifies, derives or decapsulates; and both compute the same bytes
 * for seeded random inputs chosen around the block and padding boundaries of SHA-2 and HMAC. The
 * seed is in the describe title: FERRY_CRYPTO_SEED=<seed> replays a failure.
 */
import assert from 'node:assert/strict'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { DecryptError } from '../../protocol/crypto/backend.js'
import { flip, toHex } from './crypto-vectors.suite.js'
import type { NamedBackend } from './crypto-vectors.suite.js'
import type { CryptoBackend } from '../../protocol/crypto/backend.js'

/** A deterministic source of test inputs (mulberry32): the same seed gives the same inputs. */
export interface SeededRandom {
  /** an integer in [0, max) */
  int(max: number): number
  bytes(n: number): Uint8Array
}

/** Seeded inputs for randomized tests; print the seed so a failure can be replayed. */
export function seededRandom (seed: number): SeededRandom {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
  return {
    int: (max) => next() % max,
    bytes: (n) => Uint8Array.from({ length: n }, () => next() & 0xff)
  }
}

/**
 * The seed of a randomized run: `given` (FERRY_CRYPTO_SEED, to replay a failure) or a fresh one.
 *
 * @throws Error when `given` is not an integer in [0, 2^32)
 */
export function cryptoSeed (given?: string | null): number {
  if (given == null || given === '') return Math.floor(Math.random() * 2 ** 32)
  const seed = Number(given)
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`the seed must be an integer in [0, 2^32), got "${given}"`)
  return seed
}

/**
 * Lengths around SHA-256's padding (55/56) and block (64) boundaries, SHA-512's (111/112, 128),
 * and HMAC's key-hashing threshold (keys over 64 bytes are hashed first, RFC 2104 §2); 0 is an
 * empty message, HMAC key or HKDF salt.
 */
const EDGES = [0, 1, 31, 32, 33, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 1000]
/** HKDF output lengths: one block and around it, several blocks, the maximum 255 * HashLen */
const HKDF_LENGTHS = [1, 31, 32, 33, 64, 65, 100, 255 * 32]

const edge = (rng: SeededRandom): number => EDGES[rng.int(EDGES.length)]

/** "0123…" or the error's name: what a call produced, to compare two backends */
async function outcome (call: () => Promise<Uint8Array>): Promise<string> {
  try {
    return toHex(await call())
  } catch (err: any) {
    return `threw ${err?.name}`
  }
}

/** Tests that need two backends, run in both directions. */
function interop ([aName, a]: NamedBackend, [bName, b]: NamedBackend): void {
  it(`a message sealed by ${aName} opens with ${bName}, and tampering is caught by ${bName}`, async () => {
    const [key, nonce, aad, plaintext] = [a.randomBytes(32), a.randomBytes(12), a.randomBytes(20), a.randomBytes(300)]
    const sealed = await a.aeadSeal(key, nonce, plaintext, aad)
    assert.deepEqual(await b.aeadOpen(key, nonce, sealed, aad), plaintext)
    await assert.rejects(b.aeadOpen(key, nonce, flip(sealed, 7), aad), DecryptError)
  })

  it(`X25519 key pairs from ${aName} agree with ${bName} on public keys and shared secrets`, async () => {
    const alice = await a.x25519Generate()
    const bob = await b.x25519Generate()
    assert.deepEqual(await b.x25519PublicKey(alice.privateKey), alice.publicKey)
    assert.deepEqual(await a.x25519PublicKey(bob.privateKey), bob.publicKey)
    const fromAlice = await a.x25519(alice.privateKey, bob.publicKey)
    assert.deepEqual(await b.x25519(bob.privateKey, alice.publicKey), fromAlice)
    assert.deepEqual(await b.x25519(alice.privateKey, bob.publicKey), fromAlice)
  })

  it(`an Ed25519 signature made by ${aName} verifies with ${bName}`, async () => {
    const key = await generateKeyPairFromSeed('Ed25519', a.randomBytes(32))
    const message = a.randomBytes(100)
    const signature = await a.sign(key, message)
    assert.equal(await b.verify(key.publicKey.raw, message, signature), true)
    assert.equal(await b.verify(key.publicKey.raw, flip(message, 99), signature), false)
  })

  it(`an ML-KEM-768 key encapsulated by ${aName} decapsulates with ${bName}`, async () => {
    const { publicKey, secretKey } = await b.kemGenerate()
    const { cipherText, sharedSecret } = await a.kemEncapsulate(publicKey)
    assert.deepEqual(await b.kemDecapsulate(cipherText, secretKey), sharedSecret)
  })
}

/** Both backends compute the same bytes for the same seeded inputs. */
function sameOutputs (a: CryptoBackend, b: CryptoBackend, seed: number): void {
  it('SHA-256, SHA-512 and HMAC-SHA-256 of random inputs around every block boundary', async () => {
    const rng = seededRandom(seed)
    const lengths = [...EDGES, ...Array.from({ length: 16 }, () => rng.int(5000))]
    for (const [i, n] of lengths.entries()) {
      const [data, key] = [rng.bytes(n), rng.bytes(edge(rng))]
      const where = `input ${i}: ${n} bytes, key ${key.byteLength} bytes, seed ${seed}`
      assert.equal(toHex(await b.sha256(data)), toHex(await a.sha256(data)), `SHA-256, ${where}`)
      assert.equal(toHex(await b.sha512(data)), toHex(await a.sha512(data)), `SHA-512, ${where}`)
      assert.equal(toHex(await b.hmacSha256(key, data)), toHex(await a.hmacSha256(key, data)), `HMAC-SHA-256, ${where}`)
    }
  })

  it('HKDF-SHA-256 of random inputs, empty salt and info included, for output lengths up to 255 * 32', async () => {
    const rng = seededRandom(seed)
    const lengths = [...HKDF_LENGTHS, ...Array.from({ length: 8 }, () => 1 + rng.int(255 * 32))]
    for (const [i, length] of lengths.entries()) {
      const [ikm, salt, info] = [rng.bytes(edge(rng)), rng.bytes(edge(rng)), rng.bytes(edge(rng))]
      const where = `input ${i}: ikm ${ikm.byteLength}, salt ${salt.byteLength}, info ${info.byteLength}, length ${length}, seed ${seed}`
      assert.equal(toHex(await b.hkdf(ikm, salt, info, length)), toHex(await a.hkdf(ikm, salt, info, length)), where)
    }
  })

  it('X25519 public keys and shared secrets of random private keys, each side on each backend', async () => {
    const rng = seededRandom(seed)
    for (let i = 0; i < 12; i++) {
      const [alice, bob] = [rng.bytes(32), rng.bytes(32)]
      const where = `pair ${i}, seed ${seed}`
      const [alicePublic, bobPublic] = [await a.x25519PublicKey(alice), await a.x25519PublicKey(bob)]
      assert.equal(toHex(await b.x25519PublicKey(alice)), toHex(alicePublic), `Alice's public key, ${where}`)
      assert.equal(toHex(await b.x25519PublicKey(bob)), toHex(bobPublic), `Bob's public key, ${where}`)
      const shared = toHex(await a.x25519(alice, bobPublic))
      assert.equal(toHex(await a.x25519(bob, alicePublic)), shared, `Bob's side on the same backend, ${where}`)
      assert.equal(toHex(await b.x25519(bob, alicePublic)), shared, `Bob's side on the other backend, ${where}`)
      assert.equal(toHex(await b.x25519(alice, bobPublic)), shared, `Alice's side on the other backend, ${where}`)
    }
  })

  it('X25519 with random 32-byte public keys: any u, top bit set or not (RFC 7748 §5 masks it)', async () => {
    const rng = seededRandom(seed)
    for (let i = 0; i < 12; i++) {
      const [privateKey, u] = [rng.bytes(32), rng.bytes(32)]
      const expected = await outcome(async () => a.x25519(privateKey, u))
      assert.equal(await outcome(async () => b.x25519(privateKey, u)), expected, `u ${i}, seed ${seed}`)
    }
  })

  it('Ed25519 verification of libp2p-made signatures, and of the same with one bit flipped', async () => {
    const rng = seededRandom(seed)
    for (let i = 0; i < 8; i++) {
      const key = await generateKeyPairFromSeed('Ed25519', rng.bytes(32))
      const publicKey = key.publicKey.raw
      const message = rng.bytes(1 + rng.int(300))
      const signature = await key.sign(message)
      const bit = (b: Uint8Array, from: number, to: number): Uint8Array => flip(b, from + rng.int(to - from), 1 << rng.int(8))
      const cases: Array<[string, Uint8Array, Uint8Array, Uint8Array, boolean]> = [
        ['the signature', publicKey, message, signature, true],
        ['a bit flipped in the message', publicKey, bit(message, 0, message.byteLength), signature, false],
        ['a bit flipped in R', publicKey, message, bit(signature, 0, 32), false],
        ['a bit flipped in S', publicKey, message, bit(signature, 32, 64), false],
        ['a bit flipped in A', bit(publicKey, 0, 32), message, signature, false],
        ['random bytes as signature', publicKey, message, rng.bytes(64), false]
      ]
      for (const [what, pk, m, sig, valid] of cases) {
        const where = `${what}, key ${i}, seed ${seed}`
        assert.equal(await a.verify(pk, m, sig), valid, where)
        assert.equal(await b.verify(pk, m, sig), valid, where)
      }
    }
  })
}

/**
 * Define the cross-backend tests for two backends.
 *
 * @param seed - the seed of the random inputs (cryptoSeed); it is in the describe title
 */
export function crossBackendSuite (first: NamedBackend, second: NamedBackend, seed: number): void {
  describe(`crypto vectors: cross-backend ${first[0]} and ${second[0]}`, () => {
    interop(first, second)
    interop(second, first)
    describe(`agree on random inputs (seed ${seed}: replay with FERRY_CRYPTO_SEED=${seed})`, () => {
      sameOutputs(first[1], second[1], seed)
    })
  })
}
