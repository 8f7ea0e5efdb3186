/**
 * CryptoBackend: the one interface every cryptographic primitive goes through. Node injects
 * node:crypto (node/crypto.ts: X25519/Ed25519 ~50x faster than pure JS); browsers and tests use `defaultCrypto` (@noble, WebCrypto randomness). The same known-answer
 * vectors run against both (test/protocol/crypto-vectors.spec.ts).
 *
 * Keys are raw bytes: X25519 keys 32 bytes (RFC 7748), Ed25519 public keys 32 bytes (RFC 8032),
 * AEAD keys 32 bytes with 12-byte nonces (ChaCha20-Poly1305, RFC 8439), HKDF over SHA-256
 * (RFC 5869), ML-KEM-768 (FIPS 203) — the latter through @noble/post-quantum on every platform.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { ml_kem768 as mlKem768 } from '@noble/post-quantum/ml-kem.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'

/** AEAD authentication failed: wrong key, nonce, associated data, or a tampered ciphertext. */
export class DecryptError extends Error {
  override name = 'DecryptError'
}

/** An X25519 exchange produced the all-zero value (a low-order public key, RFC 7748 §6.1). */
export class InvalidPublicKeyError extends Error {
  override name = 'InvalidPublicKeyError'
}

/** SHA-256 fed piece by piece. */
export interface Sha256Hasher {
  update(data: Uint8Array): void
  digest(): Uint8Array
}

/** The backend's incremental SHA-256, or @noble's. */
export function sha256Hasher (crypto: CryptoBackend): Sha256Hasher {
  if (crypto.sha256Hasher != null) return crypto.sha256Hasher()
  const h = sha256.create()
  return { update: data => { h.update(data) }, digest: () => h.digest() }
}

export interface KeyPair {
  privateKey: Uint8Array
  publicKey: Uint8Array
}

export interface KemKeyPair {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

export interface CryptoBackend {
  /** Ed25519 signature (RFC 8032) */
  sign(key: Ed25519PrivateKey, data: Uint8Array): Promise<Uint8Array>
  /** verify an Ed25519 signature by a raw 32-byte public key; false for any bad input */
  verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<boolean>
  sha256(data: Uint8Array): Promise<Uint8Array>
  /** an incremental SHA-256 (files hash their plaintext piece by piece); default @noble */
  sha256Hasher?(): Sha256Hasher
  sha512(data: Uint8Array): Promise<Uint8Array>
  hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array>
  /** HKDF-SHA-256 (RFC 5869) */
  hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>
  /** a fresh X25519 key pair (raw 32-byte keys) */
  x25519Generate(): Promise<KeyPair>
  /** the public key of an X25519 private key */
  x25519PublicKey(privateKey: Uint8Array): Promise<Uint8Array>
  /**
   * X25519(privateKey, publicKey)
   *
   * @throws InvalidPublicKeyError when the result is all zeros
   */
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array>
  /** ChaCha20-Poly1305 (RFC 8439): ciphertext || 16-byte tag */
  aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>
  /** @throws DecryptError when authentication fails */
  aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>
  /** ML-KEM-768 (FIPS 203) */
  kemGenerate(seed?: Uint8Array): Promise<KemKeyPair>
  kemEncapsulate(publicKey: Uint8Array, seed?: Uint8Array): Promise<{ cipherText: Uint8Array, sharedSecret: Uint8Array }>
  kemDecapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Promise<Uint8Array>
  randomBytes(n: number): Uint8Array
}

/** Throw InvalidPublicKeyError for an all-zero X25519 output. */
export function checkSharedSecret (shared: Uint8Array): Uint8Array {
  let acc = 0
  for (const b of shared) acc |= b
  if (acc === 0) throw new InvalidPublicKeyError('X25519 produced the all-zero value: low-order public key')
  return shared
}

/** ML-KEM through @noble/post-quantum, shared by every backend. */
export const nobleKem = {
  async kemGenerate (seed?: Uint8Array): Promise<KemKeyPair> {
    return mlKem768.keygen(seed)
  },
  async kemEncapsulate (publicKey: Uint8Array, seed?: Uint8Array): Promise<{ cipherText: Uint8Array, sharedSecret: Uint8Array }> {
    return mlKem768.encapsulate(publicKey, seed)
  },
  async kemDecapsulate (cipherText: Uint8Array, secretKey: Uint8Array): Promise<Uint8Array> {
    return mlKem768.decapsulate(cipherText, secretKey)
  }
}

/** Platform-independent backend: @noble for the math, WebCrypto `getRandomValues` for randomness. */
export const defaultCrypto: CryptoBackend = {
  async sign (key, data) {
    return key.sign(data)
  },
  async verify (publicKey, data, signature) {
    try {
      return await publicKeyFromRaw(publicKey).verify(data, signature)
    } catch {
      return false
    }
  },
  async sha256 (data) {
    return sha256(data)
  },
  async sha512 (data) {
    return sha512(data)
  },
  async hmacSha256 (key, data) {
    return hmac(sha256, key, data)
  },
  async hkdf (ikm, salt, info, length) {
    return hkdf(sha256, ikm, salt, info, length)
  },
  async x25519Generate () {
    const privateKey = x25519.utils.randomSecretKey()
    return { privateKey, publicKey: x25519.getPublicKey(privateKey) }
  },
  async x25519PublicKey (privateKey) {
    return x25519.getPublicKey(privateKey)
  },
  async x25519 (privateKey, publicKey) {
    let shared: Uint8Array
    try {
      shared = x25519.getSharedSecret(privateKey, publicKey)
    } catch (err: any) {
      throw new InvalidPublicKeyError(`X25519 failed: ${err.message}`)
    }
    return checkSharedSecret(shared)
  },
  async aeadSeal (key, nonce, plaintext, aad) {
    return chacha20poly1305(key, nonce, aad).encrypt(plaintext)
  },
  async aeadOpen (key, nonce, ciphertext, aad) {
    try {
      return chacha20poly1305(key, nonce, aad).decrypt(ciphertext)
    } catch {
      throw new DecryptError('message authentication failed')
    }
  },
  ...nobleKem,
  randomBytes (n) {
    return crypto.getRandomValues(new Uint8Array(n))
  }
}
