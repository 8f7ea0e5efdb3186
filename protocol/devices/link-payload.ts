/**
 * What a new device receives over the link (docs/DEVICES.md "Linking"): the identity's public key, its own
 * device certificate, the signed device list, the person's contacts (with verifications and
 * timers), the block list and the mailbox hosts its mail waits at. JSON, with byte arrays as
 * `{"$b": base64}` (the form node/store/sealed-json.ts writes), sealed by the link exchange.
 */
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { InvalidInputError } from '../errors.js'
import type { Contact, MessageRecord } from '../stores/stores.js'

export const LINK_PAYLOAD_KIND = 'ferry-link'

export interface LinkPayload {
  kind: typeof LINK_PAYLOAD_KIND
  /** the person's display name */
  name: string
  /** the identity key, libp2p protobuf form: the public key (an older device sent the private one; docs/identity-custody.md) */
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

const STATUSES = new Set<string>(['queued', 'stored', 'delivered', 'read', 'expired', 'failed', 'sent'])

/**
 * The messages of one history chunk from the link, each checked field by field before anything
 * is written (the chunk opened under the link's key, but its contents are still checked).
 *
 * @throws InvalidInputError naming what is malformed
 */
export function decodeHistoryChunk (chunk: Uint8Array): MessageRecord[] {
  let page: unknown
  try {
    page = JSON.parse(new TextDecoder().decode(chunk))
  } catch {
    throw new InvalidInputError('a history chunk from the link is not JSON')
  }
  if (!Array.isArray(page)) throw new InvalidInputError('a history chunk is not a list of messages')
  return page.map((m: any) => {
    const ok = typeof m?.id === 'string' && /^[0-9a-f]{32}$/.test(m.id) && typeof m.peer === 'string' && m.peer.length <= 128 && (m.direction === 'in' || m.direction === 'out') &&
      typeof m.text === 'string' && STATUSES.has(m.status) && Number.isSafeInteger(m.createdAt) && Number.isSafeInteger(m.expiresAt)
    if (!ok) throw new InvalidInputError('a history message from the link is malformed')
    return { id: m.id, peer: m.peer, direction: m.direction, text: m.text, status: m.status, createdAt: m.createdAt, expiresAt: m.expiresAt, deliveredAt: Number.isSafeInteger(m.deliveredAt) ? m.deliveredAt : undefined, disappearing: m.disappearing === true ? true : undefined, seq: 0, rev: 0 }
  })
}
