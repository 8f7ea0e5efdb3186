/**
 * Small decoders the mailbox service applies to fields of requests: peer ids, one-time prekeys,
 * the message id of a delivery receipt. Each answers undefined or false instead of throwing.
 */
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { toHex } from '../messaging/envelope.js'
import { DeliveryReceipt } from '../receipts/pb/receipt.js'
import { OneTimePrekey } from './pb/mailbox.js'

/** The peer id string from its multihash bytes, or undefined when they are not one */
export function peerString (bytes: Uint8Array): string | undefined {
  try {
    return peerIdFromMultihash(Digest.decode(bytes)).toString()
  } catch {
    return undefined
  }
}

/** Whether `bytes` is an encoded OneTimePrekey with an id and a 32-byte key. */
export function validPrekey (bytes: Uint8Array): boolean {
  try {
    const p = OneTimePrekey.decode(bytes)
    return p.id > 0 && p.publicKey.byteLength === 32
  } catch {
    return false
  }
}

/** A peer id's multihash bytes. */
export function fromPeerString (peer: string): Uint8Array {
  return peerIdFromString(peer).toMultihash().bytes
}

/** The message id a DeliveryReceipt names (field 1), hex; undefined when it does not decode. */
export function receiptId (bytes: Uint8Array): string | undefined {
  try {
    const id = DeliveryReceipt.decode(bytes).messageId
    return id.byteLength === 16 ? toHex(id) : undefined
  } catch {
    return undefined
  }
}
