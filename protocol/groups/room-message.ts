/**
 * A team room's application message on the wire: sealed once under the sender's message key
 * (message-ratchet.ts) and signed by the sender's device, so a fellow member, who can derive the
 * sender's message keys, still cannot forge a message in its name (docs/groups.md "Messages").
 */
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { toHex } from '../util/bytes.js'
import { peerIdFromBytes, verifyDevice } from '../crypto/identity.js'
import { ForgedOpError, GroupError, MalformedOpError, OpTooLargeError } from './errors.js'
import { GroupMessage as WireMessage, SignedGroupMessage } from './pb/groups.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Identity } from '../crypto/identity.js'
import type { Card } from './cards.js'

/** A message past its authenticated expiry: deleted, never shown. */
export class ExpiredGroupMessageError extends GroupError {
  override name = 'ExpiredGroupMessageError'
}

/** Domain separation for the message signature and id. */
const MESSAGE_CONTEXT = fromString('ferry-group-message-v1')
/** A message is at most 64 KiB of text plus its header (docs/DESIGN.md envelope cap). */
export const MAX_GROUP_MESSAGE_BYTES = 64 * 1024 + 512
const KEY_BYTES = 32
const DEVICE_BYTES = 38
const CERTIFICATE_BYTES = 128
const SIGNATURE_BYTES = 64

/** The header every message carries in the clear; all of it is signed and bound as associated data. */
export interface MessageHeader {
  group: Uint8Array
  /** the sender's identity key */
  sender: Uint8Array
  /** the sender's device (peer id multihash) and its certificate */
  device: Uint8Array
  certificate: Uint8Array
  /** which of the sender's update secrets sealed it, and the message number in that chain */
  epoch: number
  n: number
  /**
   * the sender's generation (generations.ts) whose keys sealed it: a person removed and added
   * again has epochs in each generation's keys, and only this says which one a message is from
   */
  generation: number
  /**
   * sealed under the sending device's own key id (generations.ts: a device its member's AddDevice
   * named) rather than the generation's: a receiver that has not seen that AddDevice yet holds the
   * message instead of trying the wrong chain
   */
  deviceKey: boolean
  sentAt: number
  /** ms since epoch; 0 = never. Every holder deletes the message then and refuses it after. */
  expiresAt: number
}

/** A checked and authenticated message, still sealed. */
export interface SignedMessage extends MessageHeader {
  /** hex SHA-256 over the context and the signed bytes */
  id: string
  ciphertext: Uint8Array
  /** the SignedGroupMessage encoding: what is stored and sent */
  bytes: Uint8Array
}

/* What a room takes and hands its caller (room.ts). */

/** The room snapshot format's version (Room.snapshot). */
export const SNAPSHOT_VERSION = 1

/** Messages waiting for the ops that let them open; past this the oldest is dropped. */
export const MAX_HELD_MESSAGES = 1000
/** Ops waiting for their parents; past this the oldest is dropped (the sender's anti-entropy resends). */
export const MAX_HELD_OPS = 5000

/** What a member needs to take part in rooms. */
export interface RoomInit {
  me: Identity
  crypto: CryptoBackend
  /** our X25519 identity DH private key: the two-party channel's first key (cards.ts) */
  initialPrivateKey: Uint8Array
  /** the card of a person we are about to add (from the contact's bundle), ours included */
  cards: (identity: Uint8Array) => Card | undefined
  now?: () => number
}

/** Messages kept for ferrying to members who lack them; past this the oldest is dropped. */
export const MAX_KEPT_MESSAGES = 5000

/** A message that opened. */
export interface RoomMessage {
  id: string
  sender: Uint8Array
  /** the sender's device (peer id multihash): one of ours when sender is us */
  device: Uint8Array
  plaintext: Uint8Array
  sentAt: number
  expiresAt: number
}

/** What taking in bytes produced: ops to broadcast, messages opened, and what was refused. */
export interface RoomChanges {
  /** our answers (acks, add-acks, updates): SignedOp bytes for every other member */
  ops: Uint8Array[]
  messages: RoomMessage[]
  /** ids of ops and messages refused for good, with why */
  refused: Array<{ id: string, error: Error }>
  /** op ids we lack: ask whoever sent these for them */
  missing: string[]
}

/** The associated data of the AEAD: the header without the ciphertext. */
export function headerBytes (h: MessageHeader): Uint8Array {
  return WireMessage.encode({ ...h, ciphertext: new Uint8Array(0) })
}

/**
 * Sign a sealed message as `me`'s device.
 *
 * @throws OpTooLargeError when the result exceeds MAX_GROUP_MESSAGE_BYTES
 */
export async function signMessage (me: Identity, header: Omit<MessageHeader, 'sender' | 'device' | 'certificate'>, ciphertext: Uint8Array, crypto: CryptoBackend): Promise<SignedMessage> {
  const full: MessageHeader = {
    ...header,
    sender: me.identityKey.publicKey.raw,
    device: peerIdFromPrivateKey(me.deviceKey).toMultihash().bytes,
    certificate: me.deviceSignature
  }
  const message = WireMessage.encode({ ...full, ciphertext })
  const signed = concat([MESSAGE_CONTEXT, message])
  const bytes = SignedGroupMessage.encode({ message, signature: await crypto.sign(me.deviceKey, signed) })
  if (bytes.byteLength > MAX_GROUP_MESSAGE_BYTES) throw new OpTooLargeError(`a group message is at most ${MAX_GROUP_MESSAGE_BYTES} bytes`)
  return { ...full, id: toHex(await crypto.sha256(signed)), ciphertext, bytes }
}

function exact (b: Uint8Array, n: number, what: string): Uint8Array {
  if (b.byteLength !== n) throw new MalformedOpError(`${what} must be ${n} bytes`)
  return b
}

/**
 * Decode and authenticate a message: bounded before decoding, every field's length, the device
 * certificate binding sender and device, and the device's signature.
 *
 * @throws OpTooLargeError, MalformedOpError for bad bytes; ForgedOpError for a bad certificate or signature
 */
export async function verifyMessage (bytes: Uint8Array, crypto: CryptoBackend): Promise<SignedMessage> {
  if (bytes.byteLength > MAX_GROUP_MESSAGE_BYTES) throw new OpTooLargeError(`a group message is at most ${MAX_GROUP_MESSAGE_BYTES} bytes`)
  let signed: SignedGroupMessage
  let m: WireMessage
  try {
    signed = SignedGroupMessage.decode(bytes)
    m = WireMessage.decode(signed.message)
  } catch (err: any) {
    throw new MalformedOpError(`unreadable group message: ${err.message}`)
  }
  exact(signed.signature, SIGNATURE_BYTES, 'a signature')
  const header: MessageHeader = {
    group: exact(m.group, KEY_BYTES, 'a group id'),
    sender: exact(m.sender, KEY_BYTES, 'a sender'),
    device: exact(m.device, DEVICE_BYTES, 'a device'),
    certificate: exact(m.certificate, CERTIFICATE_BYTES, 'a certificate'),
    epoch: m.epoch,
    n: m.n,
    sentAt: m.sentAt,
    expiresAt: m.expiresAt,
    generation: m.generation,
    deviceKey: m.deviceKey
  }
  if (!await verifyDevice(header.sender, header.device, header.certificate)) throw new ForgedOpError('the device certificate does not bind the sender to the device')
  const context = concat([MESSAGE_CONTEXT, signed.message])
  let deviceKey: Uint8Array | undefined
  try {
    deviceKey = peerIdFromBytes(header.device).publicKey?.raw
  } catch {
    throw new MalformedOpError('a device is an Ed25519 peer id')
  }
  if (deviceKey == null || !await crypto.verify(deviceKey, context, signed.signature)) throw new ForgedOpError('the message signature does not verify')
  return { ...header, id: toHex(await crypto.sha256(context)), ciphertext: m.ciphertext, bytes }
}
