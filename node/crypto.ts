/**
 * node:crypto backend. Ed25519 KeyObjects are built once per key and cached, which makes a
 * sign + verify pair several times cheaper than @libp2p/crypto's per-call key import; X25519,
 * ChaCha20-Poly1305, HKDF and HMAC run in OpenSSL. ML-KEM-768 is @noble/post-quantum, as in the
 * browser, so both backends share one implementation of it.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, createSecretKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, sign, verify } from 'node:crypto'
import { checkSharedSecret, DecryptError, InvalidPublicKeyError, nobleKem } from '../protocol/index.js'
import type { CryptoBackend } from '../protocol/index.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import type { KeyObject } from 'node:crypto'

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url')
/**
 * A raw symmetric key as a KeyObject. node:crypto tells a raw key from a KeyObject or CryptoKey by
 * catching the exceptions of two failed checks, which costs more than the HMAC or AEAD itself
 * (createHmac 15 µs with a buffer, 3.3 µs with createSecretKey first; ChaCha20-Poly1305 of 1 KiB
 * 25 µs against 10.5): a ratchet step makes four such calls.
 */
const secret = (key: Uint8Array): KeyObject | Uint8Array => key.byteLength === 0 ? key : createSecretKey(key)
const MAX_CACHED_PUBLIC_KEYS = 4096
/**
 * X25519 private keys kept as KeyObjects: a DH ratchet step uses each twice and would otherwise
 * import it from DER every time (the larger part of a step's cost). Only the newest few: the
 * ratchet state moves on, and a key it dropped should not stay reachable for long.
 */
const MAX_CACHED_X25519_KEYS = 16
// DER prefixes of X25519 keys (RFC 8410): PKCS#8 private, SPKI public; the raw key follows
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex')
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex')

const x25519Private = (raw: Uint8Array): KeyObject => createPrivateKey({ key: Buffer.concat([X25519_PKCS8, raw]), format: 'der', type: 'pkcs8' })
const x25519Public = (raw: Uint8Array): KeyObject => createPublicKey({ key: Buffer.concat([X25519_SPKI, raw]), format: 'der', type: 'spki' })
const rawPublic = (key: KeyObject): Uint8Array => new Uint8Array(key.export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI.length))
const rawPrivate = (key: KeyObject): Uint8Array => new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }).subarray(X25519_PKCS8.length))

export function nodeCrypto (): CryptoBackend {
  const privateKeys = new WeakMap<Ed25519PrivateKey, KeyObject>()
  const publicKeys = new Map<string, KeyObject>()
  const x25519Keys = new Map<string, KeyObject>()
  const keep = (raw: Uint8Array, key: KeyObject): KeyObject => {
    if (x25519Keys.size >= MAX_CACHED_X25519_KEYS) x25519Keys.delete(x25519Keys.keys().next().value as string)
    x25519Keys.set(b64u(raw), key)
    return key
  }
  const x25519Key = (raw: Uint8Array): KeyObject => x25519Keys.get(b64u(raw)) ?? keep(raw, x25519Private(raw))
  return {
    async sign (key, data) {
      let ko = privateKeys.get(key)
      if (ko == null) {
        // libp2p's raw Ed25519 private key is seed (32) || public key (32)
        ko = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64u(key.raw.subarray(0, 32)), x: b64u(key.publicKey.raw) }, format: 'jwk' })
        privateKeys.set(key, ko)
      }
      return new Uint8Array(sign(null, data, ko))
    },
    async verify (publicKey, data, signature) {
      if (publicKey.byteLength !== 32 || signature.byteLength !== 64) return false
      const id = b64u(publicKey)
      let ko = publicKeys.get(id)
      try {
        if (ko == null) {
          ko = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: id }, format: 'jwk' })
          if (publicKeys.size >= MAX_CACHED_PUBLIC_KEYS) publicKeys.delete(publicKeys.keys().next().value as string)
          publicKeys.set(id, ko)
        }
        return verify(null, data, ko, signature)
      } catch {
        return false
      }
    },
    async sha256 (data) {
      return new Uint8Array(createHash('sha256').update(data).digest())
    },
    sha256Hasher () {
      const h = createHash('sha256')
      return { update: data => { h.update(data) }, digest: () => new Uint8Array(h.digest()) }
    },
    async sha512 (data) {
      return new Uint8Array(createHash('sha512').update(data).digest())
    },
    async hmacSha256 (key, data) {
      return new Uint8Array(createHmac('sha256', secret(key)).update(data).digest())
    },
    async hkdf (ikm, salt, info, length) {
      return new Uint8Array(hkdfSync('sha256', secret(ikm), salt, info, length))
    },
    async x25519Generate () {
      const { privateKey, publicKey } = generateKeyPairSync('x25519')
      const raw = rawPrivate(privateKey)
      keep(raw, privateKey)
      return { privateKey: raw, publicKey: rawPublic(publicKey) }
    },
    async x25519PublicKey (privateKey) {
      return rawPublic(createPublicKey(x25519Private(privateKey)))
    },
    async x25519 (privateKey, publicKey) {
      if (privateKey.byteLength !== 32 || publicKey.byteLength !== 32) throw new InvalidPublicKeyError('X25519 keys are 32 bytes')
      let shared: Buffer
      try {
        shared = diffieHellman({ privateKey: x25519Key(privateKey), publicKey: x25519Public(publicKey) })
      } catch (err: any) {
        throw new InvalidPublicKeyError(`X25519 failed: ${err.message}`)
      }
      return checkSharedSecret(new Uint8Array(shared))
    },
    async aeadSeal (key, nonce, plaintext, aad) {
      const c = createCipheriv('chacha20-poly1305', secret(key), nonce, { authTagLength: 16 })
      c.setAAD(aad, { plaintextLength: plaintext.byteLength })
      return new Uint8Array(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]))
    },
    async aeadOpen (key, nonce, ciphertext, aad) {
      if (ciphertext.byteLength < 16) throw new DecryptError('ciphertext is shorter than its tag')
      try {
        const d = createDecipheriv('chacha20-poly1305', secret(key), nonce, { authTagLength: 16 })
        d.setAAD(aad, { plaintextLength: ciphertext.byteLength - 16 })
        d.setAuthTag(ciphertext.subarray(ciphertext.byteLength - 16))
        return new Uint8Array(Buffer.concat([d.update(ciphertext.subarray(0, ciphertext.byteLength - 16)), d.final()]))
      } catch {
        throw new DecryptError('message authentication failed')
      }
    },
    ...nobleKem,
    randomBytes (n) {
      return new Uint8Array(randomBytes(n))
    }
  }
}
