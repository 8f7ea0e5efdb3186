/**
 * An identity's signed device list (docs/DEVICES.md): every device that speaks for the person,
 * each with its device certificate, and the devices revoked. The identity key signs it, so any
 * holder may carry it (a contact, a DHT node) and nobody but the identity can change it; a list
 * with a higher sequence replaces a lower one. Addresses and prekey bundles ride along unsigned:
 * they are hints, and a bundle proves itself (its own signatures, its identity).
 */
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { InvalidInputError } from '../errors.js'
import { verifyDevice } from '../crypto/identity.js'
import { equalBytes } from '../util/bytes.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'

/** Devices one identity may have at once (Signal allows a phone and 5 linked devices). */
export const MAX_DEVICES = 6

/** Revoked devices a list remembers (the oldest are dropped beyond it). */
export const MAX_REVOKED = 64

/** An encoded list is refused beyond this, before it is parsed. */
export const MAX_DEVICE_LIST_BYTES = 32 * 1024

const SIGNS = fromString('ferry-device-list-v1')

export interface DeviceEntry {
  /** the device's peer id */
  peer: string
  /** its device certificate (crypto/identity.ts) */
  certificate: Uint8Array
  /** what the person calls it ("laptop") */
  name: string
  addedAt: number
  /** unsigned hints: where it listens, and its prekey bundle when known */
  addrs?: string[]
  bundle?: Uint8Array
}

export interface DeviceList {
  identity: Uint8Array
  sequence: number
  devices: DeviceEntry[]
  /** peer ids of revoked devices: never taken again, whatever a later list says */
  revoked: string[]
  signature: Uint8Array
}

const b64 = (b: Uint8Array): string => toString(b, 'base64')
const unb64 = (s: unknown): Uint8Array => {
  if (typeof s !== 'string') throw new InvalidInputError('device list: a byte field is not base64')
  return fromString(s, 'base64')
}

/** The bytes the identity signs: everything but the hints, in a fixed order. */
function signed (l: Omit<DeviceList, 'signature'>): Uint8Array {
  const body = JSON.stringify([b64(l.identity), l.sequence, l.devices.map(d => [d.peer, b64(d.certificate), d.name, d.addedAt]), l.revoked])
  return concat([SIGNS, fromString(body)])
}

/** Sign a list with the identity key. */
export async function signDeviceList (identityKey: Ed25519PrivateKey, l: Omit<DeviceList, 'signature' | 'identity'>): Promise<DeviceList> {
  if (l.devices.length > MAX_DEVICES) throw new InvalidInputError(`an identity has at most ${MAX_DEVICES} devices: revoke one first (\`ferry device revoke DEVICE\`)`)
  const unsigned = { ...l, identity: identityKey.publicKey.raw, revoked: l.revoked.slice(-MAX_REVOKED) }
  return { ...unsigned, signature: await identityKey.sign(signed(unsigned)) }
}

export function encodeDeviceList (l: DeviceList): Uint8Array {
  return fromString(JSON.stringify({
    identity: b64(l.identity),
    sequence: l.sequence,
    devices: l.devices.map(d => ({ peer: d.peer, certificate: b64(d.certificate), name: d.name, addedAt: d.addedAt, addrs: d.addrs ?? [], bundle: d.bundle == null ? undefined : b64(d.bundle) })),
    revoked: l.revoked,
    signature: b64(l.signature)
  }))
}

/**
 * Decode and verify a list: its size, shape, the identity's signature, and every device
 * certificate against that identity. `identity`, when given, is the one it must belong to.
 *
 * @throws InvalidInputError naming what is wrong
 */
export async function decodeDeviceList (bytes: Uint8Array, identity?: Uint8Array): Promise<DeviceList> {
  if (bytes.byteLength > MAX_DEVICE_LIST_BYTES) throw new InvalidInputError(`device list too large (${bytes.byteLength} bytes; at most ${MAX_DEVICE_LIST_BYTES})`)
  let j: any
  try {
    j = JSON.parse(toString(bytes))
  } catch {
    throw new InvalidInputError('device list: not readable')
  }
  if (!Array.isArray(j?.devices) || !Array.isArray(j.revoked) || !Number.isSafeInteger(j.sequence) || j.devices.length > MAX_DEVICES || j.revoked.length > MAX_REVOKED) throw new InvalidInputError('device list: malformed')
  const devices: DeviceEntry[] = j.devices.map((d: any): DeviceEntry => {
    if (typeof d?.peer !== 'string' || typeof d.name !== 'string' || d.name.length > 64 || !Number.isSafeInteger(d.addedAt)) throw new InvalidInputError('device list: malformed device')
    peerIdFromString(d.peer)
    const addrs = Array.isArray(d.addrs) ? d.addrs.filter((a: unknown) => typeof a === 'string').slice(0, 16) : []
    return { peer: d.peer, certificate: unb64(d.certificate), name: d.name, addedAt: d.addedAt, addrs, bundle: d.bundle == null ? undefined : unb64(d.bundle) }
  })
  const list: DeviceList = { identity: unb64(j.identity), sequence: j.sequence, devices, revoked: j.revoked.filter((r: unknown) => typeof r === 'string'), signature: unb64(j.signature) }
  if (identity != null && !equalBytes(identity, list.identity)) throw new InvalidInputError('device list: signed by another identity')
  let ok = false
  try {
    ok = await publicKeyFromRaw(list.identity).verify(signed(list), list.signature)
  } catch {}
  if (!ok) throw new InvalidInputError('device list: the identity\'s signature does not verify')
  for (const d of devices) {
    if (!await verifyDevice(list.identity, peerIdFromString(d.peer).toMultihash().bytes, d.certificate)) throw new InvalidInputError(`device list: ${d.peer} has no valid certificate from this identity`)
    if (list.revoked.includes(d.peer)) throw new InvalidInputError('device list: a device is both listed and revoked')
  }
  return list
}
