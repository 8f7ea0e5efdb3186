/**
 * Delivery receipts: the receiving device's signed statement that it durably stored an envelope
 * (DESIGN.md invariant 3: a receipt is sent only after the data is durably written).
 */
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { equalBytes } from '../util/bytes.js'
import { InvalidReceiptError } from '../errors.js'
import { DeliveryReceipt } from './pb/receipt.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'

export { DeliveryReceipt }

const RECEIPT_CONTEXT = fromString('ferry-delivery-receipt-v1')

/** SHA-256 of an encoded envelope. */
export async function envelopeHash (envelopeBytes: Uint8Array, crypto: CryptoBackend): Promise<Uint8Array> {
  return crypto.sha256(envelopeBytes)
}

function signedBytes (messageId: Uint8Array, hash: Uint8Array, storedAt: number, signer: Uint8Array): Uint8Array {
  const at = new Uint8Array(8)
  new DataView(at.buffer).setBigUint64(0, BigInt(storedAt))
  // The signer's peer id is bound in so a receipt cannot be passed off as another device's.
  return concat([RECEIPT_CONTEXT, messageId, hash, at, signer])
}

/** Sign a receipt for a stored envelope with this device's key. */
export async function signReceipt (key: Ed25519PrivateKey, signer: PeerId, messageId: Uint8Array, hash: Uint8Array, storedAt: number, crypto: CryptoBackend): Promise<DeliveryReceipt> {
  const signature = await crypto.sign(key, signedBytes(messageId, hash, storedAt, signer.toMultihash().bytes))
  return { messageId, envelopeHash: hash, storedAt, signature }
}

/**
 * Check a receipt against the envelope we sent and the device we sent it to.
 *
 * @throws InvalidReceiptError when id, hash or signature do not match
 */
export async function verifyReceipt (receipt: DeliveryReceipt, signer: PeerId, messageId: Uint8Array, hash: Uint8Array, crypto: CryptoBackend): Promise<void> {
  if (!equalBytes(receipt.messageId, messageId)) throw new InvalidReceiptError('receipt is for another message')
  if (!equalBytes(receipt.envelopeHash, hash)) throw new InvalidReceiptError('receipt hash does not match the envelope sent')
  const key = signer.publicKey
  if (key?.type !== 'Ed25519') throw new InvalidReceiptError('receiver peer id carries no Ed25519 public key')
  const ok = await crypto.verify(key.raw, signedBytes(messageId, hash, receipt.storedAt, signer.toMultihash().bytes), receipt.signature)
  if (!ok) throw new InvalidReceiptError('receipt signature does not verify')
}
