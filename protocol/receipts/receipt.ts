/**
 * Delivery receipts: the receiving device's signed statement that it durably stored an envelope
 * (DESIGN.md invariant 3: a receipt is sent only after the data is durably written).
 *
 * One signature per receipt costs more than the rest of a message's delivery, so on
 * `/ferry/dm/1.1.0` a receiver signs a window at once (signReceipts): the receipts of the replies it
 * writes together are the leaves of a Merkle tree, the signature is over its root, and each
 * receipt carries the path from its leaf to the root. Each stays checkable on its own; a sender
 * checks the signature of a root once (a small cache of roots it verified) and the path of each.
 */
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { equalBytes, toHex } from '../util/bytes.js'
import { InvalidReceiptError } from '../errors.js'
import { DeliveryReceipt } from './pb/receipt.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'

export { DeliveryReceipt }

const RECEIPT_CONTEXT = fromString('ferry-delivery-receipt-v1')
const WINDOW_CONTEXT = fromString('ferry-delivery-receipts-v1')
/** The most receipts one signature covers (a /ferry/dm window is 512), and so the longest path. */
export const MAX_WINDOW = 4096
const MAX_PATH = 12
/** Roots whose signature this process verified (signer, root, signature), the newest kept. */
const MAX_VERIFIED_ROOTS = 256
const verifiedRoots = new Set<string>()

/** A receipt still to sign, with the others of its window */
export interface ReceiptEntry { messageId: Uint8Array, hash: Uint8Array, storedAt: number }

/** SHA-256 of an encoded envelope. */
export async function envelopeHash (envelopeBytes: Uint8Array, crypto: CryptoBackend): Promise<Uint8Array> {
  return crypto.sha256(envelopeBytes)
}

function u64 (n: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n))
  return b
}

function signedBytes (messageId: Uint8Array, hash: Uint8Array, storedAt: number, signer: Uint8Array): Uint8Array {
  const at = u64(storedAt)
  // The signer's peer id is bound in so a receipt cannot be passed off as another device's.
  return concat([RECEIPT_CONTEXT, messageId, hash, at, signer])
}

/** Sign a receipt for a stored envelope with this device's key. */
export async function signReceipt (key: Ed25519PrivateKey, signer: PeerId, messageId: Uint8Array, hash: Uint8Array, storedAt: number, crypto: CryptoBackend): Promise<DeliveryReceipt> {
  const signature = await crypto.sign(key, signedBytes(messageId, hash, storedAt, signer.toMultihash().bytes))
  return { messageId, envelopeHash: hash, storedAt, signature, path: [] }
}

// leaves and inner nodes are hashed apart (a leaf cannot pass for a node)
const leafOf = async (e: ReceiptEntry, crypto: CryptoBackend): Promise<Uint8Array> => await crypto.sha256(concat([Uint8Array.of(0, e.messageId.byteLength), e.messageId, e.hash, u64(e.storedAt)]))
const nodeOf = async (left: Uint8Array, right: Uint8Array, crypto: CryptoBackend): Promise<Uint8Array> => await crypto.sha256(concat([Uint8Array.of(1), left, right]))

function windowBytes (root: Uint8Array, count: number, signer: Uint8Array): Uint8Array {
  return concat([WINDOW_CONTEXT, u64(count), root, signer])
}

/**
 * Sign the receipts of a window with one signature: a Merkle tree over them (a level's odd last
 * node moves up unpaired), its root and size signed, each receipt given its path.
 */
export async function signReceipts (key: Ed25519PrivateKey, signer: PeerId, entries: ReceiptEntry[], crypto: CryptoBackend): Promise<DeliveryReceipt[]> {
  if (entries.length === 0 || entries.length > MAX_WINDOW) throw new RangeError(`a window holds 1 to ${MAX_WINDOW} receipts`)
  const levels = [await Promise.all(entries.map(async e => await leafOf(e, crypto)))]
  for (let level = levels[0]; level.length > 1; level = levels[levels.length - 1]) {
    const up: Uint8Array[] = []
    for (let i = 0; i < level.length; i += 2) up.push(i + 1 < level.length ? await nodeOf(level[i], level[i + 1], crypto) : level[i])
    levels.push(up)
  }
  const signature = await crypto.sign(key, windowBytes(levels[levels.length - 1][0], entries.length, signer.toMultihash().bytes))
  return entries.map((e, index) => {
    const path: Uint8Array[] = []
    let i = index
    for (const level of levels.slice(0, -1)) {
      if (i % 2 === 1) path.push(level[i - 1])
      else if (i + 1 < level.length) path.push(level[i + 1])
      i = Math.floor(i / 2)
    }
    return { messageId: e.messageId, envelopeHash: e.hash, storedAt: e.storedAt, signature, count: entries.length, index, path }
  })
}

/** The root a window receipt's path leads to. @throws InvalidReceiptError when the path is malformed */
async function rootOf (receipt: DeliveryReceipt, crypto: CryptoBackend): Promise<Uint8Array> {
  const count = receipt.count ?? 0
  const index = receipt.index ?? -1
  if (count < 1 || count > MAX_WINDOW || index < 0 || index >= count || receipt.path.length > MAX_PATH || receipt.path.some(p => p.byteLength !== 32)) throw new InvalidReceiptError('receipt window is malformed')
  let node = await leafOf({ messageId: receipt.messageId, hash: receipt.envelopeHash, storedAt: receipt.storedAt }, crypto)
  let used = 0
  for (let i = index, n = count; n > 1; i = Math.floor(i / 2), n = Math.ceil(n / 2)) {
    if (i % 2 === 1 || i + 1 < n) {
      const sibling = receipt.path[used++]
      if (sibling == null) throw new InvalidReceiptError('receipt path is too short')
      node = i % 2 === 1 ? await nodeOf(sibling, node, crypto) : await nodeOf(node, sibling, crypto)
    }
  }
  if (used !== receipt.path.length) throw new InvalidReceiptError('receipt path is too long')
  return node
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
  const signerBytes = signer.toMultihash().bytes
  if (receipt.count == null) {
    if (receipt.index != null || receipt.path.length > 0) throw new InvalidReceiptError('receipt window is malformed')
    const ok = await crypto.verify(key.raw, signedBytes(messageId, hash, receipt.storedAt, signerBytes), receipt.signature)
    if (!ok) throw new InvalidReceiptError('receipt signature does not verify')
    return
  }
  const root = await rootOf(receipt, crypto)
  const seen = `${toHex(signerBytes)}:${receipt.count}:${toHex(root)}:${toHex(receipt.signature)}`
  if (verifiedRoots.has(seen)) return
  if (!await crypto.verify(key.raw, windowBytes(root, receipt.count, signerBytes), receipt.signature)) throw new InvalidReceiptError('receipt signature does not verify')
  if (verifiedRoots.size >= MAX_VERIFIED_ROOTS) verifiedRoots.delete(verifiedRoots.values().next().value as string)
  verifiedRoots.add(seen)
}
