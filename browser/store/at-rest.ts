/**
 * Encryption at rest in the browser (docs/DESIGN.md "Identity and keys": browser — a non-extractable
 * WebCrypto key in IndexedDB).
 *
 * One random AES-GCM-256 key per database, generated with `extractable: false` on first open and
 * stored as the CryptoKey object itself: structured clone keeps it non-extractable, so page script
 * (an XSS included) can use it while the page runs but can never export its bytes to decrypt the
 * records elsewhere. What it protects: no record, dump or backup of the object stores holds a
 * secret in the clear, and records cannot be swapped. What it does not: the browser writes the
 * key's bytes into the profile's IndexedDB files next to the data, so whoever copies the whole
 * profile can dig it out — like the Node key file without a passphrase (node/at-rest.ts). A
 * passphrase-wrapped key would be the next step.
 *
 * Sealed value: iv (12 random bytes) || ciphertext || tag (16). The AAD names the record (object
 * store and key, e.g. "ferry:messages:out:<id>:text"), so a sealed value moved to another record
 * does not open. Random 96-bit IVs stay far below the 2^32 seals per key NIST SP 800-38D §8.3
 * allows for a messenger's volume.
 */
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { request, STORES } from './idb.js'
import type { Database } from './idb.js'

/** A sealed value does not open: the at-rest key is not the one that sealed it, or it was altered or moved. */
export class AtRestDecryptError extends Error {
  override name = 'AtRestDecryptError'
}

const IV_BYTES = 12
const TAG_BYTES = 16
const KEY_ID = 'at-rest'

/** The AAD of a record: its object store and its key parts, e.g. recordName('sessions', peer). */
export function recordName (store: string, ...key: Array<string | number>): string {
  return ['ferry', store, ...key].join(':')
}

/** JSON with byte arrays as {$b: base64}, as node/store/sealed-json.ts writes them. */
const replacer = (_key: string, value: unknown): unknown =>
  value instanceof Uint8Array ? { $b: toString(value, 'base64') } : value
const reviver = (_key: string, value: any): unknown =>
  value != null && typeof value === 'object' && typeof value.$b === 'string' && Object.keys(value).length === 1 ? fromString(value.$b, 'base64') : value

/** Seals and opens values with the database's non-extractable at-rest key. */
export class AtRestKey {
  private constructor (readonly key: CryptoKey) {}

  /**
   * The at-rest key of `db`, made on first use. Two tabs opening a new database at once agree on
   * one key: the check and the write happen in one transaction.
   *
   * @throws StorageError when IndexedDB refuses
   */
  static async load (db: Database): Promise<AtRestKey> {
    // WebCrypto cannot run inside a transaction (it would commit early): generate first, keep only if none exists
    const fresh = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
    const key = await db.write([STORES.keys], async tx => {
      const keys = tx.objectStore(STORES.keys)
      const existing: unknown = await request(keys.get(KEY_ID))
      if (existing instanceof CryptoKey) return existing
      keys.put(fresh, KEY_ID)
      return fresh
    })
    return new AtRestKey(key)
  }

  /** Seal `plaintext` for the record named `aad` (see recordName). */
  async seal (plaintext: Uint8Array, aad: string): Promise<Uint8Array> {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: fromString(aad) as Uint8Array<ArrayBuffer>, tagLength: TAG_BYTES * 8 }, this.key, plaintext as Uint8Array<ArrayBuffer>)
    const out = new Uint8Array(IV_BYTES + sealed.byteLength)
    out.set(iv)
    out.set(new Uint8Array(sealed), IV_BYTES)
    return out
  }

  /**
   * Open a value sealed for the record named `aad`.
   *
   * @throws AtRestDecryptError when the key is wrong or the value was altered or moved
   */
  async open (sealed: Uint8Array, aad: string): Promise<Uint8Array> {
    if (!(sealed instanceof Uint8Array) || sealed.byteLength < IV_BYTES + TAG_BYTES) throw new AtRestDecryptError(`sealed value of ${aad} is truncated`)
    try {
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.subarray(0, IV_BYTES) as Uint8Array<ArrayBuffer>, additionalData: fromString(aad) as Uint8Array<ArrayBuffer>, tagLength: TAG_BYTES * 8 }, this.key, sealed.subarray(IV_BYTES) as Uint8Array<ArrayBuffer>)
      return new Uint8Array(plain)
    } catch {
      throw new AtRestDecryptError(`cannot decrypt ${aad}: wrong at-rest key, or the stored data was altered or moved`)
    }
  }

  /** Seal a string. */
  async sealText (text: string, aad: string): Promise<Uint8Array> {
    return this.seal(new TextEncoder().encode(text), aad)
  }

  /** @throws AtRestDecryptError as `open` */
  async openText (sealed: Uint8Array, aad: string): Promise<string> {
    return new TextDecoder().decode(await this.open(sealed, aad))
  }

  /** Seal a JSON value whose byte arrays are Uint8Arrays. */
  async sealJson (value: unknown, aad: string): Promise<Uint8Array> {
    return this.sealText(JSON.stringify(value, replacer), aad)
  }

  /** @throws AtRestDecryptError as `open` */
  async openJson<T> (sealed: Uint8Array, aad: string): Promise<T> {
    return JSON.parse(await this.openText(sealed, aad), reviver)
  }
}
