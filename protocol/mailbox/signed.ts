/**
 * The signed statements of `/ferry/mailbox` (DESIGN.md "Mailboxes"): the owner's deposit
 * capability for a sender (identity key, or an owner device it certified), the host's custody receipt for a deposit and its
 * deletion receipt for an ack (device key). Each signature covers a context label, so a statement
 * of one kind cannot pass for another.
 */
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { equalBytes } from '../messaging/envelope.js'
import { InvalidMailboxStatementError } from './errors.js'
import { Capability, CustodyReceipt, DeletionReceipt } from './pb/mailbox.js'
import { holdsIdentityKey } from '../crypto/identity.js'
import { checkSigner, deviceSigner, signFor, verifyFor } from '../crypto/signer.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Identity } from '../crypto/identity.js'
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

/**
 * Sign a capability for the owner `me`: with the identity key, or by this device for it when it
 * does not hold the key (`ownerDevice` must then be this device; the capability carries its
 * certificate). `owner` is set from `me`.
 */
export async function signCapability (me: Identity, fields: Omit<Capability, 'version' | 'owner' | 'signature' | 'ownerCertificate'>, crypto: CryptoBackend): Promise<Uint8Array> {
  const c: Capability = { ...fields, version: CAPABILITY_VERSION, owner: me.identityKey.publicKey.raw, signature: new Uint8Array(0) }
  if (!holdsIdentityKey(me.identityKey)) {
    const signer = deviceSigner(me)
    if (!equalBytes(signer.device, c.ownerDevice)) throw new InvalidMailboxStatementError('a device without the identity key signs capabilities for itself only')
    c.ownerCertificate = signer.certificate
  }
  c.signature = (await signFor(crypto, me, capabilityBytes(c))).signature
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
  const signer = c.ownerCertificate == null ? undefined : { device: c.ownerDevice, certificate: c.ownerCertificate }
  if (signer != null) checkSigner(signer, 'ownerCertificate', InvalidMailboxStatementError)
  if (!await verifyFor(crypto, c.owner, capabilityBytes(c), c.signature, signer)) throw new InvalidMailboxStatementError(`capability signature does not verify${signer == null ? '' : ' (or its owner device is not certified by the owner)'}`)
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
