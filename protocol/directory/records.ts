/**
 * Signed records for the private DHT (`/ferry/kad/1.0.0`): a device's prekey bundle, an identity's
 * device list and its mailbox set, under `/ferry/<kind>/<identity>` (DESIGN.md "Discovery and
 * reachability"). The identity key signs each record, or a device it certified (the record then
 * names it); validators refuse anything outside the namespace, under the wrong key, badly signed,
 * expired, too far in the future or oversized, and selectors pick the highest sequence number. The kad-dht adapters are at the end.
 */
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { decodeBundle, verifyBundle } from '../crypto/bundle.js'
import { MAX_TTL_MS } from '../constants.js'
import { equalBytes } from '../util/bytes.js'
import { holdsIdentityKey, identityFromString, identityToString, verifyDevice } from '../crypto/identity.js'
import { checkSigner, deviceSigner, signFor, verifyFor } from '../crypto/signer.js'
import { DeviceList, MailboxSet, SignedRecord } from '../pb/ferry.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Identity } from '../crypto/identity.js'

export { SignedRecord, DeviceList, MailboxSet }

export const RECORD_VERSION = 1
export const RECORD_KINDS = ['bundle', 'devices', 'mailboxes'] as const
export type RecordKind = typeof RECORD_KINDS[number]

/** Largest encoded record accepted, checked before decoding (a bundle with ML-KEM is ~1.8 KiB). */
export const MAX_RECORD_BYTES = 4096
/** Records live at most this long; owners republish well before (RECORD_REPUBLISH_MS). */
export const RECORD_TTL_MS = 24 * 60 * 60 * 1000
export const RECORD_REPUBLISH_MS = 8 * 60 * 60 * 1000
/** A record may claim to live at most this long from now. */
export const MAX_RECORD_LIFETIME_MS = MAX_TTL_MS
const MAX_LIST = 16
const CONTEXT = fromString('ferry-record-v1')

/** A record failed validation; the message says which rule. */
export class InvalidRecordError extends Error {
  override name = 'InvalidRecordError'
}

/** The DHT key of `kind` for `identity` (raw Ed25519 public key). */
export function recordKey (kind: RecordKind, identity: Uint8Array): Uint8Array {
  return fromString(`/ferry/${kind}/${identityToString(identity)}`)
}

/** The bytes a record's signature covers (a context string, then the record without its signature). */
export function signedPart (r: SignedRecord): Uint8Array {
  return concat([CONTEXT, SignedRecord.encode({ ...r, signature: new Uint8Array(0) })])
}

/**
 * Create and sign a record for `me`'s identity: by the identity key, or by this device for it
 * when it does not hold the key (the record then names it as the signer).
 *
 * @example
 * const value = await signRecord(me, 'bundle', encodeBundle(bundle), { seq: now, now }, crypto)
 */
export async function signRecord (me: Identity, kind: RecordKind, payload: Uint8Array, opts: { seq: number, now: number, ttlMs?: number }, crypto: CryptoBackend): Promise<Uint8Array> {
  const record: SignedRecord = { version: RECORD_VERSION, kind, identity: me.identityKey.publicKey.raw, seq: opts.seq, expiresAt: opts.now + (opts.ttlMs ?? RECORD_TTL_MS), payload, signature: new Uint8Array(0) }
  if (!holdsIdentityKey(me.identityKey)) record.signer = deviceSigner(me)
  record.signature = (await signFor(crypto, me, signedPart(record))).signature
  const bytes = SignedRecord.encode(record)
  if (bytes.byteLength > MAX_RECORD_BYTES) throw new InvalidRecordError(`record of ${bytes.byteLength} bytes exceeds ${MAX_RECORD_BYTES}`)
  return bytes
}

/** Parse `/ferry/<kind>/<identity>`. */
function parseKey (key: Uint8Array): { kind: RecordKind, identity: Uint8Array } {
  const text = toString(key)
  const m = /^\/ferry\/([a-z]+)\/(z[1-9A-HJ-NP-Za-km-z]+)$/.exec(text)
  if (m == null) throw new InvalidRecordError(`key ${text.slice(0, 60)} is outside the /ferry/<kind>/<identity> namespace`)
  if (!(RECORD_KINDS as readonly string[]).includes(m[1])) throw new InvalidRecordError(`unknown record kind "${m[1]}"`)
  try {
    return { kind: m[1] as RecordKind, identity: identityFromString(m[2]) }
  } catch {
    throw new InvalidRecordError('key does not name an identity')
  }
}

/**
 * Validate a record stored under `key`.
 *
 * @returns the decoded record
 * @throws InvalidRecordError naming the rule it breaks
 */
export async function validateRecord (key: Uint8Array, value: Uint8Array, now: number, crypto: CryptoBackend): Promise<SignedRecord> {
  if (value.byteLength > MAX_RECORD_BYTES) throw new InvalidRecordError(`record of ${value.byteLength} bytes exceeds ${MAX_RECORD_BYTES}`)
  const { kind, identity } = parseKey(key)
  let r: SignedRecord
  try {
    r = SignedRecord.decode(value)
  } catch {
    throw new InvalidRecordError('record does not decode')
  }
  if (r.version !== RECORD_VERSION) throw new InvalidRecordError(`record version ${r.version} is not supported`)
  if (r.kind !== kind) throw new InvalidRecordError(`a "${r.kind}" record under a "${kind}" key`)
  if (!equalBytes(r.identity, identity)) throw new InvalidRecordError('record signed by another identity than its key names')
  if (r.signer != null) checkSigner(r.signer, 'signer', InvalidRecordError)
  if (!await verifyFor(crypto, r.identity, signedPart(r), r.signature, r.signer)) throw new InvalidRecordError(`record signature does not verify${r.signer == null ? '' : ' (or its signing device is not certified by the identity)'}`)
  if (r.expiresAt <= now) throw new InvalidRecordError('record expired')
  if (r.expiresAt > now + MAX_RECORD_LIFETIME_MS) throw new InvalidRecordError('record claims to live too long')
  await validatePayload(r, crypto)
  return r
}

async function validatePayload (r: SignedRecord, crypto: CryptoBackend): Promise<void> {
  try {
    if (r.kind === 'bundle') {
      const bundle = decodeBundle(r.payload)
      await verifyBundle(crypto, bundle)
      if (!equalBytes(bundle.identity, r.identity)) throw new Error('bundle of another identity')
    } else if (r.kind === 'devices') {
      const list = DeviceList.decode(r.payload, { limits: { devices: MAX_LIST } })
      if (list.devices.length === 0) throw new Error('no devices')
      for (const d of list.devices) if (!await verifyDevice(r.identity, d.peerId, d.signature)) throw new Error('a device certificate does not verify')
    } else {
      MailboxSet.decode(r.payload, { limits: { hosts: MAX_LIST } })
    }
  } catch (err: any) {
    throw new InvalidRecordError(`invalid ${r.kind} payload: ${err.message}`)
  }
}

/** Index of the best record: the highest sequence number, then the latest expiry. Undecodable records lose. */
export function selectRecord (records: Uint8Array[]): number {
  let best = 0
  let bestKey: [number, number] = [-1, -1]
  records.forEach((bytes, i) => {
    try {
      const r = SignedRecord.decode(bytes)
      if (r.seq > bestKey[0] || (r.seq === bestKey[0] && r.expiresAt > bestKey[1])) { best = i; bestKey = [r.seq, r.expiresAt] }
    } catch {}
  })
  return best
}

/** How many keys' highest sequence numbers a node remembers to refuse stale records. */
const MAX_REMEMBERED = 10_000

/**
 * kad-dht validator and selector maps for the `ferry` namespace. The validator also refuses a
 * record whose sequence number is lower than one this node already accepted for the key (kad-dht
 * gives validators no access to the stored record, so the rules remember what they saw).
 */
export function dhtRecordRules (now: () => number, crypto: CryptoBackend): { validators: Record<string, (key: Uint8Array, value: Uint8Array) => Promise<void>>, selectors: Record<string, (key: Uint8Array, records: Uint8Array[]) => number> } {
  const highest = new Map<string, number>()
  return {
    validators: {
      ferry: async (key, value) => {
        const r = await validateRecord(key, value, now(), crypto)
        const k = toString(key)
        const known = highest.get(k) ?? -1
        if (r.seq < known) throw new InvalidRecordError(`stale record: sequence ${r.seq} is older than ${known}`)
        highest.delete(k)
        highest.set(k, r.seq)
        if (highest.size > MAX_REMEMBERED) highest.delete(highest.keys().next().value as string)
      }
    },
    selectors: { ferry: (_key, records) => selectRecord(records) }
  }
}
