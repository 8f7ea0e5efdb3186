/**
 * Known-answer tests for every CryptoBackend primitive (the same vectors run against
 * every backend), shared by the Node spec (test/protocol/crypto-vectors.spec.ts:
 * @noble and node:crypto) and the Chromium page (test/browser/pages/crypto.page.mts: WebCrypto).
 * The published vectors live in test/vectors/*.json, each entry citing its source (RFC 7748,
 * RFC 8032, RFC 8439, RFC 5869, RFC 4231, FIPS 180-2, FIPS 203); the caller reads them (the
 * filesystem in Node, esbuild's JSON loader in the browser) and passes them in. Whether two
 * backends interoperate, and agree on random inputs, is crypto-agreement.suite.ts.
 */
import assert from 'node:assert/strict'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { fromString, toString } from 'uint8arrays'
import { DecryptError, InvalidPublicKeyError } from '../../protocol/crypto/backend.js'
import type { CryptoBackend } from '../../protocol/crypto/backend.js'

interface Sourced { source: string }
export interface X25519Vectors {
  scalarMult: Array<Sourced & { scalar: string, u: string, output: string }>
  diffieHellman: Record<'alicePrivate' | 'alicePublic' | 'bobPrivate' | 'bobPublic' | 'shared', string>
  lowOrder: { points: Array<{ name: string, u: string }> }
}
export interface Ed25519Vectors { tests: Array<Sourced & { secretKey: string, publicKey: string, message: string, signature: string }> }
interface AeadVector extends Sourced { key: string, nonce: string, aad: string, ciphertext: string, tag: string }
export interface AeadVectors { seal: AeadVector & { plaintextUtf8: string }, open: AeadVector & { plaintext: string } }
export interface HkdfVectors { tests: Array<Sourced & { ikm: string, salt: string, info: string, length: number, okm: string }> }
export interface HmacVectors { tests: Array<Sourced & { key: string, data: string, mac: string }> }
interface DigestVector extends Sourced { messageUtf8: string, digest: string }
export interface Sha2Vectors { sha256: DigestVector[], sha512: DigestVector[] }
export interface KemVectors {
  keyGen: { seed: string, ekSha256: string, dkSha256: string, ekSha3_256: string }
  encapDecap: { ek: string, dk: string, m: string, c: string, K: string }
  implicitRejection: { seed: string, c: string, K: string }
}

/** The parsed test/vectors/*.json files, by primitive. */
export interface CryptoVectors {
  /** x25519.json */
  x25519: X25519Vectors
  /** ed25519.json */
  ed25519: Ed25519Vectors
  /** chacha20-poly1305.json */
  aead: AeadVectors
  /** hkdf-sha256.json */
  hkdf: HkdfVectors
  /** hmac-sha256.json */
  hmac: HmacVectors
  /** sha2.json */
  sha2: Sha2Vectors
  /** ml-kem-768.json */
  kem: KemVectors
}

/** The vector file of each primitive, in test/vectors/. */
export const VECTOR_FILES: Record<keyof CryptoVectors, string> = {
  x25519: 'x25519.json',
  ed25519: 'ed25519.json',
  aead: 'chacha20-poly1305.json',
  hkdf: 'hkdf-sha256.json',
  hmac: 'hmac-sha256.json',
  sha2: 'sha2.json',
  kem: 'ml-kem-768.json'
}

export type NamedBackend = [name: string, backend: CryptoBackend]

export const hex = (s: string): Uint8Array => fromString(s, 'base16')
export const toHex = (b: Uint8Array): string => toString(b, 'base16')
const utf8 = (s: string): Uint8Array => fromString(s, 'utf8')
/** a copy of `b` with one bit flipped (a copy even of a Buffer, whose slice() is a view) */
export const flip = (b: Uint8Array, index: number, mask = 0x01): Uint8Array => {
  const copy = new Uint8Array(b)
  copy[index] ^= mask
  return copy
}

// Ed25519 group order (RFC 8032 §5.1); S is little-endian in the second half of a signature
const L = 2n ** 252n + 27742317777372353535851937790883648493n
const fromLE = (b: Uint8Array): bigint => b.reduceRight((n, byte) => (n << 8n) | BigInt(byte), 0n)
const toLE = (n: bigint, length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn))

/**
 * Define the known-answer tests for one backend.
 *
 * @param name - the backend's name in the describe block ("crypto vectors: NAME backend")
 * @param backend - the backend under test
 * @param vectors - the parsed vector files
 */
export function cryptoVectorSuite (name: string, backend: CryptoBackend, vectors: CryptoVectors): void {
  const { x25519, ed25519, aead, hkdf, hmac, sha2, kem } = vectors
  describe(`crypto vectors: ${name} backend`, () => {
    describe('X25519 (RFC 7748)', () => {
      for (const v of x25519.scalarMult) {
        it(`scalar multiplication: ${v.source}`, async () => {
          assert.equal(toHex(await backend.x25519(hex(v.scalar), hex(v.u))), v.output)
        })
      }

      const dh = x25519.diffieHellman
      it('derives Alice\'s and Bob\'s public keys (§6.1)', async () => {
        assert.equal(toHex(await backend.x25519PublicKey(hex(dh.alicePrivate))), dh.alicePublic)
        assert.equal(toHex(await backend.x25519PublicKey(hex(dh.bobPrivate))), dh.bobPublic)
      })

      it('computes the same shared secret from both sides (§6.1)', async () => {
        assert.equal(toHex(await backend.x25519(hex(dh.alicePrivate), hex(dh.bobPublic))), dh.shared)
        assert.equal(toHex(await backend.x25519(hex(dh.bobPrivate), hex(dh.alicePublic))), dh.shared)
      })

      for (const point of x25519.lowOrder.points) {
        it(`throws InvalidPublicKeyError for a low-order public key: ${point.name}`, async () => {
          await assert.rejects(backend.x25519(hex(dh.alicePrivate), hex(point.u)), InvalidPublicKeyError)
        })
      }
    })

    describe('Ed25519 (RFC 8032)', () => {
      for (const v of ed25519.tests) {
        it(`${v.source}: derives the public key and signs deterministically`, async () => {
          const key = await generateKeyPairFromSeed('Ed25519', hex(v.secretKey))
          assert.equal(toHex(key.publicKey.raw), v.publicKey)
          assert.equal(toHex(await backend.sign(key, hex(v.message))), v.signature)
        })

        it(`${v.source}: verifies, and rejects a flipped bit in message or signature`, async () => {
          const publicKey = hex(v.publicKey)
          const message = hex(v.message)
          const signature = hex(v.signature)
          // TEST 1 signs the empty message: there is no bit to flip, so add a byte instead
          const otherMessage = message.byteLength > 0 ? flip(message, 0) : Uint8Array.of(0)
          assert.equal(await backend.verify(publicKey, message, signature), true)
          assert.equal(await backend.verify(publicKey, otherMessage, signature), false)
          assert.equal(await backend.verify(publicKey, message, flip(signature, 0)), false, 'bit flipped in R')
          assert.equal(await backend.verify(publicKey, message, flip(signature, 40)), false, 'bit flipped in S')
          assert.equal(await backend.verify(flip(publicKey, 0), message, signature), false, 'bit flipped in A')
        })

        it(`${v.source}: rejects the malleated signature R || (S + L) (§5.1.7 requires S < L)`, async () => {
          const signature = hex(v.signature)
          const malleated = new Uint8Array(64)
          malleated.set(signature.subarray(0, 32))
          malleated.set(toLE(fromLE(signature.subarray(32)) + L, 32), 32)
          assert.equal(await backend.verify(hex(v.publicKey), hex(v.message), malleated), false)
        })
      }

      it('returns false, without throwing, for a public key or signature of the wrong length', async () => {
        const v = ed25519.tests[1]
        assert.equal(await backend.verify(hex(v.publicKey).subarray(0, 31), hex(v.message), hex(v.signature)), false)
        assert.equal(await backend.verify(hex(v.publicKey), hex(v.message), hex(v.signature).subarray(0, 63)), false)
        assert.equal(await backend.verify(new Uint8Array(0), hex(v.message), new Uint8Array(0)), false)
      })
    })

    describe('ChaCha20-Poly1305 (RFC 8439)', () => {
      const s = aead.seal
      const o = aead.open

      it(`seals to ciphertext || tag (${s.source})`, async () => {
        const sealed = await backend.aeadSeal(hex(s.key), hex(s.nonce), utf8(s.plaintextUtf8), hex(s.aad))
        assert.equal(toHex(sealed), s.ciphertext + s.tag)
      })

      it(`opens ciphertext || tag to the plaintext (${s.source})`, async () => {
        const opened = await backend.aeadOpen(hex(s.key), hex(s.nonce), hex(s.ciphertext + s.tag), hex(s.aad))
        assert.equal(toString(opened, 'utf8'), s.plaintextUtf8)
      })

      it(`decrypts the published vector (${o.source})`, async () => {
        const opened = await backend.aeadOpen(hex(o.key), hex(o.nonce), hex(o.ciphertext + o.tag), hex(o.aad))
        assert.equal(toHex(opened), o.plaintext)
      })

      const sealed = hex(s.ciphertext + s.tag)
      const tampered: Array<[string, () => Promise<Uint8Array>]> = [
        ['ciphertext', async () => backend.aeadOpen(hex(s.key), hex(s.nonce), flip(sealed, 0), hex(s.aad))],
        ['tag', async () => backend.aeadOpen(hex(s.key), hex(s.nonce), flip(sealed, sealed.byteLength - 1, 0x80), hex(s.aad))],
        ['associated data', async () => backend.aeadOpen(hex(s.key), hex(s.nonce), sealed, flip(hex(s.aad), 11))],
        ['nonce', async () => backend.aeadOpen(hex(s.key), flip(hex(s.nonce), 0), sealed, hex(s.aad))],
        ['key', async () => backend.aeadOpen(flip(hex(s.key), 31), hex(s.nonce), sealed, hex(s.aad))]
      ]
      for (const [what, open] of tampered) {
        it(`throws DecryptError for a flipped bit in the ${what}`, async () => {
          await assert.rejects(open(), DecryptError)
        })
      }

      it('throws DecryptError for an input shorter than the tag', async () => {
        await assert.rejects(backend.aeadOpen(hex(s.key), hex(s.nonce), sealed.subarray(0, 15), hex(s.aad)), DecryptError)
      })
    })

    describe('HKDF-SHA-256 (RFC 5869)', () => {
      for (const v of hkdf.tests) {
        it(v.source, async () => {
          assert.equal(toHex(await backend.hkdf(hex(v.ikm), hex(v.salt), hex(v.info), v.length)), v.okm)
        })
      }
    })

    describe('HMAC-SHA-256 (RFC 4231)', () => {
      for (const v of hmac.tests) {
        it(v.source, async () => {
          assert.equal(toHex(await backend.hmacSha256(hex(v.key), hex(v.data))), v.mac)
        })
      }
    })

    describe('SHA-256 and SHA-512 (FIPS 180-2)', () => {
      for (const v of sha2.sha256) {
        it(`SHA-256 ${v.source}`, async () => {
          assert.equal(toHex(await backend.sha256(utf8(v.messageUtf8))), v.digest)
        })
      }
      for (const v of sha2.sha512) {
        it(`SHA-512 ${v.source}`, async () => {
          assert.equal(toHex(await backend.sha512(utf8(v.messageUtf8))), v.digest)
        })
      }
    })

    describe('ML-KEM-768 (FIPS 203)', () => {
      it('KeyGen from the 64-byte seed d || z (Wycheproof keygen_seed tcId 1)', async () => {
        const { publicKey, secretKey } = await backend.kemGenerate(hex(kem.keyGen.seed))
        assert.equal(toHex(await backend.sha256(publicKey)), kem.keyGen.ekSha256)
        assert.equal(toHex(await backend.sha256(secretKey)), kem.keyGen.dkSha256)
        // dk = dkPKE (1152) || ek (1184) || H(ek) (32) || z (32), FIPS 203 Algorithm 16
        assert.equal(toHex(secretKey.subarray(2336, 2368)), kem.keyGen.ekSha3_256)
      })

      it('Encaps with message m (CCTV intermediate values)', async () => {
        const { cipherText, sharedSecret } = await backend.kemEncapsulate(hex(kem.encapDecap.ek), hex(kem.encapDecap.m))
        assert.equal(toHex(cipherText), kem.encapDecap.c)
        assert.equal(toHex(sharedSecret), kem.encapDecap.K)
      })

      it('Decaps (CCTV intermediate values)', async () => {
        const sharedSecret = await backend.kemDecapsulate(hex(kem.encapDecap.c), hex(kem.encapDecap.dk))
        assert.equal(toHex(sharedSecret), kem.encapDecap.K)
      })

      it('Decaps takes the implicit-rejection path (Wycheproof/CCTV strcmp)', async () => {
        const { secretKey } = await backend.kemGenerate(hex(kem.implicitRejection.seed))
        const sharedSecret = await backend.kemDecapsulate(hex(kem.implicitRejection.c), secretKey)
        assert.equal(toHex(sharedSecret), kem.implicitRejection.K)
      })

      it('returns a different key, not an error, for a flipped ciphertext bit', async () => {
        const sharedSecret = await backend.kemDecapsulate(flip(hex(kem.encapDecap.c), 100), hex(kem.encapDecap.dk))
        assert.equal(sharedSecret.byteLength, 32)
        assert.notEqual(toHex(sharedSecret), kem.encapDecap.K)
      })
    })

    describe('randomBytes', () => {
      it('returns n bytes, and two calls differ', () => {
        for (const n of [0, 1, 32, 1000]) assert.equal(backend.randomBytes(n).byteLength, n)
        assert.notDeepEqual(backend.randomBytes(32), backend.randomBytes(32))
      })
    })
  })
}
