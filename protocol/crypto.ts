/**
 * CryptoBackend: the one interface every hot-path primitive goes through (STYLE.md "For Ferry" 2).
 * Node injects node:crypto with cached KeyObjects (node/crypto.ts, several times faster than
 * rebuilding a key per call); browsers and tests use this pure default. The encryption issue adds
 * X25519, AEAD and HKDF to the same interface.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { sha256 as mfSha256 } from 'multiformats/hashes/sha2'
import type { Ed25519PrivateKey } from '@libp2p/interface'

export interface CryptoBackend {
  /** Ed25519 signature (RFC 8032) */
  sign(key: Ed25519PrivateKey, data: Uint8Array): Promise<Uint8Array>
  /** verify an Ed25519 signature by a raw 32-byte public key; false for any bad input */
  verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<boolean>
  sha256(data: Uint8Array): Promise<Uint8Array>
}

/** Platform-independent backend on @libp2p/crypto and multiformats. */
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
    return (await mfSha256.digest(data)).digest
  }
}
