/**
 * What a new device receives over the link (docs/DEVICES.md "Linking"): the identity key, its own
 * device certificate, the signed device list, the person's contacts (with verifications and
 * timers), the block list and the mailbox hosts its mail waits at. JSON, with byte arrays as
 * `{"$b": base64}` (the form node/store/sealed-json.ts writes), sealed by the link exchange.
 */
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { InvalidInputError } from '../errors.js'
import type { Contact } from '../stores/stores.js'

export const LINK_PAYLOAD_KIND = 'ferry-link'

export interface LinkPayload {
  kind: typeof LINK_PAYLOAD_KIND
  /** the person's display name */
  name: string
  /** the identity private key (libp2p protobuf form) */
  identityKey: Uint8Array
  /** the new device's certificate (both halves) */
  certificate: Uint8Array
  /** the signed device list with the new device in it */
  devices: Uint8Array
  contacts: Contact[]
  blocked: string[]
  /** the hosts the person's mail waits at: every device fetches its own there */
  mailboxUse: string[]
  /** how many messages of history follow (when the code offered history) */
  history?: number
}

const replacer = (_key: string, value: unknown): unknown =>
  value instanceof Uint8Array ? { $b: toString(value, 'base64pad') } : value
const reviver = (_key: string, value: any): unknown =>
  value != null && typeof value === 'object' && typeof value.$b === 'string' && Object.keys(value).length === 1 ? fromString(value.$b, 'base64pad') : value

export function encodeLinkPayload (p: LinkPayload): Uint8Array {
  return encodeJson(p)
}

/** JSON with byte arrays as `{"$b": base64}`: the link payload, and a contact synced to an own device. */
export function encodeJson (value: unknown): Uint8Array {
  return fromString(JSON.stringify(value, replacer))
}

/** @throws InvalidInputError when the bytes are not such JSON */
export function decodeJson (bytes: Uint8Array): any {
  try {
    return JSON.parse(toString(bytes), reviver)
  } catch {
    throw new InvalidInputError('not readable')
  }
}

/** @throws InvalidInputError when the bytes are not a link payload */
export function decodeLinkPayload (bytes: Uint8Array): LinkPayload {
  let p: any
  try {
    p = decodeJson(bytes)
  } catch {
    throw new InvalidInputError('the link answer is not readable')
  }
  if (p?.kind !== LINK_PAYLOAD_KIND || !(p.identityKey instanceof Uint8Array) || !(p.certificate instanceof Uint8Array) || !(p.devices instanceof Uint8Array) || !Array.isArray(p.contacts) || !Array.isArray(p.blocked)) {
    throw new InvalidInputError('the link answer is not a Ferry identity')
  }
  if (!Array.isArray(p.mailboxUse)) p.mailboxUse = []
  return p as LinkPayload
}
