/**
 * The browser's CryptoBackend: WebCrypto where the browser has the
 * primitive natively — SHA-256/512, HMAC-SHA-256, HKDF-SHA-256 (RFC 5869), Ed25519 verification
 * (RFC 8032) and X25519 (RFC 7748) — and `defaultCrypto` (@noble) for everything else:
 * ChaCha20-Poly1305 (WebCrypto has none), ML-KEM-768, and any primitive this browser lacks.
 *
 * Each WebCrypto algorithm is detected once, when the backend is made: a tiny operation must run
 * and agree with @noble, or that primitive stays on @noble (older browsers; pages outside a secure
 * context, where `crypto.subtle` is undefined). `native` says what was found.
 *
 * Input handling is defaultCrypto's: the WebCrypto path takes only well-formed input, and anything
 * else (not a Uint8Array, a wrong key length, an empty HMAC key, an HKDF length of 0 or over
 * 255 * 32) goes to defaultCrypto, which returns or throws exactly what it always does. X25519
 * throws InvalidPublicKeyError for a low-order public key as defaultCrypto does, with its message.
 *
 * `sign` is defaultCrypto's: the libp2p key's own `sign`, which in a browser already uses WebCrypto
 * Ed25519 when present and @noble otherwise (@libp2p/crypto keys/ed25519/index.browser.ts), so the
 * private key stays inside the libp2p key object. Ed25519 is deterministic: every path gives the
 * same signature bytes.
 *
 * @example
 * const crypto = await browserCrypto()
 * const shared = await crypto.x25519(myPrivateKey, theirPublicKey)
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { toString } from 'uint8arrays/to-string'
import { checkSharedSecret, defaultCrypto } from '../protocol/crypto/backend.js'
import type { CryptoBackend } from '../protocol/crypto/backend.js'

/** Which primitives run in WebCrypto (true) or in @noble through defaultCrypto (false). */
export interface WebCryptoSupport {
  sha256: boolean
  sha512: boolean
  hmacSha256: boolean
  hkdf: boolean
  /** `verify`; `sign` is the libp2p key's own (see the file comment) */
  ed25519Verify: boolean
  /** `x25519Generate`, `x25519PublicKey` and `x25519` */
  x25519: boolean
}

/**
 * Hash and HMAC inputs shorter than this stay with @noble: measured in Chromium 150, a WebCrypto
 * call's async round trip makes SHA-256 of 32 B 0.4-0.8x and HMAC-SHA-256 0.6-0.8x as fast as
 * @noble, while at 16 KiB WebCrypto is 6-8x faster. The ratchet's chain steps are small HMACs.
 */
export const NATIVE_MIN_BYTES = 1024

/** A CryptoBackend that tells which of its primitives are native. */
export interface BrowserCryptoBackend extends CryptoBackend {
  /** what feature detection found when the backend was made */
  readonly native: Readonly<WebCryptoSupport>
}

export interface BrowserCryptoOptions {
  /**
   * the WebCrypto to use; `null` for none (every primitive on @noble). Default:
   * `globalThis.crypto.subtle`, which is undefined outside a secure context
   */
  subtle?: SubtleCrypto | null
}

/**
 * PKCS#8 PrivateKeyInfo of an X25519 key before its 32 raw bytes (RFC 8410 §7, RFC 5958):
 * SEQUENCE (46) { INTEGER 0 (v1), SEQUENCE (5) { OID 1.3.101.110 id-X25519 },
 * OCTET STRING (34) { OCTET STRING (32) { key } } }. WebCrypto imports X25519 private keys only
 * as PKCS#8 or JWK.
 */
const X25519_PKCS8_PREFIX = Uint8Array.of(
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20
)
/** the X25519 base point, u = 9 (RFC 7748 §4.1): X25519(k, 9) is k's public key (§6.1) */
const BASE_POINT = Uint8Array.of(9, ...new Uint8Array(31))
const HKDF_MAX_LENGTH = 255 * 32
const MAX_CACHED_PUBLIC_KEYS = 4096

const isBytes = (b: unknown): b is Uint8Array => b instanceof Uint8Array
const isKey = (b: unknown): b is Uint8Array => isBytes(b) && b.byteLength === 32
/** WebCrypto takes no views of a SharedArrayBuffer: copy those */
const bufferSource = (b: Uint8Array): Uint8Array<ArrayBuffer> =>
  b.buffer instanceof ArrayBuffer ? b as Uint8Array<ArrayBuffer> : new Uint8Array(b)
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.byteLength === b.byteLength && a.every((x, i) => x === b[i])

/** The WebCrypto operations, unchecked: they throw whatever WebCrypto throws. */
class WebCryptoPrimitives {
  private readonly ed25519Keys = new Map<string, Promise<CryptoKey>>()
  private basePoint?: Promise<CryptoKey>

  constructor (private readonly subtle: SubtleCrypto) {}

  async digest (name: 'SHA-256' | 'SHA-512', data: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(await this.subtle.digest(name, bufferSource(data)))
  }

  async hmacSha256 (key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
    const k = await this.subtle.importKey('raw', bufferSource(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    return new Uint8Array(await this.subtle.sign('HMAC', k, bufferSource(data)))
  }

  async hkdf (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
    const k = await this.subtle.importKey('raw', bufferSource(ikm), 'HKDF', false, ['deriveBits'])
    const params = { name: 'HKDF', hash: 'SHA-256', salt: bufferSource(salt), info: bufferSource(info) }
    return new Uint8Array(await this.subtle.deriveBits(params, k, length * 8))
  }

  /** Ed25519 verification; public keys are imported once and cached (a bounded, oldest-out map) */
  async ed25519Verify (publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const id = toString(publicKey, 'base64')
    let key = this.ed25519Keys.get(id)
    if (key == null) {
      key = this.subtle.importKey('raw', bufferSource(publicKey), 'Ed25519', false, ['verify'])
      if (this.ed25519Keys.size >= MAX_CACHED_PUBLIC_KEYS) this.ed25519Keys.delete(this.ed25519Keys.keys().next().value as string)
      this.ed25519Keys.set(id, key)
      const cached = key
      cached.catch(() => { if (this.ed25519Keys.get(id) === cached) this.ed25519Keys.delete(id) })
    }
    return this.subtle.verify('Ed25519', await key, bufferSource(signature), bufferSource(data))
  }

  /** X25519(privateKey, publicKey) as WebCrypto computes it (Chromium refuses a zero result) */
  async x25519 (privateKey: Uint8Array, publicKey: Uint8Array | 'base point'): Promise<Uint8Array> {
    const pkcs8 = new Uint8Array(X25519_PKCS8_PREFIX.byteLength + 32)
    pkcs8.set(X25519_PKCS8_PREFIX)
    pkcs8.set(privateKey, X25519_PKCS8_PREFIX.byteLength)
    let priv: CryptoKey
    try {
      priv = await this.subtle.importKey('pkcs8', pkcs8, 'X25519', false, ['deriveBits'])
    } finally {
      pkcs8.fill(0)
    }
    const pub = publicKey === 'base point' ? await this.importBasePoint() : await this.importX25519(publicKey)
    return new Uint8Array(await this.subtle.deriveBits({ name: 'X25519', public: pub }, priv, 256))
  }

  private async importX25519 (publicKey: Uint8Array): Promise<CryptoKey> {
    return this.subtle.importKey('raw', bufferSource(publicKey), 'X25519', false, [])
  }

  private async importBasePoint (): Promise<CryptoKey> {
    this.basePoint ??= this.importX25519(BASE_POINT)
    return this.basePoint
  }
}

/** true when `check` resolves true; false when it resolves false or throws */
async function probe (check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check()
  } catch {
    return false
  }
}

/**
 * Try each WebCrypto algorithm once on a fixed input and compare with @noble: an algorithm the
 * browser lacks throws NotSupportedError; one that answers differently is not used either.
 */
async function detect (web: WebCryptoPrimitives | undefined): Promise<WebCryptoSupport> {
  if (web == null) return { sha256: false, sha512: false, hmacSha256: false, hkdf: false, ed25519Verify: false, x25519: false }
  const input = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
  const agree = async (native: Promise<Uint8Array>, reference: Promise<Uint8Array>): Promise<boolean> =>
    sameBytes(await native, await reference)
  const [sha256, sha512, hmacSha256, hkdf, ed25519Verify, x25519] = await Promise.all([
    probe(async () => agree(web.digest('SHA-256', input), defaultCrypto.sha256(input))),
    probe(async () => agree(web.digest('SHA-512', input), defaultCrypto.sha512(input))),
    probe(async () => agree(web.hmacSha256(input, input), defaultCrypto.hmacSha256(input, input))),
    probe(async () => agree(web.hkdf(input, input, input, 42), defaultCrypto.hkdf(input, input, input, 42))),
    probe(async () => {
      const signature = ed25519.sign(input, input)
      const publicKey = ed25519.getPublicKey(input)
      const tampered = input.map((b, i) => i === 0 ? b ^ 1 : b)
      return await web.ed25519Verify(publicKey, input, signature) && !await web.ed25519Verify(publicKey, tampered, signature)
    }),
    probe(async () => agree(web.x25519(input, 'base point'), defaultCrypto.x25519PublicKey(input)))
  ])
  return { sha256, sha512, hmacSha256, hkdf, ed25519Verify, x25519 }
}

/**
 * Make the browser backend: detect what WebCrypto offers, then route each primitive.
 *
 * @param options.subtle - the WebCrypto to use (tests pass `null` or a reduced one)
 * @returns a CryptoBackend whose `native` tells which primitives run in WebCrypto
 */
export async function browserCrypto (options: BrowserCryptoOptions = {}): Promise<BrowserCryptoBackend> {
  const subtle = options.subtle === undefined ? globalThis.crypto?.subtle : options.subtle
  const web = subtle == null ? undefined : new WebCryptoPrimitives(subtle)
  const native = Object.freeze(await detect(web))
  if (web == null) return { ...defaultCrypto, native }

  const x25519PublicKey: CryptoBackend['x25519PublicKey'] = async (privateKey) =>
    isKey(privateKey) ? web.x25519(privateKey, 'base point') : defaultCrypto.x25519PublicKey(privateKey)

  return {
    ...defaultCrypto,
    native,
    sha256: !native.sha256
      ? defaultCrypto.sha256
      : async (data) => isBytes(data) && data.byteLength >= NATIVE_MIN_BYTES ? web.digest('SHA-256', data) : defaultCrypto.sha256(data),
    sha512: !native.sha512
      ? defaultCrypto.sha512
      : async (data) => isBytes(data) && data.byteLength >= NATIVE_MIN_BYTES ? web.digest('SHA-512', data) : defaultCrypto.sha512(data),
    // WebCrypto refuses an empty HMAC key (WebCrypto §29.6 importKey); HMAC pads short keys with
    // zeros (RFC 2104 §2), which @noble does
    hmacSha256: !native.hmacSha256
      ? defaultCrypto.hmacSha256
      : async (key, data) => isBytes(key) && key.byteLength > 0 && isBytes(data) && data.byteLength >= NATIVE_MIN_BYTES ? web.hmacSha256(key, data) : defaultCrypto.hmacSha256(key, data),
    hkdf: !native.hkdf
      ? defaultCrypto.hkdf
      : async (ikm, salt, info, length) =>
        isBytes(ikm) && isBytes(salt) && isBytes(info) && Number.isSafeInteger(length) && length > 0 && length <= HKDF_MAX_LENGTH
          ? web.hkdf(ikm, salt, info, length)
          : defaultCrypto.hkdf(ikm, salt, info, length),
    verify: !native.ed25519Verify
      ? defaultCrypto.verify
      : async (publicKey, data, signature) => {
        if (!isKey(publicKey) || !isBytes(data) || !isBytes(signature) || signature.byteLength !== 64) return false
        try {
          return await web.ed25519Verify(publicKey, data, signature)
        } catch {
          return false
        }
      },
    x25519Generate: !native.x25519
      ? defaultCrypto.x25519Generate
      : async () => {
        // 32 random bytes are a private key: X25519 clamps the scalar itself (RFC 7748 §5)
        const privateKey = defaultCrypto.randomBytes(32)
        return { privateKey, publicKey: await x25519PublicKey(privateKey) }
      },
    x25519PublicKey: !native.x25519 ? defaultCrypto.x25519PublicKey : x25519PublicKey,
    x25519: !native.x25519
      ? defaultCrypto.x25519
      : async (privateKey, publicKey) => {
        if (!isKey(privateKey) || !isKey(publicKey)) return defaultCrypto.x25519(privateKey, publicKey)
        try {
          return checkSharedSecret(await web.x25519(privateKey, publicKey))
        } catch {
          // a low-order point (RFC 7748 §6.1): Chromium refuses it with an OperationError, other
          // engines may return zeros. @noble then throws defaultCrypto's InvalidPublicKeyError
          return defaultCrypto.x25519(privateKey, publicKey)
        }
      }
  }
}
