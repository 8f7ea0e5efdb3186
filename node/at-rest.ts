/**
 * Encryption at rest (docs/DESIGN.md "Identity and keys"). One random 32-byte storage key encrypts
 * private keys, session state and message bodies with ChaCha20-Poly1305. The storage key is
 * either wrapped with a key derived from the user's passphrase (scrypt, parameters below) or,
 * without a passphrase, kept in the 0600 key file: that protects against other users of the
 * machine, not against anyone who can read this user's files.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, scryptSync } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

/**
 * scrypt parameters: N = 2^17, r = 8, p = 1 — 128 MiB of memory and ~0.3-0.5 s per derivation
 * on this machine kind, the OWASP-recommended minimum for interactive logins (2^17, 8, 1).
 */
export const SCRYPT = { N: 2 ** 17, r: 8, p: 1, keyLength: 32, maxmem: 256 * 1024 * 1024 } as const

/** Wrong passphrase, or a sealed value that was altered. */
export class AtRestDecryptError extends Error {
  override name = 'AtRestDecryptError'
}

/** Derive the key-encryption key from a passphrase. */
export function passphraseKey (passphrase: string, salt: Uint8Array, params: { N: number, r: number, p: number } = SCRYPT): Uint8Array {
  if (passphrase.length === 0) throw new Error('the passphrase is empty')
  return new Uint8Array(scryptSync(passphrase.normalize('NFKC'), salt, SCRYPT.keyLength, { ...params, maxmem: SCRYPT.maxmem }))
}

/** Seals and opens values with one 32-byte key. Output: nonce (12) || ciphertext || tag (16). */
export class AtRestCipher {
  /** the key as a KeyObject, made once: node:crypto checks a raw key's type by throwing, ~15 µs a call */
  private readonly key: KeyObject

  constructor (key: Uint8Array) {
    if (key.byteLength !== 32) throw new TypeError('"key" must be 32 bytes')
    this.key = createSecretKey(key)
  }

  static generateKey (): Uint8Array {
    return new Uint8Array(randomBytes(32))
  }

  /** @param aad - what the value belongs to (e.g. a row id), so sealed values cannot be swapped */
  seal (plaintext: Uint8Array, aad: Uint8Array = new Uint8Array(0)): Uint8Array {
    const nonce = randomBytes(12)
    const c = createCipheriv('chacha20-poly1305', this.key, nonce, { authTagLength: 16 })
    c.setAAD(aad, { plaintextLength: plaintext.byteLength })
    return new Uint8Array(Buffer.concat([nonce, c.update(plaintext), c.final(), c.getAuthTag()]))
  }

  /** @throws AtRestDecryptError when the key is wrong or the value was altered */
  open (sealed: Uint8Array, aad: Uint8Array = new Uint8Array(0)): Uint8Array {
    if (sealed.byteLength < 28) throw new AtRestDecryptError('sealed value is truncated')
    try {
      const d = createDecipheriv('chacha20-poly1305', this.key, sealed.subarray(0, 12), { authTagLength: 16 })
      d.setAAD(aad, { plaintextLength: sealed.byteLength - 28 })
      d.setAuthTag(sealed.subarray(sealed.byteLength - 16))
      return new Uint8Array(Buffer.concat([d.update(sealed.subarray(12, sealed.byteLength - 16)), d.final()]))
    } catch {
      throw new AtRestDecryptError('cannot decrypt: wrong passphrase or altered data')
    }
  }

  sealText (text: string, aad?: Uint8Array): Uint8Array {
    return this.seal(new TextEncoder().encode(text), aad)
  }

  openText (sealed: Uint8Array, aad?: Uint8Array): string {
    return new TextDecoder().decode(this.open(sealed, aad))
  }
}
