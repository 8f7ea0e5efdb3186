/**
 * Encodings owned by the key agreement: the key payload (one control message plus the 2SM direct
 * messages for all its recipients, carried opaquely inside a signed membership op) and the
 * per-member key state (stored sealed at rest). Both are versioned, bounded before anything is
 * allocated, and rejected with a typed error when they do not parse.
 *
 * Key payload v1:
 *   u8 version = 1 | u8 kind (1 create, 2 update, 3 remove, 4 add, 5 ack, 6 add-ack) | varint seq
 *   | varint count, 32-byte recipient ids strictly ascending (the sender's view minus itself,
 *     minus the removed member for remove)
 *   | remove, add: 32-byte subject id
 *   | ack, add-ack: 32-byte acked sender id | varint acked seq | u8 flags (ack bit 0: also carries a fresh seed)
 *   | varint count, per direct: 32-byte recipient id (strictly ascending) | varint length | 2SM ciphertext
 */
import { ByteReader, ByteWriter, KEY_BYTES, MAX_U32 } from './dcgka-bytes.js'
import { MalformedKeyPayloadError, MalformedKeyStateError } from './key-errors.js'
import { readMessageRatchet, writeMessageRatchet } from './message-ratchet.js'
import { MAX_2SM_CIPHERTEXT, readTwoParty, writeTwoParty } from './two-party.js'
import type { MemberId } from './dcgka-bytes.js'
import type { MessageRatchetState } from './message-ratchet.js'
import type { TwoPartyState } from './two-party.js'

/** Most members a team room's key agreement handles. */
export const MAX_MEMBERS = 1024
/** Longest group id, in UTF-8 bytes. */
export const MAX_GROUP_ID_BYTES = 256
/** Largest key payload: header, recipients, subject or ack, and one direct per member. */
export const MAX_KEY_PAYLOAD = 64 + MAX_MEMBERS * KEY_BYTES + (MAX_MEMBERS + 1) * (KEY_BYTES + 2 + MAX_2SM_CIPHERTEXT)
const PAYLOAD_VERSION = 1
const STATE_VERSION = 1
const MAX_MEMBER_SECRETS = 1_000_000

export type KeyControlKind = 'create' | 'update' | 'remove' | 'add' | 'ack' | 'add-ack'
const KINDS: readonly KeyControlKind[] = ['create', 'update', 'remove', 'add', 'ack', 'add-ack']

/** A control message of the paper's DCGKA, with the sender's view made explicit. */
export interface KeyControl {
  readonly kind: KeyControlKind
  /** the sender's sequence number for this control message (1, 2, ...) */
  readonly seq: number
  /** members the sender saw when sending, without itself (and without the removed member), sorted */
  readonly recipients: readonly MemberId[]
  /** remove, add: the member removed or added */
  readonly subject?: MemberId
  /** ack, add-ack: the control message acknowledged */
  readonly acked?: { readonly sender: MemberId, readonly seq: number }
  /** ack: the acknowledgment also carries a fresh seed, as an update would (see processRemove) */
  readonly withUpdate?: boolean
}

/** A control message and the 2SM ciphertexts for its recipients: what one broadcast carries. */
export interface KeyPayload {
  readonly control: KeyControl
  readonly directs: ReadonlyMap<MemberId, Uint8Array>
}

/** Everything one member keeps about one team room's keys. Plain data; treat as immutable; secret. */
export interface GroupKeyState {
  readonly groupId: string
  readonly me: MemberId
  /**
   * pending: waiting for the create or add that brings us in; removed: terminal, all keys gone;
   * paused: shut out by a member whose log did not list us while an add of ours may list us yet
   * (dcgka.ts processRemove): keys kept, nothing sent, until a welcome resumes us
   */
  readonly status: 'pending' | 'member' | 'removed' | 'paused'
  /** our last control message's seq */
  readonly seq: number
  /** our view of the members, us included, sorted */
  readonly members: readonly MemberId[]
  /** last control seq processed per sender */
  readonly lastSeq: ReadonlyMap<MemberId, number>
  /** our initial 2SM private key (its public key is in the directory) */
  readonly initialPrivateKey: Uint8Array
  /** the paper's γ.ratchet[ID]: each member's update-secret chain */
  readonly ratchet: ReadonlyMap<MemberId, Uint8Array>
  /** the paper's γ.memberSecret[(sender, seq, ID)], keyed `${sender}/${seq}/${ID}` */
  readonly memberSecrets: ReadonlyMap<string, Uint8Array>
  /** the paper's γ.2sm[ID] */
  readonly twoParty: ReadonlyMap<MemberId, TwoPartyState>
  /** per-sender message chains seeded by the update secrets */
  readonly messages: MessageRatchetState
}

export function memberSecretKey (sender: MemberId, seq: number, member: MemberId): string {
  return `${sender}/${seq}/${member}`
}

/**
 * Encode a key payload for broadcast.
 *
 * @throws RangeError for values outside the encoding's bounds
 */
export function encodeKeyPayload (payload: KeyPayload): Uint8Array {
  const c = payload.control
  const w = new ByteWriter().u8(PAYLOAD_VERSION).u8(KINDS.indexOf(c.kind) + 1).varint(c.seq)
  const recipients = [...c.recipients].sort()
  w.varint(recipients.length)
  for (const id of recipients) w.id(id)
  if (c.kind === 'remove' || c.kind === 'add') w.id(c.subject as MemberId)
  if (c.kind === 'ack' || c.kind === 'add-ack') {
    if (c.acked == null) throw new RangeError('an ack names the message it acknowledges')
    w.id(c.acked.sender).varint(c.acked.seq).u8(c.withUpdate === true ? 1 : 0)
  }
  const directs = [...payload.directs].sort(([a], [b]) => a < b ? -1 : 1)
  w.varint(directs.length)
  for (const [id, ciphertext] of directs) w.id(id).bytes(ciphertext)
  return w.finish()
}

/**
 * Decode a key payload, checking every count and length before allocating.
 *
 * @throws MalformedKeyPayloadError for anything that is not a well-formed v1 payload
 */
export function decodeKeyPayload (bytes: Uint8Array): KeyPayload {
  if (!(bytes instanceof Uint8Array)) throw new MalformedKeyPayloadError('key payload must be a Uint8Array')
  if (bytes.byteLength > MAX_KEY_PAYLOAD) throw new MalformedKeyPayloadError(`key payload over ${MAX_KEY_PAYLOAD} bytes`)
  const r = new ByteReader(bytes, MalformedKeyPayloadError)
  const version = r.u8()
  if (version !== PAYLOAD_VERSION) r.fail(`unknown key payload version ${version}`)
  const kind = KINDS[r.u8() - 1]
  if (kind == null) r.fail('unknown control kind')
  const seq = r.varint(MAX_U32 - 1)
  if (seq < 1) r.fail('"seq" starts at 1')
  const recipients = r.sortedIds(MAX_MEMBERS)
  let subject: MemberId | undefined
  let acked: KeyControl['acked']
  let withUpdate = false
  if (kind === 'remove' || kind === 'add') subject = r.id()
  if (kind === 'ack' || kind === 'add-ack') {
    acked = { sender: r.id(), seq: r.varint() }
    const flags = r.u8()
    if (flags > (kind === 'ack' ? 1 : 0)) r.fail('unknown ack flags')
    withUpdate = flags === 1
  }
  const n = r.count(MAX_MEMBERS + 1, KEY_BYTES + 1)
  const directs = new Map<MemberId, Uint8Array>()
  let previous = ''
  for (let i = 0; i < n; i++) {
    const id = r.id()
    if (!(previous < id)) r.fail('direct recipients must be sorted and unique')
    previous = id
    directs.set(id, r.bytes(MAX_2SM_CIPHERTEXT))
  }
  r.end()
  const control: KeyControl = { kind, seq, recipients, ...(subject != null && { subject }), ...(acked != null && { acked }), ...(withUpdate && { withUpdate }) }
  return { control, directs }
}

/** Serialise the whole key state. It holds every secret of the room: seal it at rest, never log it. */
export function encodeKeyState (s: GroupKeyState): Uint8Array {
  const w = new ByteWriter().u8(STATE_VERSION).bytes(new TextEncoder().encode(s.groupId)).id(s.me)
  w.u8(['pending', 'member', 'removed', 'paused'].indexOf(s.status)).varint(s.seq)
  w.varint(s.members.length)
  for (const m of s.members) w.id(m)
  w.varint(s.lastSeq.size)
  for (const [m, seq] of s.lastSeq) w.id(m).varint(seq)
  w.fixed(s.initialPrivateKey, KEY_BYTES)
  w.varint(s.ratchet.size)
  for (const [m, key] of s.ratchet) w.id(m).fixed(key, KEY_BYTES)
  w.varint(s.memberSecrets.size)
  for (const [k, secret] of s.memberSecrets) {
    const [sender, seq, member] = k.split('/')
    w.id(sender).varint(Number(seq)).id(member).fixed(secret, KEY_BYTES)
  }
  w.varint(s.twoParty.size)
  for (const [m, tp] of s.twoParty) {
    w.id(m)
    writeTwoParty(w, tp)
  }
  writeMessageRatchet(w, s.messages)
  return w.finish()
}

/**
 * Parse a state written by encodeKeyState.
 *
 * @throws MalformedKeyStateError when the bytes do not decode
 */
export function decodeKeyState (bytes: Uint8Array): GroupKeyState {
  if (!(bytes instanceof Uint8Array)) throw new MalformedKeyStateError('key state must be a Uint8Array')
  const r = new ByteReader(bytes, MalformedKeyStateError)
  if (r.u8() !== STATE_VERSION) r.fail('unknown key state version')
  const groupId = new TextDecoder().decode(r.bytes(MAX_GROUP_ID_BYTES))
  const me = r.id()
  const status = (['pending', 'member', 'removed', 'paused'] as const)[r.u8()]
  if (status == null) r.fail('bad status')
  const seq = r.varint()
  const members = r.sortedIds(MAX_MEMBERS)
  const lastSeq = new Map<MemberId, number>()
  for (let i = r.count(4 * MAX_MEMBERS, KEY_BYTES + 1); i > 0; i--) lastSeq.set(r.id(), r.varint())
  const initialPrivateKey = r.fixed(KEY_BYTES)
  const ratchet = new Map<MemberId, Uint8Array>()
  for (let i = r.count(4 * MAX_MEMBERS, 2 * KEY_BYTES); i > 0; i--) ratchet.set(r.id(), r.fixed(KEY_BYTES))
  const memberSecrets = new Map<string, Uint8Array>()
  for (let i = r.count(MAX_MEMBER_SECRETS, 3 * KEY_BYTES + 1); i > 0; i--) {
    const sender = r.id()
    const s = r.varint()
    memberSecrets.set(memberSecretKey(sender, s, r.id()), r.fixed(KEY_BYTES))
  }
  const twoParty = new Map<MemberId, TwoPartyState>()
  for (let i = r.count(4 * MAX_MEMBERS, KEY_BYTES + 4); i > 0; i--) twoParty.set(r.id(), readTwoParty(r))
  const messages = readMessageRatchet(r, 4 * MAX_MEMBERS)
  r.end()
  return { groupId, me, status, seq, members, lastSeq, initialPrivateKey, ratchet, memberSecrets, twoParty, messages }
}
