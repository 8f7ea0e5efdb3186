import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { InvalidReceiptError } from '../../protocol/errors.js'
import { envelopeHash, signReceipt, verifyReceipt } from '../../protocol/receipts/receipt.js'
import type { DeliveryReceipt } from '../../protocol/receipts/receipt.js'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'
import { defaultCrypto } from '../../protocol/crypto/backend.js'

const ID = new Uint8Array(16).fill(0x42)
const STORED_AT = 1_700_000_000_123

async function rejects (receipt: DeliveryReceipt, signer: PeerId, id: Uint8Array, hash: Uint8Array, message: RegExp): Promise<void> {
  await assert.rejects(verifyReceipt(receipt, signer, id, hash, defaultCrypto), (err: Error) => err instanceof InvalidReceiptError && message.test(err.message))
}

describe('delivery receipt', () => {
  let key: Ed25519PrivateKey
  let receiver: PeerId
  let hash: Uint8Array
  let receipt: DeliveryReceipt

  before(async () => {
    key = await generateKeyPair('Ed25519')
    receiver = peerIdFromPrivateKey(key)
    hash = await envelopeHash(Uint8Array.from([1, 2, 3]), defaultCrypto)
    receipt = await signReceipt(key, receiver, ID, hash, STORED_AT, defaultCrypto)
  })

  it('hashes envelopes with SHA-256', async () => {
    assert.equal(Buffer.from(await envelopeHash(new TextEncoder().encode('abc'), defaultCrypto)).toString('hex'),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad') // FIPS 180-2 B.1
  })

  it('verifies a receipt signed by the receiver for that message', async () => {
    assert.deepEqual(receipt.messageId, ID)
    assert.equal(receipt.storedAt, STORED_AT)
    await verifyReceipt(receipt, receiver, ID, hash, defaultCrypto)
  })

  it('refuses a receipt for another message id', async () => {
    await rejects(receipt, receiver, new Uint8Array(16).fill(0x43), hash, /another message/)
  })

  it('refuses a receipt for another envelope', async () => {
    await rejects(receipt, receiver, ID, await envelopeHash(Uint8Array.from([1, 2, 4]), defaultCrypto), /hash does not match/)
  })

  it('refuses a receipt signed by another device', async () => {
    const otherKey = await generateKeyPair('Ed25519')
    const forged = await signReceipt(otherKey, peerIdFromPrivateKey(otherKey), ID, hash, STORED_AT, defaultCrypto)
    await rejects(forged, receiver, ID, hash, /signature does not verify/)
    // a genuine receipt cannot be passed off as another device's either: the signer is bound in
    await rejects(receipt, peerIdFromPrivateKey(otherKey), ID, hash, /signature does not verify/)
  })

  it('refuses a tampered signature or storedAt', async () => {
    const signature = receipt.signature.slice()
    signature[10] ^= 0x01
    await rejects({ ...receipt, signature }, receiver, ID, hash, /signature does not verify/)
    await rejects({ ...receipt, storedAt: STORED_AT + 1 }, receiver, ID, hash, /signature does not verify/)
  })
})
