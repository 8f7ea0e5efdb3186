/**
 * node:crypto backend. Ed25519 KeyObjects are built once per key and cached, which makes a
 * sign + verify pair several times cheaper than @libp2p/crypto's per-call key import.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import type { CryptoBackend } from '../protocol/index.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import type { KeyObject } from 'node:crypto'

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url')
const MAX_CACHED_PUBLIC_KEYS = 4096

export function nodeCrypto (): CryptoBackend {
  const privateKeys = new WeakMap<Ed25519PrivateKey, KeyObject>()
  const publicKeys = new Map<string, KeyObject>()
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
    }
  }
}
