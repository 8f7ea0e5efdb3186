/**
 * Invites: `ferry://invite/<base64url>` links that carry everything needed for first contact with
 * no DHT and no internet (DESIGN.md "Discovery and reachability"). Signed by the identity key, or by the
 * inviting device for it when that device does not hold the key (the invite says so: `deviceSigned`).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { DEFAULT_INVITE_TTL_MS, INVITE_PREFIX, INVITE_VERSION } from '../constants.js'
import { decodeBundle, encodeBundle, verifyBundle } from '../crypto/bundle.js'
import { defaultCrypto } from '../crypto/backend.js'
import { equalBytes } from '../util/bytes.js'
import { InvalidInviteError } from '../errors.js'
import { holdsIdentityKey, peerIdFromBytes, verifyDevice } from '../crypto/identity.js'
import { signFor, verifyFor } from '../crypto/signer.js'
import { Invite } from '../pb/ferry.js'
import type { PrekeyBundle } from '../crypto/bundle.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Identity } from '../crypto/identity.js'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Largest invite link accepted, in characters; checked before decoding. */
export const MAX_INVITE_CHARS = 16 * 1024
const INVITE_CONTEXT = fromString('ferry-invite-v1')

/** What an invite tells us once its signatures hold. */
export interface InviteInfo {
  identity: Uint8Array
  peerId: PeerId
  deviceSignature: Uint8Array
  addresses: Multiaddr[]
  name: string
  expiresAt: number
  /** encoded PrekeyBundle, verified */
  bundle: Uint8Array
  /** the owner's mailbox hosts and where to dial them (one-time prekeys wait there) */
  mailboxes: MailboxRef[]
}

/** A mailbox host as invites and contacts name it. */
export interface MailboxRef { peer: string, addrs: string[] }

function signedPart (inv: Invite): Uint8Array {
  return concat([INVITE_CONTEXT, Invite.encode({ ...inv, signature: new Uint8Array(0) })])
}

/**
 * Make a signed invite link for this identity and device.
 *
 * @param addresses - multiaddrs to reach this device (without /p2p/)
 * @example
 * const link = await createInvite(me, addrs, { name: 'alice', now: Date.now() })
 */
export async function createInvite (me: Identity, addresses: Multiaddr[], opts: { name?: string, now: number, ttlMs?: number, bundle: PrekeyBundle, mailboxes?: MailboxRef[], crypto?: CryptoBackend }): Promise<string> {
  const crypto = opts.crypto ?? defaultCrypto
  const inv: Invite = {
    version: INVITE_VERSION,
    identity: me.identityKey.publicKey.raw,
    peerId: me.deviceKey.publicKey.toMultihash().bytes,
    deviceSignature: me.deviceSignature,
    addresses: addresses.map(a => a.bytes),
    name: opts.name ?? '',
    expiresAt: opts.now + (opts.ttlMs ?? DEFAULT_INVITE_TTL_MS),
    signature: new Uint8Array(0),
    bundle: encodeBundle(opts.bundle),
    mailboxes: (opts.mailboxes ?? []).map(m => ({ peerId: peerIdFromString(m.peer).toMultihash().bytes, addrs: m.addrs.map(a => multiaddr(a).bytes) })),
    // a device without the identity key signs for it, under the certificate the invite carries
    deviceSigned: !holdsIdentityKey(me.identityKey)
  }
  inv.signature = (await signFor(crypto, me, signedPart(inv))).signature
  return INVITE_PREFIX + toString(Invite.encode(inv), 'base64url')
}

/**
 * Parse and verify an invite link.
 *
 * @throws InvalidInviteError saying why: not a ferry invite, truncated, unsupported version,
 * tampered (signature), or expired
 */
export async function parseInvite (link: string, now: number, crypto: CryptoBackend): Promise<InviteInfo> {
  const text = link.trim()
  if (!text.startsWith(INVITE_PREFIX)) throw new InvalidInviteError(`not a Ferry invite: expected a link starting with ${INVITE_PREFIX}`)
  if (text.length > MAX_INVITE_CHARS) throw new InvalidInviteError('invite is too long')
  let inv: Invite
  try {
    inv = Invite.decode(fromString(text.slice(INVITE_PREFIX.length), 'base64url'), { limits: { addresses: 32, mailboxes: 16, mailboxes$: { addrs: 8 } } })
  } catch {
    throw new InvalidInviteError('invite is truncated or corrupted (it does not decode)')
  }
  if (inv.version === 0 || inv.identity.byteLength !== 32 || inv.signature.byteLength === 0) throw new InvalidInviteError('invite is truncated or corrupted (missing identity or signature)')
  if (inv.version < INVITE_VERSION) throw new InvalidInviteError(`this invite is from an older Ferry (version ${inv.version}): its device certificate is not cross-signed. Ask for a new invite`)
  if (inv.version !== INVITE_VERSION) throw new InvalidInviteError(`invite version ${inv.version} is not supported by this Ferry (expected ${INVITE_VERSION})`)
  const signer = inv.deviceSigned ? { device: inv.peerId, certificate: inv.deviceSignature } : undefined
  if (!await verifyFor(crypto, inv.identity, signedPart(inv), inv.signature, signer)) throw new InvalidInviteError('invite signature does not verify: it was altered or truncated')
  if (!await verifyDevice(inv.identity, inv.peerId, inv.deviceSignature)) throw new InvalidInviteError('invite device certificate does not verify: the device and the identity must each sign it')
  if (inv.expiresAt <= now) throw new InvalidInviteError(`invite expired at ${new Date(inv.expiresAt).toISOString()}; ask for a new one`)
  let addresses: Multiaddr[]
  try {
    addresses = inv.addresses.map(b => multiaddr(b))
  } catch {
    throw new InvalidInviteError('invite holds a malformed address')
  }
  let bundle: PrekeyBundle
  try {
    bundle = decodeBundle(inv.bundle)
    await verifyBundle(crypto, bundle)
  } catch (err: any) {
    throw new InvalidInviteError(`invite prekey bundle is invalid: ${err.message}`)
  }
  if (!equalBytes(bundle.identity, inv.identity)) throw new InvalidInviteError('invite prekey bundle belongs to another identity')
  let mailboxes: MailboxRef[]
  try {
    mailboxes = inv.mailboxes.map(m => ({ peer: peerIdFromBytes(m.peerId).toString(), addrs: m.addrs.map(a => multiaddr(a).toString()) }))
  } catch {
    throw new InvalidInviteError('invite names a malformed mailbox host')
  }
  return { identity: inv.identity, peerId: peerIdFromBytes(inv.peerId), deviceSignature: inv.deviceSignature, addresses, name: inv.name, expiresAt: inv.expiresAt, bundle: inv.bundle, mailboxes }
}
