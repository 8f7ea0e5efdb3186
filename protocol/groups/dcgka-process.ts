/**
 * The steps of the paper's DCGKA (Weidner, Kleppmann, Hugenroth, Beresford, CCS 2021, §6 and its
 * pseudocode; reference implementations trvedata/key-agreement FullDcgkaProtocol.java and p2panda
 * message_scheme/dcgka.rs), on a mutable working copy of one member's state. Function names follow
 * the pseudocode: generate_seed, process_seed, process_ack, process_add, process_add_ack,
 * process_welcome, update_ratchet, encrypt_to, decrypt_from.
 *
 * One change from the paper: there is no membership CRDT. member_view(sender) is the control
 * message's explicit `recipients` plus its sender, and our own view is `members`, kept from the
 * creates, adds and removes we process (Ferry's signed membership log orders those ops and
 * guarantees per-sender causal delivery).
 */
import { concatBytes, groupBytes, idToBytes, KEY_BYTES, u32 } from './dcgka-bytes.js'
import { memberSecretKey } from './dcgka-codec.js'
import { MalformedKeyPayloadError, MissingDirectError } from './key-errors.js'
import { emptyMessageRatchet, installEpoch } from './message-ratchet.js'
import { initTwoParty, twoPartyReceive, twoPartySend } from './two-party.js'
import type { MemberId } from './dcgka-bytes.js'
import type { GroupKeyState, KeyControl, KeyControlKind } from './dcgka-codec.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { MessageRatchetState } from './message-ratchet.js'
import type { TwoPartyState } from './two-party.js'

/** Where members' initial 2SM public keys come from (e.g. the directory service). */
export interface KeyDirectory {
  /** the member's initial X25519 public key (32 bytes) */
  initialKey(member: MemberId): Promise<Uint8Array> | Uint8Array
}

/** An update secret learned while processing: `member`'s epoch `epoch` (no key material). */
export interface EpochInstall {
  readonly member: MemberId
  readonly epoch: number
}

/** What a direct message carries: a seed secret, and/or a ratchet state or forwarded member secret. */
export interface DirectContent { seed?: Uint8Array, secret?: Uint8Array }

/** A control message under construction, with the plaintext of its direct messages. */
export interface Outgoing {
  kind: KeyControlKind
  seq: number
  recipients?: MemberId[]
  subject?: MemberId
  acked?: { sender: MemberId, seq: number }
  withUpdate?: boolean
  directs: Map<MemberId, DirectContent>
}

/** A mutable working copy of GroupKeyState, plus the update secrets learned so far. */
export interface Draft {
  groupId: string
  me: MemberId
  status: GroupKeyState['status']
  seq: number
  members: Set<MemberId>
  lastSeq: Map<MemberId, number>
  initialPrivateKey: Uint8Array
  ratchet: Map<MemberId, Uint8Array>
  memberSecrets: Map<string, Uint8Array>
  twoParty: Map<MemberId, TwoPartyState>
  messages: MessageRatchetState
  installs: Array<{ member: MemberId, epoch: number, secret: Uint8Array }>
}

const te = new TextEncoder()
const ZERO = new Uint8Array(KEY_BYTES)
const RATCHET_INFO = te.encode('Ferry-DCGKA-v1-ratchet')
const MEMBER_INFO = te.encode('Ferry-DCGKA-v1-member')
const DIRECT_AD = te.encode('Ferry-DCGKA-v1-direct')
/** the paper's constant ratchet inputs "welcome" and "add" (§6, adding members) */
const WELCOME = te.encode('Ferry-DCGKA-v1-welcome')
const ADD = te.encode('Ferry-DCGKA-v1-add')

export function draftOf (s: GroupKeyState): Draft {
  return {
    groupId: s.groupId,
    me: s.me,
    status: s.status,
    seq: s.seq,
    members: new Set(s.members),
    lastSeq: new Map(s.lastSeq),
    initialPrivateKey: s.initialPrivateKey,
    ratchet: new Map(s.ratchet),
    memberSecrets: new Map(s.memberSecrets),
    twoParty: new Map(s.twoParty),
    messages: s.messages,
    installs: []
  }
}

/** Feed the update secrets into the message ratchet (the last one per member and epoch wins) and freeze. */
export async function finishDraft (crypto: CryptoBackend, d: Draft): Promise<{ state: GroupKeyState, epochs: EpochInstall[] }> {
  let messages = d.messages
  const epochs: EpochInstall[] = []
  d.installs.forEach((x, i) => {
    const later = d.installs.slice(i + 1).some(y => y.member === x.member && y.epoch === x.epoch)
    if (!later) epochs.push({ member: x.member, epoch: x.epoch })
  })
  for (const e of epochs) {
    const x = d.installs.findLast(y => y.member === e.member && y.epoch === e.epoch) as Draft['installs'][number]
    messages = await installEpoch(crypto, messages, d.groupId, d.me, x.member, x.epoch, x.secret)
  }
  const state: GroupKeyState = {
    groupId: d.groupId,
    me: d.me,
    status: d.status,
    seq: d.seq,
    members: [...d.members].sort(),
    lastSeq: d.lastSeq,
    initialPrivateKey: d.initialPrivateKey,
    ratchet: d.ratchet,
    memberSecrets: d.memberSecrets,
    twoParty: d.twoParty,
    messages
  }
  return { state, epochs }
}

/** What a removed member keeps: nothing secret (the paper's removed user stops processing). */
export function wipe (d: Draft): void {
  d.status = 'removed'
  d.members = new Set()
  d.ratchet = new Map()
  d.memberSecrets = new Map()
  d.twoParty = new Map()
  d.messages = emptyMessageRatchet()
  d.installs = []
}

/** Start our next control message; it takes our next seq. */
export function outgoing (d: Draft, kind: KeyControlKind, extra: Partial<Outgoing> = {}): Outgoing {
  d.seq += 1
  return { kind, seq: d.seq, directs: new Map(), ...extra }
}

export function others (d: Draft): MemberId[] {
  return [...d.members].filter(m => m !== d.me).sort()
}

/** update_ratchet: (γ.ratchet[ID], I) = HKDF(salt = γ.ratchet[ID] or ε, ikm = input); returns I. */
export async function updateRatchet (crypto: CryptoBackend, d: Draft, member: MemberId, input: Uint8Array): Promise<Uint8Array> {
  const okm = await crypto.hkdf(input, d.ratchet.get(member) ?? ZERO, concatBytes(RATCHET_INFO, groupBytes(d.groupId), idToBytes(member)), 2 * KEY_BYTES)
  d.ratchet.set(member, okm.slice(0, KEY_BYTES))
  return okm.slice(KEY_BYTES)
}

/** process_seed's member secret: HKDF(seed, ID). */
async function memberSecret (crypto: CryptoBackend, seed: Uint8Array, member: MemberId): Promise<Uint8Array> {
  return await crypto.hkdf(seed, ZERO, concatBytes(MEMBER_INFO, idToBytes(member)), KEY_BYTES)
}

function install (d: Draft, member: MemberId, epoch: number, secret: Uint8Array): void {
  d.installs.push({ member, epoch, secret })
}

function directContext (d: Draft, sender: MemberId, recipient: MemberId, seq: number): Uint8Array {
  return concatBytes(DIRECT_AD, groupBytes(d.groupId), idToBytes(sender), idToBytes(recipient), u32(seq))
}

function encodeContent (c: DirectContent): Uint8Array {
  return concatBytes(Uint8Array.of((c.seed != null ? 1 : 0) | (c.secret != null ? 2 : 0)), c.seed ?? new Uint8Array(0), c.secret ?? new Uint8Array(0))
}

function decodeContent (bytes: Uint8Array): DirectContent {
  const flags = bytes[0]
  const length = 1 + ((flags & 1) !== 0 ? KEY_BYTES : 0) + ((flags & 2) !== 0 ? KEY_BYTES : 0)
  if (flags > 3 || bytes.byteLength !== length) throw new MalformedKeyPayloadError('bad direct message content')
  const seed = (flags & 1) !== 0 ? bytes.slice(1, 1 + KEY_BYTES) : undefined
  const secret = (flags & 2) !== 0 ? bytes.slice(length - KEY_BYTES) : undefined
  return { ...(seed != null && { seed }), ...(secret != null && { secret }) }
}

/** encrypt_to, for every direct of `out`: 2SM-Send under γ.2sm[ID], initialised from the directory on first use. */
export async function sealDirects (crypto: CryptoBackend, d: Draft, out: Outgoing, directory: KeyDirectory): Promise<Map<MemberId, Uint8Array>> {
  const sealed = new Map<MemberId, Uint8Array>()
  for (const [recipient, content] of [...out.directs].sort(([a], [b]) => a < b ? -1 : 1)) {
    const state = d.twoParty.get(recipient) ?? initTwoParty()
    const initial = state.otherPk == null ? await directory.initialKey(recipient) : undefined
    const r = await twoPartySend(crypto, state, encodeContent(content), directContext(d, d.me, recipient, out.seq), initial)
    d.twoParty.set(recipient, r.state)
    sealed.set(recipient, r.ciphertext)
  }
  return sealed
}

/** decrypt_from: 2SM-Receive under γ.2sm[sender]. */
export async function openDirect (crypto: CryptoBackend, d: Draft, sender: MemberId, seq: number, ciphertext: Uint8Array): Promise<DirectContent> {
  const r = await twoPartyReceive(crypto, d.twoParty.get(sender) ?? initTwoParty(), d.initialPrivateKey, ciphertext, directContext(d, sender, d.me, seq))
  d.twoParty.set(sender, r.state)
  return decodeContent(r.content)
}

/** generate_seed: a fresh seed for `recipients` (directs of `out`), then our own process_seed. */
export async function generateSeed (crypto: CryptoBackend, d: Draft, out: Outgoing, recipients: MemberId[]): Promise<void> {
  const seed = crypto.randomBytes(KEY_BYTES)
  for (const r of recipients) out.directs.set(r, { ...out.directs.get(r), seed })
  await processSeed(crypto, d, d.me, out.seq, recipients, seed, undefined)
}

/**
 * process_seed: derive memberSecret[(sender, seq, ID)] = HKDF(seed, ID) for every recipient, the
 * sender's update secret from its own member secret, and (when the seed came from someone else)
 * our ack: forwards of our member secret to members the sender did not know of yet (the paper's
 * concurrent-add handling), then process_ack of our own ack. The seed itself is never stored.
 */
export async function processSeed (crypto: CryptoBackend, d: Draft, sender: MemberId, seq: number, recipients: readonly MemberId[], seed: Uint8Array, ack: Outgoing | undefined): Promise<void> {
  for (const r of recipients) d.memberSecrets.set(memberSecretKey(sender, seq, r), await memberSecret(crypto, seed, r))
  install(d, sender, seq, await updateRatchet(crypto, d, sender, await memberSecret(crypto, seed, sender)))
  if (sender === d.me || ack == null) return
  const mine = d.memberSecrets.get(memberSecretKey(sender, seq, d.me)) as Uint8Array
  for (const m of others(d)) {
    if (m !== sender && !recipients.includes(m)) ack.directs.set(m, { ...ack.directs.get(m), secret: mine })
  }
  await processAck(crypto, d, d.me, ack.seq, { sender, seq }, undefined)
}

/**
 * process_ack: the acknowledger's update secret from the member secret we derived for it (deleted
 * now: forward secrecy), or from the member secret it forwarded to us; nothing when we have neither
 * (we were added concurrently and its ratchet reaches us with its add-ack).
 */
export async function processAck (crypto: CryptoBackend, d: Draft, sender: MemberId, seq: number, acked: { sender: MemberId, seq: number }, forwarded: Uint8Array | undefined): Promise<void> {
  const key = memberSecretKey(acked.sender, acked.seq, sender)
  const secret = d.memberSecrets.get(key) ?? forwarded
  d.memberSecrets.delete(key)
  if (secret == null) return
  install(d, sender, seq, await updateRatchet(crypto, d, sender, secret))
}

/**
 * process_add (as any member but the added one): when we are in the adder's view, ratchet the
 * adder's chain with "welcome" (the added member's first member secret) and "add" (the adder's
 * update secret); then add-ack: our current ratchet state, 2SM-encrypted to the added member, and
 * our own update secret from "add" (process_add_ack of our own add-ack).
 *
 * An add never resets the added member's 2SM session or chain in our state: a key id is one
 * membership (generations.ts), and the same id added twice (two admins' concurrent adds, the second
 * perhaps reaching us after we removed it) is a member whose own state went on from its first
 * welcome. Forgetting it here left us unable to open what it sent (a seed the others acked).
 */
export async function processAdd (crypto: CryptoBackend, d: Draft, sender: MemberId, c: KeyControl): Promise<Outgoing | undefined> {
  const added = c.subject as MemberId
  d.members.add(added)
  if (sender === d.me || c.recipients.includes(d.me)) {
    d.memberSecrets.set(memberSecretKey(sender, c.seq, added), await updateRatchet(crypto, d, sender, WELCOME))
    install(d, sender, c.seq, await updateRatchet(crypto, d, sender, ADD))
  }
  if (sender === d.me) return undefined
  const own = d.ratchet.get(d.me)
  if (own == null) throw new MissingDirectError('no ratchet state of our own to give the added member')
  const ack = outgoing(d, 'add-ack', { acked: { sender, seq: c.seq } })
  ack.directs.set(added, { secret: own })
  install(d, d.me, ack.seq, await updateRatchet(crypto, d, d.me, ADD))
  return ack
}

/** process_add_ack: the added member takes the acknowledger's ratchet state; everyone in its view ratchets it with "add". */
export async function processAddAck (crypto: CryptoBackend, d: Draft, sender: MemberId, c: KeyControl, content: DirectContent | undefined): Promise<void> {
  if (content?.secret != null) d.ratchet.set(sender, content.secret)
  if (c.recipients.includes(d.me)) install(d, sender, c.seq, await updateRatchet(crypto, d, sender, ADD))
}

/**
 * process_welcome: we are the added member. Our view is the adder's plus the adder and us; the
 * adder's ratchet state arrives 2SM-encrypted; "welcome" and "add" as every member does; then an
 * ack (not an add-ack) whose process_ack starts our own ratchet from the welcome member secret.
 *
 * A second welcome (two admins added us concurrently) only brings its adder's chain up to date, as
 * every member's processing of that add does. Our view and our own chain stay those of the first:
 * a member added later may be unable to derive the second welcome's member secret (its adder's
 * earlier generation, generations.ts), while our add-ack to it, or its share in the first, gives
 * it our chain.
 *
 * A welcome that finds us paused (dcgka.ts processRemove) is a second one too: it resumes us.
 */
export async function processWelcome (crypto: CryptoBackend, d: Draft, sender: MemberId, c: KeyControl, content: DirectContent | undefined): Promise<Outgoing | undefined> {
  if (content?.secret == null) throw new MissingDirectError('an add of us without a welcome')
  const first = d.status === 'pending'
  if (first) for (const m of [...c.recipients, sender, d.me]) d.members.add(m)
  d.status = 'member'
  d.ratchet.set(sender, content.secret)
  const welcome = await updateRatchet(crypto, d, sender, WELCOME)
  install(d, sender, c.seq, await updateRatchet(crypto, d, sender, ADD))
  if (!first) return undefined
  d.memberSecrets.set(memberSecretKey(sender, c.seq, d.me), welcome)
  const ack = outgoing(d, 'ack', { acked: { sender, seq: c.seq } })
  await processAck(crypto, d, d.me, ack.seq, { sender, seq: c.seq }, undefined)
  return ack
}
