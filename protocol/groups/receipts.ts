/**
 * Group receipts: what a member holds and has read of a room, as ranges per sender and epoch (the
 * shape of a ferrying summary's chains), signed by the member's device under its certificate.
 * Anyone carries a receipt, in packets and sync exchanges, so a sender learns that a unit it
 * never meets got its message and read it; the newest receipt of a member (by its `at`) replaces
 * the older. A host or forwarder can withhold a receipt but cannot forge one.
 */
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { toHex } from '../util/bytes.js'
import { peerIdFromBytes, verifyDevice } from '../crypto/identity.js'
import { ForgedOpError, MalformedOpError, OpTooLargeError } from './errors.js'
import { GroupReceipt, SignedReceipt } from './pb/groups.js'
import type { Chain } from './pb/groups.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Identity } from '../crypto/identity.js'
import type { SignedMessage } from './room-message.js'

const RECEIPT_CONTEXT = fromString('ferry-group-receipt-v1')
/** A signed receipt's largest size: beyond it the oldest chains are left out. */
export const MAX_RECEIPT_BYTES = 16 * 1024
const MAX_CHAINS = 128
const MAX_RANGES = 64

export interface Receipt {
  group: Uint8Array
  member: Uint8Array
  at: number
  held: Chain[]
  read: Chain[]
  bytes: Uint8Array
}

/** Chains of these messages: per sender and epoch, their numbers as [first, last] ranges (the newest kept). */
export function chainsOf (messages: Iterable<Pick<SignedMessage, 'sender' | 'epoch' | 'n'>>): Chain[] {
  const by = new Map<string, { sender: Uint8Array, epoch: number, ns: number[] }>()
  for (const m of messages) {
    const key = `${toHex(m.sender)}/${m.epoch}`
    let c = by.get(key)
    if (c == null) by.set(key, c = { sender: m.sender, epoch: m.epoch, ns: [] })
    c.ns.push(m.n)
  }
  return [...by.values()].slice(-MAX_CHAINS).map(c => {
    const ranges: number[] = []
    for (const n of [...new Set(c.ns)].sort((a, b) => a - b)) {
      if (ranges.length > 0 && ranges[ranges.length - 1] === n - 1) ranges[ranges.length - 1] = n
      else ranges.push(n, n)
    }
    return { sender: c.sender, epoch: c.epoch, ranges: ranges.slice(-2 * MAX_RANGES) }
  })
}

/** Whether the chains cover message `m`. */
export function covers (chains: Chain[], m: Pick<SignedMessage, 'sender' | 'epoch' | 'n'>): boolean {
  const c = chains.find(c => c.epoch === m.epoch && toHex(c.sender) === toHex(m.sender))
  if (c == null) return false
  for (let i = 0; i < c.ranges.length; i += 2) if (m.n >= c.ranges[i] && m.n <= c.ranges[i + 1]) return true
  return false
}

/** Sign `me`'s receipt for a room. */
export async function signReceipt (me: Identity, r: { group: Uint8Array, at: number, held: Chain[], read: Chain[] }, crypto: CryptoBackend): Promise<Receipt> {
  let held = r.held
  let read = r.read
  for (;;) {
    const receipt = GroupReceipt.encode({ group: r.group, member: me.identityKey.publicKey.raw, device: peerIdFromPrivateKey(me.deviceKey).toMultihash().bytes, certificate: me.deviceSignature, at: r.at, held, read })
    const bytes = SignedReceipt.encode({ receipt, signature: await crypto.sign(me.deviceKey, concat([RECEIPT_CONTEXT, receipt])) })
    if (bytes.byteLength <= MAX_RECEIPT_BYTES) return { group: r.group, member: me.identityKey.publicKey.raw, at: r.at, held, read, bytes }
    held = held.slice(Math.ceil(held.length / 4))
    read = read.slice(Math.ceil(read.length / 4))
  }
}

/**
 * Decode and authenticate a receipt: bounded first, then the certificate binding member and
 * device, then the device's signature.
 *
 * @throws OpTooLargeError, MalformedOpError, ForgedOpError
 */
export async function verifyReceipt (bytes: Uint8Array, crypto: CryptoBackend): Promise<Receipt> {
  if (bytes.byteLength > MAX_RECEIPT_BYTES) throw new OpTooLargeError(`a receipt is at most ${MAX_RECEIPT_BYTES} bytes`)
  let signed: SignedReceipt
  let r: GroupReceipt
  try {
    signed = SignedReceipt.decode(bytes)
    r = GroupReceipt.decode(signed.receipt, { limits: { held: MAX_CHAINS, read: MAX_CHAINS, held$: { ranges: 2 * MAX_RANGES }, read$: { ranges: 2 * MAX_RANGES } } })
  } catch (err: any) {
    throw new MalformedOpError(`unreadable receipt: ${err.message}`)
  }
  if (r.group.byteLength !== 32 || r.member.byteLength !== 32 || signed.signature.byteLength !== 64 || [...r.held, ...r.read].some(c => c.sender.byteLength !== 32 || c.ranges.length % 2 !== 0)) throw new MalformedOpError('a receipt field has the wrong length')
  if (!await verifyDevice(r.member, r.device, r.certificate)) throw new ForgedOpError('the receipt\'s certificate does not bind its member to its device')
  let key: Uint8Array | undefined
  try {
    key = peerIdFromBytes(r.device).publicKey?.raw
  } catch {
    throw new MalformedOpError('a device is an Ed25519 peer id')
  }
  if (key == null || !await crypto.verify(key, concat([RECEIPT_CONTEXT, signed.receipt]), signed.signature)) throw new ForgedOpError('the receipt signature does not verify')
  return { group: r.group, member: r.member, at: r.at, held: r.held, read: r.read, bytes }
}
