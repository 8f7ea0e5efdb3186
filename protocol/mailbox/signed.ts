/**
 * The signed statements of `/ferry/mailbox` (DESIGN.md "Mailboxes"): the owner's deposit
 * capability for a sender (identity key), the host's custody receipt for a deposit and its
 * deletion receipt for an ack (device key). Each signature covers a context label, so a statement
 * of one kind cannot pass for another.
 */
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { equalBytes } from '../messaging/envelope.js'
import { InvalidMailboxStatementError } from './errors.js'
import { Capability, CustodyReceipt, DeletionReceipt } from './pb/mailbox.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'

export const CAPABILITY_VERSION = 1
/** Largest encoded capability accepted (16 hosts with a few addresses each). */
export const MAX_CAPABILITY_BYTES = 8192
const MAX_HOSTS = 16

const CONTEXT = {
  capability: fromString('ferry-capability-v1'),
  custody: fromString('ferry-custody-v1'),
  deletion: fromString('ferry-deletion-v1')
}

function u64 (n: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n))
  return b
}

function capabilityBytes (c: Capability): Uint8Array {
  return concat([CONTEXT.capability, Capability.encode({ ...c, signature: new Uint8Array(0) })])
}

/** Sign a capability with the owner's identity key; `fields.owner` is set from the key. */
export async function signCapability (key: Ed25519PrivateKey, fields: Omit<Capability, 'version' | 'owner' | 'signature'>, crypto: CryptoBackend): Promise<Uint8Array> {
  const c: Capability = { ...fields, version: CAPABILITY_VERSION, owner: key.publicKey.raw, signature: new Uint8Array(0) }
  c.signature = await crypto.sign(key, capabilityBytes(c))
  return Capability.encode(c)
}

/**
 * Decode a capability and check its owner's signature (not yet who presents it, or when).
 *
 * @throws InvalidMailboxStatementError
 */
export async function openCapability (bytes: Uint8Array, crypto: CryptoBackend): Promise<Capability> {
  if (bytes.byteLength > MAX_CAPABILITY_BYTES) throw new InvalidMailboxStatementError(`capability of ${bytes.byteLength} bytes exceeds ${MAX_CAPABILITY_BYTES}`)
  let c: Capability
  try {
    c = Capability.decode(bytes, { limits: { hosts: MAX_HOSTS } })
  } catch (err: any) {
    throw new InvalidMailboxStatementError(`capability does not decode: ${err.message}`)
  }
  if (c.version !== CAPABILITY_VERSION) throw new InvalidMailboxStatementError(`capability version ${c.version} is not supported`)
  if (c.owner.byteLength !== 32 || c.sender.byteLength !== 32) throw new InvalidMailboxStatementError('capability names a malformed identity')
  if (c.group != null && c.group.byteLength !== 32) throw new InvalidMailboxStatementError('capability names a malformed room id')
  if (!await crypto.verify(c.owner, capabilityBytes(c), c.signature)) throw new InvalidMailboxStatementError('capability signature does not verify')
  return c
}

function custodyBytes (r: Pick<CustodyReceipt, 'messageId' | 'envelopeHash' | 'expiresAt' | 'storedAt'>, host: Uint8Array): Uint8Array {
  return concat([CONTEXT.custody, r.messageId, r.envelopeHash, u64(r.expiresAt), u64(r.storedAt), host])
}

export async function signCustody (key: Ed25519PrivateKey, host: PeerId, fields: Omit<CustodyReceipt, 'signature'>, crypto: CryptoBackend): Promise<CustodyReceipt> {
  return { ...fields, signature: await crypto.sign(key, custodyBytes(fields, host.toMultihash().bytes)) }
}

/**
 * Check a custody receipt against the envelope deposited and the host it was deposited at.
 *
 * @throws InvalidMailboxStatementError
 */
export async function verifyCustody (r: CustodyReceipt, host: PeerId, messageId: Uint8Array, hash: Uint8Array, expiresAt: number, crypto: CryptoBackend): Promise<void> {
  if (!equalBytes(r.messageId, messageId) || !equalBytes(r.envelopeHash, hash)) throw new InvalidMailboxStatementError('custody receipt is for another envelope')
  if (r.expiresAt !== expiresAt) throw new InvalidMailboxStatementError('custody receipt names another expiry')
  const key = host.publicKey
  if (key?.type !== 'Ed25519' || !await crypto.verify(key.raw, custodyBytes(r, host.toMultihash().bytes), r.signature)) throw new InvalidMailboxStatementError('custody receipt signature does not verify')
}

function deletionBytes (ids: Uint8Array[], deletedAt: number, host: Uint8Array): Uint8Array {
  return concat([CONTEXT.deletion, u64(deletedAt), host, ...ids])
}

export async function signDeletion (key: Ed25519PrivateKey, host: PeerId, ids: Uint8Array[], deletedAt: number, crypto: CryptoBackend): Promise<DeletionReceipt> {
  return { ids, deletedAt, signature: await crypto.sign(key, deletionBytes(ids, deletedAt, host.toMultihash().bytes)) }
}

/** @throws InvalidMailboxStatementError */
export async function verifyDeletion (r: DeletionReceipt, host: PeerId, crypto: CryptoBackend): Promise<void> {
  const key = host.publicKey
  if (key?.type !== 'Ed25519' || !await crypto.verify(key.raw, deletionBytes(r.ids, r.deletedAt, host.toMultihash().bytes), r.signature)) throw new InvalidMailboxStatementError('deletion receipt signature does not verify')
}
