/**
 * Key agreement for team rooms: the DCGKA of M. Weidner, M. Kleppmann, D. Hugenroth,
 * A. R. Beresford, "Key Agreement for Decentralized Secure Group Messaging with Strong Security
 * Guarantees" (CCS 2021), over the paper's 2SM (two-party.ts), feeding each member's update
 * secrets into a per-sender message ratchet (message-ratchet.ts).
 *
 * Every function takes a state and returns a new one (the input is never changed), so the caller
 * persists the new state atomically with the payload it produced or consumed and keeps the old
 * one on any error. Randomness comes only from the injected CryptoBackend.
 *
 * What the layer above guarantees and this module relies on: control messages are authenticated
 * (signed membership ops), each sender's are processed in its order, and a message is processed
 * only after everything it causally depends on; a member added by an add processes every control
 * message not in that add's causal past. Instead of the paper's membership CRDT, every control
 * message names its recipients (the sender's view), see dcgka-codec.ts for the wire format.
 *
 * @example
 * ```ts
 * let alice = initGroupKeys({ groupId, me: aliceId, initialPrivateKey: aliceInitial.privateKey })
 * const made = await createGroup(crypto, alice, [aliceId, bobId], directory)
 * alice = made.state                        // persist, then broadcast made.payload
 * const got = await processKeyPayload(crypto, bob, aliceId, made.payload, directory)
 * bob = got.state                           // persist, then broadcast got.response (Bob's ack)
 * const sent = await encryptToGroup(crypto, alice, text)
 * ```
 */
import { checkMemberId } from './dcgka-bytes.js'
import { decodeKeyPayload, encodeKeyPayload, MAX_MEMBERS } from './dcgka-codec.js'
import { draftOf, finishDraft, generateSeed, openDirect, others, outgoing, processAck, processAdd, processAddAck, processSeed, processWelcome, sealDirects, wipe } from './dcgka-process.js'
import { InvalidKeyOperationError, MissingDirectError, NotAMemberError, OutOfOrderControlError } from './key-errors.js'
import { decryptMessage, emptyMessageRatchet, encryptMessage } from './message-ratchet.js'
import type { MemberId } from './dcgka-bytes.js'
import type { GroupKeyState, KeyControl } from './dcgka-codec.js'
import type { DirectContent, Draft, EpochInstall, KeyDirectory, Outgoing } from './dcgka-process.js'
import type { CryptoBackend } from '../crypto/backend.js'
import type { GroupMessage } from './message-ratchet.js'

export type { MemberId } from './dcgka-bytes.js'
export type { GroupKeyState, KeyControl, KeyPayload } from './dcgka-codec.js'
export type { EpochInstall, KeyDirectory } from './dcgka-process.js'
export type { GroupMessage } from './message-ratchet.js'
export { decodeKeyPayload, decodeKeyState, encodeKeyPayload, encodeKeyState } from './dcgka-codec.js'

/** A group operation's outcome: the new state and the payload to broadcast (control + all directs). */
export interface KeyOperationResult {
  readonly state: GroupKeyState
  readonly payload: Uint8Array
  /** update secrets installed in the message ratchet (ours among them), without key material */
  readonly epochs: EpochInstall[]
}

/** Processing a payload: the new state and, when the paper answers (ack, add-ack, update), the payload to broadcast. */
export interface KeyProcessResult {
  readonly state: GroupKeyState
  readonly response: Uint8Array | undefined
  readonly epochs: EpochInstall[]
}

/**
 * The paper's init: a member's state before any create or add reached it.
 *
 * @param initialPrivateKey - our initial 2SM X25519 private key, whose public key the directory serves
 * @throws InvalidKeyOperationError for a bad member id; TypeError for a bad key
 */
export function initGroupKeys (init: { groupId: string, me: MemberId, initialPrivateKey: Uint8Array }): GroupKeyState {
  checkMemberId(init.me)
  if (typeof init.groupId !== 'string' || init.groupId.length === 0) throw new TypeError('"groupId" must be a non-empty string')
  if (!(init.initialPrivateKey instanceof Uint8Array) || init.initialPrivateKey.byteLength !== 32) throw new TypeError('"initialPrivateKey" must be 32 bytes')
  return {
    groupId: init.groupId,
    me: init.me,
    status: 'pending',
    seq: 0,
    members: [],
    lastSeq: new Map(),
    initialPrivateKey: init.initialPrivateKey.slice(),
    ratchet: new Map(),
    memberSecrets: new Map(),
    twoParty: new Map(),
    messages: emptyMessageRatchet()
  }
}

function requireMember (state: GroupKeyState): void {
  if (state.status !== 'member') throw new NotAMemberError(`not a member of this group (${state.status})`)
}

async function emit (crypto: CryptoBackend, d: Draft, out: Outgoing, directory: KeyDirectory): Promise<Uint8Array> {
  const recipients = out.recipients ?? others(d)
  const directs = await sealDirects(crypto, d, out, directory)
  const control: KeyControl = {
    kind: out.kind,
    seq: out.seq,
    recipients,
    ...(out.subject != null && { subject: out.subject }),
    ...(out.acked != null && { acked: out.acked }),
    ...(out.withUpdate === true && { withUpdate: true })
  }
  return encodeKeyPayload({ control, directs })
}

async function operation (crypto: CryptoBackend, d: Draft, out: Outgoing, directory: KeyDirectory): Promise<KeyOperationResult> {
  const payload = await emit(crypto, d, out, directory)
  return { ...await finishDraft(crypto, d), payload }
}

/**
 * create: a new group of `members` (us included); a seed for everyone else, 2SM-encrypted.
 *
 * @throws InvalidKeyOperationError when we are already in a group or for bad member ids
 */
export async function createGroup (crypto: CryptoBackend, state: GroupKeyState, members: readonly MemberId[], directory: KeyDirectory): Promise<KeyOperationResult> {
  if (state.status !== 'pending') throw new InvalidKeyOperationError('this state already belongs to a group')
  for (const m of members) checkMemberId(m)
  const d = draftOf(state)
  d.members = new Set([...members, d.me])
  if (d.members.size > MAX_MEMBERS) throw new InvalidKeyOperationError(`at most ${MAX_MEMBERS} members`)
  d.status = 'member'
  const out = outgoing(d, 'create')
  await generateSeed(crypto, d, out, others(d))
  return await operation(crypto, d, out, directory)
}

/**
 * update: a fresh seed for every other member (post-compromise security: our next update secret
 * and, once they ack, theirs no longer depend on anything an earlier thief of our state holds).
 *
 * @throws NotAMemberError
 */
export async function updateGroupKeys (crypto: CryptoBackend, state: GroupKeyState, directory: KeyDirectory): Promise<KeyOperationResult> {
  requireMember(state)
  const d = draftOf(state)
  const out = outgoing(d, 'update')
  await generateSeed(crypto, d, out, others(d))
  return await operation(crypto, d, out, directory)
}

/**
 * remove: a fresh seed for every member but `removed`; our next update secret is already out of
 * its reach, and every other member's is from the moment it processes this payload.
 *
 * @throws NotAMemberError; InvalidKeyOperationError when `removed` is us or not a member
 */
export async function removeMember (crypto: CryptoBackend, state: GroupKeyState, removed: MemberId, directory: KeyDirectory): Promise<KeyOperationResult> {
  requireMember(state)
  checkMemberId(removed)
  if (removed === state.me || !state.members.includes(removed)) throw new InvalidKeyOperationError('can only remove another current member')
  const d = draftOf(state)
  d.members.delete(removed)
  const out = outgoing(d, 'remove', { subject: removed })
  await generateSeed(crypto, d, out, others(d))
  return await operation(crypto, d, out, directory)
}

/**
 * add: the welcome (our current ratchet state, 2SM-encrypted to `added`) rides in the payload's
 * directs; then our chain is ratcheted with "welcome" and "add", so the added member learns
 * nothing sent before.
 *
 * @throws NotAMemberError; InvalidKeyOperationError when `added` is already a member
 */
export async function addMember (crypto: CryptoBackend, state: GroupKeyState, added: MemberId, directory: KeyDirectory): Promise<KeyOperationResult> {
  requireMember(state)
  checkMemberId(added)
  if (state.members.includes(added)) throw new InvalidKeyOperationError('already a member')
  if (state.members.length >= MAX_MEMBERS) throw new InvalidKeyOperationError(`at most ${MAX_MEMBERS} members`)
  const d = draftOf(state)
  const out = outgoing(d, 'add', { subject: added, recipients: others(d) })
  out.directs.set(added, { secret: d.ratchet.get(d.me) })
  await processAdd(crypto, d, d.me, { kind: 'add', seq: out.seq, recipients: out.recipients as MemberId[], subject: added })
  return await operation(crypto, d, out, directory)
}

/**
 * What the caller's membership log says of a key id a remove names. 'listed': the log lists it
 * under that id, so the remove was written from a view without the concurrent add that lists it
 * (the same generation) and must not undo that add. 'open': not listed, and no removal or leave
 * ended that membership: only an add the log voids brought it in, and another add of the same
 * generation may list it yet. 'ended': a removal or leave of it is in the log.
 */
export type Standing = 'listed' | 'open' | 'ended'

function need (content: DirectContent | undefined, what: 'seed' | 'secret'): Uint8Array {
  const v = content?.[what]
  if (v == null) throw new MissingDirectError(`this control message carries no ${what} for us`)
  return v
}

/**
 * Process another member's key payload (the paper's process): create, update, remove, add (the
 * welcome when it adds us), ack, add-ack.
 *
 * @param sender - the member whose signed op carried the payload
 * @param standing - what the caller's log says of the member a remove names (without a log: ended)
 * @throws MalformedKeyPayloadError, OutOfOrderControlError, NotAMemberError, MissingDirectError,
 *   UndecryptableError (a direct for us that does not open); the caller keeps its old state
 */
export async function processKeyPayload (crypto: CryptoBackend, state: GroupKeyState, sender: MemberId, payload: Uint8Array, directory: KeyDirectory, standing: (member: MemberId) => Standing = () => 'ended'): Promise<KeyProcessResult> {
  const { control: c, directs } = decodeKeyPayload(payload)
  checkMemberId(sender, 'sender')
  if (state.status === 'removed') throw new NotAMemberError('removed from this group')
  if (sender === state.me) throw new InvalidKeyOperationError('our own control messages are processed when they are made')
  if (c.seq <= (state.lastSeq.get(sender) ?? 0)) throw new OutOfOrderControlError(`control seq ${c.seq} is not above the last one processed from this sender`)
  const welcome = c.kind === 'add' && c.subject === state.me
  if (state.status === 'pending' && !welcome && !(c.kind === 'create' && c.recipients.includes(state.me))) throw new NotAMemberError('not in this group yet: only its create or our add can be processed')
  if (c.kind === 'create' && state.status !== 'pending') throw new InvalidKeyOperationError('a create for a group we are already in')

  const d = draftOf(state)
  d.lastSeq.set(sender, c.seq)
  const ciphertext = directs.get(d.me)
  const content = ciphertext != null ? await openDirect(crypto, d, sender, c.seq, ciphertext) : undefined
  let out: Outgoing | undefined
  switch (c.kind) {
    case 'create':
      for (const m of [...c.recipients, sender]) d.members.add(m)
      d.status = 'member'
      out = outgoing(d, 'ack', { acked: { sender, seq: c.seq } })
      await processSeed(crypto, d, sender, c.seq, c.recipients, need(content, 'seed'), out)
      break
    case 'update':
      if (c.recipients.includes(d.me)) {
        out = outgoing(d, 'ack', { acked: { sender, seq: c.seq } })
        await processSeed(crypto, d, sender, c.seq, c.recipients, need(content, 'seed'), out)
      }
      break
    case 'remove':
      out = await processRemove(crypto, d, sender, c, content, standing(c.subject as MemberId))
      break
    case 'add':
      out = welcome ? await processWelcome(crypto, d, sender, c, content) : await processAdd(crypto, d, sender, c)
      break
    case 'ack':
      await processAck(crypto, d, sender, c.seq, c.acked as { sender: MemberId, seq: number }, content?.secret)
      if (c.withUpdate === true && c.recipients.includes(d.me)) {
        out = outgoing(d, 'ack', { acked: { sender, seq: c.seq } })
        await processSeed(crypto, d, sender, c.seq, c.recipients, need(content, 'seed'), out)
      }
      break
    case 'add-ack':
      await processAddAck(crypto, d, sender, c, content)
      break
  }
  const response = out != null && (d.status === 'member' || d.status === 'paused') ? await emit(crypto, d, out, directory) : undefined
  return { ...await finishDraft(crypto, d), response }
}

/**
 * process_remove. Removing us ends our membership: every key is deleted. Otherwise the paper's
 * process_seed (when the remover sent us a seed) and, so that what we send from now on is out of
 * the removed member's reach at once, a fresh seed of our own in the same answer whenever our own
 * chain would not get one the removed member lacks: when we were not among the remover's
 * recipients (added concurrently), or when the remover's view still holds members we have already
 * removed (the reference implementation's ack-with-update, against concurrently removed members
 * pooling what they know).
 *
 * A remove of a member our log still lists under that id (`standing`) keeps it: we take in the
 * seed and ack, and the ack forwards our member secret to it as to any member the remover did not
 * know of; a remove of us then changes nothing. A remove of us while our membership is 'open' (an
 * add the log voids welcomed us, and no removal ended that membership) pauses us: the others have
 * shut us out, but another add of the same generation may list us yet, and their channels and
 * chains with us go on from what we hold. So we keep every key and go on processing as a member
 * (our answers wait until the log lists us, as they already did), without sending or encrypting,
 * and that add's welcome resumes us.
 */
async function processRemove (crypto: CryptoBackend, d: Draft, sender: MemberId, c: KeyControl, content: DirectContent | undefined, standing: Standing): Promise<Outgoing | undefined> {
  const removed = c.subject as MemberId
  if (removed === d.me) {
    if (standing === 'open') d.status = 'paused'
    if (standing === 'ended') wipe(d)
    return undefined
  }
  if (standing !== 'listed') d.members.delete(removed)
  const amRecipient = c.recipients.includes(d.me)
  const refresh = !amRecipient || [...c.recipients, sender].some(m => !d.members.has(m))
  let out: Outgoing | undefined
  if (amRecipient) {
    out = outgoing(d, 'ack', { acked: { sender, seq: c.seq } })
    await processSeed(crypto, d, sender, c.seq, c.recipients, need(content, 'seed'), out)
  }
  if (refresh) {
    out ??= outgoing(d, 'update')
    out.withUpdate = out.kind === 'ack'
    out.recipients = others(d)
    await generateSeed(crypto, d, out, out.recipients)
  }
  return out
}

/**
 * Encrypt an application message to the group under our newest update secret.
 *
 * @throws NotAMemberError when we are not (yet, or any more) a member
 */
export async function encryptToGroup (crypto: CryptoBackend, state: GroupKeyState, plaintext: Uint8Array, associatedData?: Uint8Array): Promise<{ state: GroupKeyState, message: GroupMessage }> {
  requireMember(state)
  const r = await encryptMessage(crypto, state.messages, state.groupId, state.me, plaintext, associatedData)
  return { state: { ...state, messages: r.state }, message: r.message }
}

/**
 * Decrypt `sender`'s application message.
 *
 * @throws UnknownEpochError (process the control messages it depends on, then retry),
 *   StaleEpochError, DuplicateMessageError, TooManySkippedError, UndecryptableError, NotAMemberError
 */
export async function decryptFromMember (crypto: CryptoBackend, state: GroupKeyState, sender: MemberId, message: GroupMessage, associatedData?: Uint8Array): Promise<{ state: GroupKeyState, plaintext: Uint8Array }> {
  if (state.status === 'removed') throw new NotAMemberError('removed from this group')
  const r = await decryptMessage(crypto, state.messages, state.groupId, sender, message, associatedData)
  return { state: { ...state, messages: r.state }, plaintext: r.plaintext }
}
