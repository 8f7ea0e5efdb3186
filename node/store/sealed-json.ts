/**
 * Records with key material, as JSON with byte arrays in base64, sealed at rest when a cipher is
 * given (node/at-rest.ts). The AAD names the record so sealed values cannot be swapped.
 */
import type { AtRestCipher } from '../at-rest.js'

const replacer = (_key: string, value: unknown): unknown =>
  value instanceof Uint8Array ? { $b: Buffer.from(value).toString('base64') } : value
const reviver = (_key: string, value: any): unknown =>
  value != null && typeof value === 'object' && typeof value.$b === 'string' && Object.keys(value).length === 1 ? new Uint8Array(Buffer.from(value.$b, 'base64')) : value

export class SealedJson {
  constructor (private readonly cipher?: AtRestCipher) {}

  encode (value: unknown, name: string): Uint8Array {
    const bytes = new TextEncoder().encode(JSON.stringify(value, replacer))
    return this.cipher == null ? bytes : this.cipher.seal(bytes, new TextEncoder().encode(name))
  }

  decode<T> (bytes: Uint8Array, name: string): T {
    const plain = this.cipher == null ? bytes : this.cipher.open(bytes, new TextEncoder().encode(name))
    return JSON.parse(new TextDecoder().decode(plain), reviver)
  }
}
