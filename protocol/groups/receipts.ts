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
  /** the member's device that signed it: each device of a person holds and reads on its own */
  device: Uint8Array
  at: number
  held: Chain[]
  read: Chain[]
  bytes: Uint8Array
}

/** What names a message's chain: its sender's device, generation and epoch (each key id has its own epochs). */
export type ChainPoint = Pick<SignedMessage, 'sender' | 'device' | 'generation' | 'epoch' | 'n'>

/** A chain's key; an empty device (a peer from before devices) stands for any device of the sender. */
export function chainKey (c: Pick<Chain, 'sender' | 'device' | 'generation' | 'epoch'>): string {
  return `${toHex(c.sender)}/${toHex(c.device)}/${c.generation}/${c.epoch}`
}

/** Chains of these messages: per sending device, generation and epoch, their numbers as [first, last] ranges (the newest kept). */
export function chainsOf (messages: Iterable<ChainPoint>, max = MAX_CHAINS, maxRanges = MAX_RANGES): Chain[] {
  const by = new Map<string, { chain: Omit<Chain, 'ranges'>, ns: number[] }>()
  for (const m of messages) {
    const key = chainKey(m)
    let c = by.get(key)
    if (c == null) by.set(key, c = { chain: { sender: m.sender, device: m.device, generation: m.generation, epoch: m.epoch }, ns: [] })
    c.ns.push(m.n)
  }
  return [...by.values()].slice(-max).map(c => {
    const ranges: number[] = []
    for (const n of [...new Set(c.ns)].sort((a, b) => a - b)) {
      if (ranges.length > 0 && ranges[ranges.length - 1] === n - 1) ranges[ranges.length - 1] = n
      else ranges.push(n, n)
    }
    return { ...c.chain, ranges: ranges.slice(-2 * maxRanges) }
  })
}

/** Chains by key, to look messages up in; a chain without a device is also filed under the sender and epoch alone. */
export function chainIndex (chains: Chain[]): (m: ChainPoint) => boolean {
  const exact = new Map(chains.filter(c => c.device.byteLength > 0).map(c => [chainKey(c), c.ranges]))
  const legacy = new Map(chains.filter(c => c.device.byteLength === 0).map(c => [`${toHex(c.sender)}/${c.epoch}`, c.ranges]))
  const within = (ranges: number[] | undefined, n: number): boolean => {
    for (let i = 0; i < (ranges?.length ?? 0); i += 2) if (n >= (ranges as number[])[i] && n <= (ranges as number[])[i + 1]) return true
    return false
  }
  return m => within(exact.get(chainKey(m)), m.n) || within(legacy.get(`${toHex(m.sender)}/${m.epoch}`), m.n)
}

/** Whether the chains cover message `m`. */
export function covers (chains: Chain[], m: ChainPoint): boolean {
  return chainIndex(chains)(m)
}

/** Whether every chain's fields have their lengths: a device is empty or a peer id. */
export function wellFormed (c: Chain): boolean {
  return c.sender.byteLength === 32 && (c.device.byteLength === 0 || c.device.byteLength === 38) && c.ranges.length % 2 === 0
}

/** Sign `me`'s receipt for a room. */
export async function signReceipt (me: Identity, r: { group: Uint8Array, at: number, held: Chain[], read: Chain[] }, crypto: CryptoBackend): Promise<Receipt> {
  let held = r.held
  let read = r.read
  for (;;) {
    const receipt = GroupReceipt.encode({ group: r.group, member: me.identityKey.publicKey.raw, device: peerIdFromPrivateKey(me.deviceKey).toMultihash().bytes, certificate: me.deviceSignature, at: r.at, held, read })
    const bytes = SignedReceipt.encode({ receipt, signature: await crypto.sign(me.deviceKey, concat([RECEIPT_CONTEXT, receipt])) })
    if (bytes.byteLength <= MAX_RECEIPT_BYTES) return { group: r.group, member: me.identityKey.publicKey.raw, device: peerIdFromPrivateKey(me.deviceKey).toMultihash().bytes, at: r.at, held, read, bytes }
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
  if (r.group.byteLength !== 32 || r.member.byteLength !== 32 || signed.signature.byteLength !== 64 || [...r.held, ...r.read].some(c => !wellFormed(c))) throw new MalformedOpError('a receipt field has the wrong length')
  if (!await verifyDevice(r.member, r.device, r.certificate)) throw new ForgedOpError('the receipt\'s certificate does not bind its member to its device')
  let key: Uint8Array | undefined
  try {
    key = peerIdFromBytes(r.device).publicKey?.raw
  } catch {
    throw new MalformedOpError('a device is an Ed25519 peer id')
  }
  if (key == null || !await crypto.verify(key, concat([RECEIPT_CONTEXT, signed.receipt]), signed.signature)) throw new ForgedOpError('the receipt signature does not verify')
  return { group: r.group, member: r.member, device: r.device, at: r.at, held: r.held, read: r.read, bytes }
}
