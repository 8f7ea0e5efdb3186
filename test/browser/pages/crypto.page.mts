/**
 * Test page (test/browser/crypto.spec.ts): the browser CryptoBackend (browser/crypto.ts) in
 * Chromium. The same known-answer vectors as the Node backends (crypto-vectors.suite.ts) run
 * against browserCrypto() with WebCrypto and without it; the cross-backend suite checks it against
 * defaultCrypto on seeded random inputs (`?seed=` replays a run); the checks below pin what only the
 * browser backend must show: which primitives run natively, defaultCrypto's errors, the fallback
 * per algorithm. crypto-bench.mts measures WebCrypto against @noble.
 *
 * The page prints `ferry-crypto-native <json>` for the spec to report.
 */
import assert from 'node:assert/strict'
import { browserCrypto } from '../../../browser/crypto.js'
import { defaultCrypto, InvalidPublicKeyError } from '../../../protocol/crypto/backend.js'
import { cryptoSeed, crossBackendSuite } from '../../protocol/crypto-agreement.suite.js'
import { cryptoVectorSuite, hex, toHex } from '../../protocol/crypto-vectors.suite.js'
import aead from '../../vectors/chacha20-poly1305.json' with { type: 'json' }
import ed25519 from '../../vectors/ed25519.json' with { type: 'json' }
import hkdf from '../../vectors/hkdf-sha256.json' with { type: 'json' }
import hmac from '../../vectors/hmac-sha256.json' with { type: 'json' }
import kem from '../../vectors/ml-kem-768.json' with { type: 'json' }
import sha2 from '../../vectors/sha2.json' with { type: 'json' }
import x25519 from '../../vectors/x25519.json' with { type: 'json' }
import { benchmark } from './crypto-bench.mjs'
import type { WebCryptoSupport } from '../../../browser/crypto.js'
import type { CryptoBackend } from '../../../protocol/crypto/backend.js'
import type { CryptoVectors } from '../../protocol/crypto-vectors.suite.js'

const vectors: CryptoVectors = { x25519, ed25519, aead, hkdf, hmac, sha2, kem }
const ALL_NATIVE: WebCryptoSupport = { sha256: true, sha512: true, hmacSha256: true, hkdf: true, ed25519Verify: true, x25519: true }

/** crypto.subtle with `change` applied to every method call: an older or a broken browser */
function subtleWith (change: (method: string, args: unknown[], call: () => Promise<unknown>) => Promise<unknown>): SubtleCrypto {
  const real = crypto.subtle
  return new Proxy(real, {
    get (target, method) {
      const value = Reflect.get(target, method, target)
      if (typeof value !== 'function') return value
      return async (...args: unknown[]) => change(String(method), args, () => value.apply(target, args))
    }
  })
}
const names = (args: unknown[], algorithm: string): boolean =>
  args.some(a => (typeof a === 'string' ? a : (a as { name?: unknown } | null)?.name) === algorithm)
/** a browser without Ed25519 in WebCrypto (Chromium before 137) */
const withoutEd25519 = subtleWith(async (_, args, call) => names(args, 'Ed25519') ? Promise.reject(new DOMException('Algorithm: Unrecognized name', 'NotSupportedError')) : call())
/** a WebCrypto whose X25519 answers wrongly: detection must not trust it */
const wrongX25519 = subtleWith(async (method, args, call) => {
  const result = await call()
  return method === 'deriveBits' && names(args, 'X25519') ? new Uint8Array(result as ArrayBuffer).map((b, i) => i === 0 ? b ^ 1 : b).buffer : result
})

const seed = cryptoSeed(new URLSearchParams(location.search).get('seed'))
const browser = await browserCrypto()
const noWebCrypto = await browserCrypto({ subtle: null })
const noEd25519 = await browserCrypto({ subtle: withoutEd25519 })
const badX25519 = await browserCrypto({ subtle: wrongX25519 })
console.log(`ferry-crypto-native ${JSON.stringify(browser.native)}`)

cryptoVectorSuite('browser', browser, vectors)
cryptoVectorSuite('browser without WebCrypto', noWebCrypto, vectors)
crossBackendSuite(['default', defaultCrypto], ['browser', browser], seed)

/** what a call produced: its bytes, or its error's class, name and message */
async function outcome (call: () => Promise<unknown>): Promise<string> {
  try {
    const value = await call()
    return value instanceof Uint8Array ? toHex(value) : JSON.stringify(value)
  } catch (err: any) {
    return `${err?.constructor?.name} ${err?.name}: ${err?.message}`
  }
}

/** `call` on the browser backend and on defaultCrypto gives the same outcome */
async function sameAsDefault (what: string, call: (backend: CryptoBackend) => Promise<unknown>): Promise<void> {
  assert.equal(await outcome(async () => call(browser)), await outcome(async () => call(defaultCrypto)), what)
}

describe('browserCrypto in Chromium', () => {
  it('runs Ed25519 verify, X25519, SHA-256/512, HMAC-SHA-256 and HKDF-SHA-256 in WebCrypto', () => {
    // Chromium 150 has every one of them: a silent fallback to @noble fails here
    assert.deepEqual({ ...browser.native }, ALL_NATIVE)
  })

  it('throws defaultCrypto\'s InvalidPublicKeyError, message included, for every low-order X25519 public key', async () => {
    const privateKey = hex(x25519.diffieHellman.alicePrivate)
    for (const point of x25519.lowOrder.points) {
      await assert.rejects(browser.x25519(privateKey, hex(point.u)), InvalidPublicKeyError, point.name)
      await sameAsDefault(point.name, async (b) => b.x25519(privateKey, hex(point.u)))
    }
  })

  it('returns or throws what defaultCrypto does for input WebCrypto refuses or that is malformed', async () => {
    const key = hex(hmac.tests[0].key)
    const bytes = (n: number): Uint8Array => new Uint8Array(n).fill(7)
    await sameAsDefault('HMAC with an empty key (WebCrypto refuses one)', async (b) => b.hmacSha256(new Uint8Array(0), bytes(3)))
    await sameAsDefault('HKDF of length 0', async (b) => b.hkdf(key, key, key, 0))
    await sameAsDefault('HKDF over 255 * 32 bytes', async (b) => b.hkdf(key, key, key, 255 * 32 + 1))
    await sameAsDefault('HKDF of a fractional length', async (b) => b.hkdf(key, key, key, 1.5))
    await sameAsDefault('HKDF with info over 1024 bytes', async (b) => b.hkdf(key, key, bytes(2000), 42))
    await sameAsDefault('HKDF of an array, not bytes', async (b) => b.hkdf([1, 2, 3] as any, key, key, 32))
    await sameAsDefault('SHA-256 of a string', async (b) => b.sha256('abc' as any))
    await sameAsDefault('HMAC of a string', async (b) => b.hmacSha256(key, 'abc' as any))
    await sameAsDefault('X25519 with a 31-byte private key', async (b) => b.x25519(bytes(31), hex(x25519.diffieHellman.bobPublic)))
    await sameAsDefault('X25519 with a 33-byte public key', async (b) => b.x25519(bytes(32), bytes(33)))
    await sameAsDefault('the X25519 public key of a 31-byte private key', async (b) => b.x25519PublicKey(bytes(31)))
    const v = ed25519.tests[1]
    assert.equal(await browser.verify(hex(v.publicKey), 'r' as any, hex(v.signature)), false, 'a message that is not bytes')
    assert.equal(await browser.verify(null as any, hex(v.message), hex(v.signature)), false, 'no public key')
    assert.equal(await browser.verify(new Uint8Array(32), hex(v.message), hex(v.signature)), false, 'the all-zero public key, a low-order point')
  })

  it('takes views into a larger buffer, and into a SharedArrayBuffer where the page may make one', async () => {
    const v = hkdf.tests[0]
    const inside = (b: Uint8Array, buffer: ArrayBufferLike = new ArrayBuffer(b.byteLength + 10)): Uint8Array => {
      const view = new Uint8Array(buffer, 5, b.byteLength)
      view.set(b)
      return view
    }
    assert.equal(toHex(await browser.hkdf(inside(hex(v.ikm)), inside(hex(v.salt)), inside(hex(v.info)), v.length)), v.okm)
    const sab = (globalThis as any).SharedArrayBuffer as (new (n: number) => ArrayBufferLike) | undefined
    // without cross-origin isolation Chromium hides the constructor, and then no page meets this case
    if (sab == null) return
    const shared = (b: Uint8Array): Uint8Array => inside(b, new sab(b.byteLength + 10))
    assert.equal(toHex(await browser.hkdf(shared(hex(v.ikm)), shared(hex(v.salt)), shared(hex(v.info)), v.length)), v.okm)
  })

  it('falls back to @noble for each algorithm WebCrypto lacks, or answers wrongly', async () => {
    assert.deepEqual({ ...noWebCrypto.native }, { sha256: false, sha512: false, hmacSha256: false, hkdf: false, ed25519Verify: false, x25519: false })
    assert.deepEqual({ ...noEd25519.native }, { ...ALL_NATIVE, ed25519Verify: false })
    assert.deepEqual({ ...badX25519.native }, { ...ALL_NATIVE, x25519: false })
    for (const v of ed25519.tests) assert.equal(await noEd25519.verify(hex(v.publicKey), hex(v.message), hex(v.signature)), true, v.source)
    const dh = x25519.diffieHellman
    assert.equal(toHex(await badX25519.x25519(hex(dh.alicePrivate), hex(dh.bobPublic))), dh.shared)
    assert.equal(toHex(await badX25519.x25519PublicKey(hex(dh.bobPrivate))), dh.bobPublic)
  })

  benchmark(browser)
})
