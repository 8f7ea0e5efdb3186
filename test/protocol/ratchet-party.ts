/** Two Double Ratchet parties for the ratchet specs: Alice sends first, Bob answers. */
import assert from 'node:assert/strict'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import { decodeState, encodeState, initReceiver, initSender, ratchetDecrypt, ratchetEncrypt } from '../../protocol/crypto/ratchet.js'
import type { RatchetState } from '../../protocol/crypto/ratchet.js'

export const crypto = defaultCrypto
export const te = new TextEncoder()
export const td = new TextDecoder()
export const AD = te.encode('ferry-test: alice|bob')

export interface Sealed { header: Uint8Array, ciphertext: Uint8Array }

export class Party {
  constructor (public state: RatchetState) {}
  async send (text: string): Promise<Sealed> {
    const r = await ratchetEncrypt(crypto, this.state, te.encode(text), AD)
    this.state = r.state
    return { header: r.header, ciphertext: r.ciphertext }
  }

  async receive (m: Sealed): Promise<string> {
    const r = await ratchetDecrypt(crypto, this.state, m.header, m.ciphertext, AD)
    this.state = r.state
    return td.decode(r.plaintext)
  }

  /** what a process restart does: only the persisted bytes survive */
  restart (): void {
    const bytes = encodeState(this.state)
    const restored = decodeState(bytes)
    assert.deepEqual(restored, this.state)
    bytes.fill(0) // the restored state owns its bytes
    this.state = restored
  }
}

export async function session (): Promise<{ alice: Party, bob: Party }> {
  const sharedKey = crypto.randomBytes(32)
  const bobKeys = await crypto.x25519Generate()
  return { alice: new Party(await initSender(crypto, sharedKey, bobKeys.publicKey)), bob: new Party(await initReceiver(crypto, sharedKey, bobKeys)) }
}
