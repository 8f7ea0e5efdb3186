/**
 * Operations of a group's membership log (docs/groups.md "Operations"): the wire form, its bounds,
 * signing and verification. An op is written by one device of a member, names its causal
 * predecessors and is signed by that device's key (the libp2p peer key), which the device
 * certificate binds to the author's identity key.
 *
 * Signature and id cover the same bytes, `OP_CONTEXT || op`:
 * - signature = Ed25519(device key, OP_CONTEXT || op), carried beside the op in a SignedOp;
 * - id = SHA-256(OP_CONTEXT || op), so an op's id does not depend on its signature (an Ed25519
 *   signature is not the only valid one for its message, RFC 8032 §5.1.7 leaves room) and two
 *   copies of one op always share one id.
 * An op has one byte form: the decoder refuses bytes that do not re-encode to themselves (unknown
 * fields, zero values spelled out, two bodies), so nothing is carried that the id does not name.
 */
import { fromString } from 'uint8arrays/from-string'
import { concat } from 'uint8arrays/concat'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { DEVICE_CERTIFICATE_BYTES, peerIdFromBytes, verifyDevice } from '../crypto/identity.js'
import { equalBytes, fromHex, toHex } from '../util/bytes.js'
import { ForgedOpError, MalformedOpError, OpTooLargeError } from './errors.js'
import { Op, SignedOp } from './pb/groups.js'
import { checkCard, verifyCards } from './cards.js'
import type { Card } from './cards.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { Identity } from '../crypto/identity.js'

/** Domain separation for op signatures and ids. */
export const OP_CONTEXT = fromString('ferry-group-op-v1')

/** A team room holds at most 100 members: a key payload carries one two-party ciphertext per member. */
export const MAX_MEMBERS = 100
/**
 * Devices per member in a room: the person's device cap (devices/device-list.ts MAX_DEVICES; a
 * test pins the two equal, groups may not import devices/).
 */
export const MAX_MEMBER_DEVICES = 6
/**
 * Key ids in a room (one per member device): a key payload costs ~215 bytes per id, so 240 ids
 * keep a create or update (~52 KiB) under MAX_OP_BYTES with its parents.
 */
export const MAX_ROOM_KEYS = 240
/** Parents per op: bounds an op; an author keeps its own previous op and the newest heads. */
export const MAX_PARENTS = 64
/** A group name, in UTF-8 bytes: a title, not a description. */
export const MAX_NAME_BYTES = 128
/** Op bytes: a Key payload at MAX_ROOM_KEYS ids (~52 KiB) fits with its parents. */
export const MAX_OP_BYTES = 64 * 1024
/** SignedOp bytes: the op, its 64-byte signature and protobuf framing. */
export const MAX_SIGNED_OP_BYTES = MAX_OP_BYTES + 128
/** The message timer: at most 30 days, the mailbox TTL cap. */
export const MAX_TIMER_MS = 30 * 24 * 60 * 60 * 1000
/** Group ids, op ids and identity keys are 32 bytes. */
export const GROUP_ID_BYTES = 32
const ID_BYTES = 32
const KEY_BYTES = 32
const SIGNATURE_BYTES = 64
/** An Ed25519 peer id: identity multihash (0x00, 36) over the protobuf public key (4 + 32 bytes). */
const DEVICE_ID_BYTES = 38

/** Ops naming one member: its identity key. */
export type MemberOpKind = 'add' | 'remove' | 'promote' | 'demote'

/** What an op does; `kind` is the protobuf field name of its body. */
export type OpBody =
  | { kind: 'create', name: string, members: Uint8Array[], expiresMs: number, cards?: Card[] }
  | { kind: MemberOpKind, member: Uint8Array, card?: Card }
  | { kind: 'leave' }
  | { kind: 'rename', name: string }
  | { kind: 'setTimer', expiresMs: number }
  | { kind: 'key', payload: Uint8Array }
  | { kind: 'addDevice', peer: Uint8Array, certificate: Uint8Array, card: Card }
  | { kind: 'removeDevice', peer: Uint8Array }

/** What an author chooses when writing an op; author, device and certificate come from its Identity. */
export interface OpFields {
  /** the group id (GROUP_ID_BYTES) */
  group: Uint8Array
  /** hex ids of the causal predecessors: the author's DAG heads; empty only for create */
  parents: string[]
  /** 1 for the author's first op in this group, then +1 per op */
  seq: number
  /** ms since epoch, informational; defaults to Date.now() */
  at?: number
  body: OpBody
}

/** A checked op: every field has its exact length; from verifyOp, also authentic. */
export interface GroupOp {
  /** hex SHA-256(OP_CONTEXT || op bytes) */
  id: string
  group: Uint8Array
  /** the author's identity key */
  author: Uint8Array
  /** the author's device: peer id multihash bytes */
  device: Uint8Array
  /** hex ids of the parents, in wire order */
  parents: string[]
  seq: number
  at: number
  body: OpBody
  /** the SignedOp encoding: what is stored and sent */
  bytes: Uint8Array
}

/** A SignedOp whose fields are checked but whose certificate and signature are not yet. */
export interface DecodedOp extends Omit<GroupOp, 'id'> {
  certificate: Uint8Array
  /** the Op bytes that id and signature cover */
  opBytes: Uint8Array
  signature: Uint8Array
}

const MEMBER_KINDS: readonly MemberOpKind[] = ['add', 'remove', 'promote', 'demote']

function malformed (what: string): never {
  throw new MalformedOpError(what)
}

function checkName (name: string): string {
  if (new TextEncoder().encode(name).byteLength > MAX_NAME_BYTES) malformed(`a group name is at most ${MAX_NAME_BYTES} UTF-8 bytes`)
  return name
}

function checkTimer (ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_TIMER_MS) malformed(`a timer is 0 (off) to ${MAX_TIMER_MS} ms`)
  return ms
}

function checkKey (key: Uint8Array, what: string): Uint8Array {
  if (key.byteLength !== KEY_BYTES) malformed(`${what} must be a ${KEY_BYTES}-byte identity key`)
  return key
}

/** The op's one body, checked; the wire allows none or several. */
function checkBody (op: Op): OpBody {
  const present = (['create', 'add', 'remove', 'leave', 'promote', 'demote', 'rename', 'setTimer', 'key', 'addDevice', 'removeDevice'] as const).filter(k => op[k] != null)
  if (present.length !== 1) malformed('an op has exactly one body')
  const kind = present[0]
  if (op.create != null) {
    const members = op.create.members.map(m => checkKey(m, 'an initial member'))
    const distinct = new Set([toHex(op.author), ...members.map(toHex)])
    if (distinct.size !== members.length + 1) malformed('initial members are distinct and exclude the creator')
    if (distinct.size > MAX_MEMBERS) malformed(`a group holds at most ${MAX_MEMBERS} members`)
    const cards = op.create.cards.map(checkCard)
    if (cards.length !== 0 && cards.length !== members.length + 1) malformed('a create carries no cards or one per member, the creator first')
    return { kind: 'create', name: checkName(op.create.name), members, expiresMs: checkTimer(op.create.expiresMs), cards }
  }
  if (op.rename != null) return { kind: 'rename', name: checkName(op.rename.name) }
  if (op.setTimer != null) return { kind: 'setTimer', expiresMs: checkTimer(op.setTimer.expiresMs) }
  if (op.key != null) return { kind: 'key', payload: op.key.payload }
  if (op.leave != null) return { kind: 'leave' }
  if (op.addDevice != null) {
    const { peer, certificate, card } = op.addDevice
    if (certificate.byteLength !== DEVICE_CERTIFICATE_BYTES) malformed(`a device certificate is ${DEVICE_CERTIFICATE_BYTES} bytes`)
    if (card == null) malformed('a device joins with its card')
    return { kind: 'addDevice', peer: otherDevice(op, peer), certificate, card: checkCard(card) }
  }
  if (op.removeDevice != null) return { kind: 'removeDevice', peer: otherDevice(op, op.removeDevice.peer) }
  const { member, card } = (op as Required<Op>)[kind as MemberOpKind]
  if (card != null && kind !== 'add') malformed('only an add carries a card')
  return { kind: kind as MemberOpKind, member: checkKey(member, `the ${kind} target`), ...(card != null ? { card: checkCard(card) } : {}) }
}

function checkDevice (device: Uint8Array, what: string): Uint8Array {
  if (device.byteLength !== DEVICE_ID_BYTES) malformed(`${what} must be an Ed25519 peer id`)
  try {
    if (peerIdFromBytes(device).publicKey?.type !== 'Ed25519') malformed(`${what} must be an Ed25519 peer id`)
  } catch {
    malformed(`${what} must be an Ed25519 peer id`)
  }
  return device
}

/** The device a device op names: a peer id, and never the writing device itself. */
function otherDevice (op: Op, peer: Uint8Array): Uint8Array {
  checkDevice(peer, 'the device named')
  if (equalBytes(peer, op.device)) malformed('a device does not add or remove itself')
  return peer
}

/** Check the header fields of a decoded Op; the body is checked by checkBody. */
function checkHeader (op: Op): void {
  if (op.group.byteLength !== GROUP_ID_BYTES) malformed(`a group id is ${GROUP_ID_BYTES} bytes`)
  checkKey(op.author, 'the author')
  checkDevice(op.device, 'the device')
  if (op.certificate.byteLength !== DEVICE_CERTIFICATE_BYTES) malformed(`a device certificate is ${DEVICE_CERTIFICATE_BYTES} bytes`)
  if (op.parents.some(p => p.byteLength !== ID_BYTES)) malformed(`a parent id is ${ID_BYTES} bytes`)
  if (new Set(op.parents.map(toHex)).size !== op.parents.length) malformed('parents are distinct')
  if (!Number.isSafeInteger(op.seq) || op.seq < 1) malformed('seq starts at 1')
  if (!Number.isSafeInteger(op.at)) malformed('at must be a safe integer')
  const root = op.create != null
  if (root && (op.parents.length !== 0 || op.seq !== 1)) malformed('a create has no parents and seq 1')
  if (!root && op.parents.length === 0) malformed('only a create has no parents')
}

/**
 * Decode a SignedOp and check every field, without cryptography: lengths are checked before
 * decoding, each field's exact length and the body's bounds after.
 *
 * @throws OpTooLargeError over MAX_SIGNED_OP_BYTES or MAX_OP_BYTES
 * @throws MalformedOpError on anything else out of shape
 */
export function decodeOp (bytes: Uint8Array): DecodedOp {
  if (bytes.byteLength > MAX_SIGNED_OP_BYTES) throw new OpTooLargeError(`a signed op is at most ${MAX_SIGNED_OP_BYTES} bytes`)
  let signed: SignedOp
  try {
    signed = SignedOp.decode(bytes)
  } catch {
    malformed('not a signed op')
  }
  if (signed.op.byteLength > MAX_OP_BYTES) throw new OpTooLargeError(`an op is at most ${MAX_OP_BYTES} bytes`)
  if (signed.signature.byteLength !== SIGNATURE_BYTES) malformed(`a signature is ${SIGNATURE_BYTES} bytes`)
  let op: Op
  try {
    op = Op.decode(signed.op, { limits: { parents: MAX_PARENTS, create: { members: MAX_MEMBERS } } })
  } catch {
    malformed('not an op')
  }
  checkHeader(op)
  const body = checkBody(op)
  if (!equalBytes(Op.encode(op), signed.op) || !equalBytes(SignedOp.encode(signed), bytes)) malformed('an op has one encoding')
  return {
    group: op.group,
    author: op.author,
    device: op.device,
    certificate: op.certificate,
    parents: op.parents.map(toHex),
    seq: op.seq,
    at: op.at,
    body,
    bytes,
    opBytes: signed.op,
    signature: signed.signature
  }
}

/**
 * Decode and authenticate a SignedOp: its fields (decodeOp), the device certificate binding
 * author and device, and the device's signature.
 *
 * @throws OpTooLargeError, MalformedOpError as decodeOp
 * @throws ForgedOpError when certificate or signature does not verify
 */
export async function verifyOp (bytes: Uint8Array, crypto: CryptoBackend): Promise<GroupOp> {
  const decoded = decodeOp(bytes)
  if (!await verifyDevice(decoded.author, decoded.device, decoded.certificate)) throw new ForgedOpError('the device certificate does not bind the author to the device')
  const signed = concat([OP_CONTEXT, decoded.opBytes])
  const deviceKey = peerIdFromBytes(decoded.device).publicKey
  if (deviceKey == null || !await crypto.verify(deviceKey.raw, signed, decoded.signature)) throw new ForgedOpError('the op signature does not verify')
  if (decoded.body.kind === 'addDevice' && !await verifyDevice(decoded.author, decoded.body.peer, decoded.body.certificate)) {
    throw new ForgedOpError('the device to add is not certified by the author\'s identity')
  }
  await verifyCards(decoded.author, decoded.body, crypto)
  return withId(decoded, toHex(await crypto.sha256(signed)))
}

function withId (d: DecodedOp, id: string): GroupOp {
  return { id, group: d.group, author: d.author, device: d.device, parents: d.parents, seq: d.seq, at: d.at, body: d.body, bytes: d.bytes }
}

function bodyFields (body: OpBody): Partial<Op> {
  switch (body.kind) {
    case 'create': return { create: { name: body.name, members: body.members, expiresMs: body.expiresMs, cards: body.cards ?? [] } }
    case 'leave': return { leave: {} }
    case 'rename': return { rename: { name: body.name } }
    case 'setTimer': return { setTimer: { expiresMs: body.expiresMs } }
    case 'key': return { key: { payload: body.payload } }
    case 'addDevice': return { addDevice: { peer: body.peer, certificate: body.certificate, card: body.card } }
    case 'removeDevice': return { removeDevice: { peer: body.peer } }
    default:
      if (!MEMBER_KINDS.includes(body.kind)) malformed('unknown op kind')
      return { [body.kind]: { member: body.member, ...(body.card != null ? { card: body.card } : {}) } }
  }
}

/**
 * Write and sign an op as `identity`'s device. The result is checked as a receiver would
 * (decodeOp) but not verified: its certificate is whatever `identity` carries.
 *
 * @throws MalformedOpError when a field is out of bounds (name too long, too many parents...)
 * @throws OpTooLargeError when the op exceeds MAX_OP_BYTES
 * @example
 * const create = await signOp({ group: crypto.randomBytes(GROUP_ID_BYTES), parents: [], seq: 1,
 *   body: { kind: 'create', name: 'field team', members: [], expiresMs: 0 } }, me, crypto)
 */
export async function signOp (fields: OpFields, identity: Identity, crypto: CryptoBackend): Promise<GroupOp> {
  const parents = fields.parents.map(p => {
    try {
      return fromHex(p)
    } catch {
      return malformed('a parent id is hex')
    }
  })
  const opBytes = Op.encode({
    group: fields.group,
    author: identity.identityKey.publicKey.raw,
    device: peerIdFromPrivateKey(identity.deviceKey).toMultihash().bytes,
    certificate: identity.deviceSignature,
    parents,
    seq: fields.seq,
    at: fields.at ?? Date.now(),
    ...bodyFields(fields.body)
  })
  if (opBytes.byteLength > MAX_OP_BYTES) throw new OpTooLargeError(`an op is at most ${MAX_OP_BYTES} bytes`)
  const signed = concat([OP_CONTEXT, opBytes])
  const signature = await crypto.sign(identity.deviceKey, signed)
  return withId(decodeOp(SignedOp.encode({ op: opBytes, signature })), toHex(await crypto.sha256(signed)))
}
