/**
 * Group application messages: one symmetric KDF chain per sender and epoch, seeded by that
 * sender's update secret I_sender from the DCGKA (Weidner et al., CCS 2021: the messaging protocol
 * built on DCGKA feeds each update secret for a member into that member's message ratchet; the
 * per-message chain is the symmetric-key ratchet of the Double Ratchet, Perrin & Marlinspike §2.2).
 *
 * An epoch is named by `epochRef`: the sequence number of the sender's control message whose
 * processing produced the update secret. Every member that learns that secret learns it from the
 * same control message, so the reference means the same chain everywhere.
 *
 * Key schedule (HKDF-SHA-256, RFC 5869; every label distinct):
 *   chain_0   = HKDF(I_sender, salt = 0^32, info = "Ferry-GroupMsg-v1-init" || groupId || sender || epoch)
 *   chain_n+1 = HKDF(chain_n, salt = 0^32, info = "Ferry-GroupMsg-v1-chain")
 *   msgKey_n  = HKDF(chain_n, salt = 0^32, info = "Ferry-GroupMsg-v1-message")
 *   key, nonce = HKDF(msgKey_n, salt = 0^32, info = "Ferry-GroupMsg-v1-aead", 32 + 12)
 * and ChaCha20-Poly1305 (RFC 8439) with associated data
 *   "Ferry-GroupMsg-v1" || len || groupId || sender || u32 epoch || u32 n || caller's associated data.
 *
 * Deletion: a message key is deleted once used (forward secrecy; a second decrypt of the same
 * (sender, epoch, n) raises DuplicateMessageError). Skipped keys are kept up to MAX_SKIP per step and
 * MAX_STORED_SKIPPED in all (oldest dropped). A sender's chain is kept for GRACE_EPOCHS newer epochs
 * of that sender, then deleted with its skipped keys (StaleEpochError). Our own sending chain is
 * replaced the moment a new own update secret arrives, so nothing we encrypt afterwards uses a key
 * derivable from an older secret.
 */
import { DecryptError } from '../crypto/backend.js'
import { ByteReader, ByteWriter, concatBytes, groupBytes, idToBytes, KEY_BYTES, MAX_U32, u32 } from './dcgka-bytes.js'
import { DuplicateMessageError, GroupKeyError, NotAMemberError, StaleEpochError, TooManySkippedError, UndecryptableError, UnknownEpochError } from './key-errors.js'
import type { MemberId } from './dcgka-bytes.js'
import type { CryptoBackend } from '../crypto/backend.js'

/** Most message keys one incoming message may make us derive and store in one chain. */
export const MAX_SKIP = 1000
/** Most skipped message keys kept over all chains; the oldest are dropped first. */
export const MAX_STORED_SKIPPED = 2000
/** How many superseded epochs of each sender stay decryptable (late messages). */
export const GRACE_EPOCHS = 2

const te = new TextEncoder()
const ZERO = new Uint8Array(KEY_BYTES)
const INIT = te.encode('Ferry-GroupMsg-v1-init')
const CHAIN = te.encode('Ferry-GroupMsg-v1-chain')
const MESSAGE = te.encode('Ferry-GroupMsg-v1-message')
const AEAD = te.encode('Ferry-GroupMsg-v1-aead')
const AD_LABEL = te.encode('Ferry-GroupMsg-v1')

/** One receiving chain: the next key to derive, and the keys skipped on the way. */
export interface ReceivingChain {
  readonly epoch: number
  readonly chain: Uint8Array
  readonly next: number
  readonly skipped: ReadonlyArray<{ readonly n: number, readonly key: Uint8Array }>
}

/** Message chains of one member. Plain data; treat as immutable. */
export interface MessageRatchetState {
  /** our sending chain: the newest own epoch */
  readonly sending: { readonly epoch: number, readonly chain: Uint8Array, readonly next: number } | undefined
  /** per sender, oldest first, at most 1 + GRACE_EPOCHS chains */
  readonly receiving: ReadonlyMap<MemberId, readonly ReceivingChain[]>
  /** newest epoch installed per sender (kept after its chain is deleted, to tell stale from unknown) */
  readonly newest: ReadonlyMap<MemberId, number>
}

/** What travels next to the ciphertext, in clear. */
export interface GroupMessage {
  readonly epochRef: number
  readonly n: number
  readonly ciphertext: Uint8Array
}

export function emptyMessageRatchet (): MessageRatchetState {
  return { sending: undefined, receiving: new Map(), newest: new Map() }
}

async function step (crypto: CryptoBackend, chain: Uint8Array): Promise<[next: Uint8Array, messageKey: Uint8Array]> {
  return await Promise.all([crypto.hkdf(chain, ZERO, CHAIN, KEY_BYTES), crypto.hkdf(chain, ZERO, MESSAGE, KEY_BYTES)])
}

function messageAd (groupId: string, sender: MemberId, epoch: number, n: number, ad: Uint8Array): Uint8Array {
  return concatBytes(AD_LABEL, groupBytes(groupId), idToBytes(sender), u32(epoch), u32(n), ad)
}

async function cipher (crypto: CryptoBackend, messageKey: Uint8Array): Promise<{ key: Uint8Array, nonce: Uint8Array }> {
  const okm = await crypto.hkdf(messageKey, ZERO, AEAD, KEY_BYTES + 12)
  return { key: okm.subarray(0, KEY_BYTES), nonce: okm.subarray(KEY_BYTES) }
}

/**
 * Start the chain of `member`'s epoch `epoch` from its update secret. For `member === me` it
 * replaces our sending chain; for anyone else it adds a receiving chain and deletes chains more
 * than GRACE_EPOCHS epochs old.
 *
 * @throws GroupKeyError when `epoch` is not above the member's newest epoch (a bug upstream)
 */
export async function installEpoch (crypto: CryptoBackend, state: MessageRatchetState, groupId: string, me: MemberId, member: MemberId, epoch: number, updateSecret: Uint8Array): Promise<MessageRatchetState> {
  if (!Number.isInteger(epoch) || epoch < 1 || epoch >= MAX_U32) throw new RangeError('"epoch" out of range')
  const newest = state.newest.get(member) ?? 0
  if (epoch <= newest) throw new GroupKeyError(`epoch ${epoch} of a member is not above its newest ${newest}`)
  const chain = await crypto.hkdf(updateSecret, ZERO, concatBytes(INIT, groupBytes(groupId), idToBytes(member), u32(epoch)), KEY_BYTES)
  const newestMap = new Map(state.newest).set(member, epoch)
  if (member === me) return { ...state, sending: { epoch, chain, next: 0 }, newest: newestMap }
  const chains = [...(state.receiving.get(member) ?? []), { epoch, chain, next: 0, skipped: [] }].slice(-(1 + GRACE_EPOCHS))
  return { ...state, receiving: new Map(state.receiving).set(member, chains), newest: newestMap }
}

/**
 * Encrypt an application message with the next key of our sending chain.
 *
 * @param associatedData - bound to the ciphertext besides group, sender, epoch and n
 * @throws NotAMemberError before we have an update secret of our own
 */
export async function encryptMessage (crypto: CryptoBackend, state: MessageRatchetState, groupId: string, me: MemberId, plaintext: Uint8Array, associatedData: Uint8Array = new Uint8Array(0)): Promise<{ state: MessageRatchetState, message: GroupMessage }> {
  const s = state.sending
  if (s == null) throw new NotAMemberError('no update secret of our own yet: we cannot send to this group')
  if (s.next >= MAX_U32) throw new GroupKeyError('sending chain exhausted: run an update')
  const [chain, messageKey] = await step(crypto, s.chain)
  const { key, nonce } = await cipher(crypto, messageKey)
  const ciphertext = await crypto.aeadSeal(key, nonce, plaintext, messageAd(groupId, me, s.epoch, s.next, associatedData))
  return { state: { ...state, sending: { epoch: s.epoch, chain, next: s.next + 1 } }, message: { epochRef: s.epoch, n: s.next, ciphertext } }
}

function totalSkipped (state: MessageRatchetState): number {
  let total = 0
  for (const chains of state.receiving.values()) for (const c of chains) total += c.skipped.length
  return total
}

/**
 * Decrypt `sender`'s message: a stored skipped key, or the chain advanced to `n` (storing the keys
 * passed over). The key used is deleted; on any error the caller keeps its old state.
 *
 * @throws UnknownEpochError, StaleEpochError, DuplicateMessageError, TooManySkippedError, UndecryptableError
 */
export async function decryptMessage (crypto: CryptoBackend, state: MessageRatchetState, groupId: string, sender: MemberId, message: GroupMessage, associatedData: Uint8Array = new Uint8Array(0)): Promise<{ state: MessageRatchetState, plaintext: Uint8Array }> {
  const { epochRef, n, ciphertext } = message
  if (!Number.isInteger(epochRef) || epochRef < 0 || epochRef >= MAX_U32 || !Number.isInteger(n) || n < 0 || n >= MAX_U32) throw new UndecryptableError('"epochRef" or "n" out of range')
  const chains = state.receiving.get(sender) ?? []
  const at = chains.findIndex(c => c.epoch === epochRef)
  if (at < 0) {
    if (epochRef > (state.newest.get(sender) ?? 0)) throw new UnknownEpochError(`epoch ${epochRef} of this sender is not known yet`)
    throw new StaleEpochError(`epoch ${epochRef} of this sender was deleted`)
  }
  const c = chains[at]
  let messageKey: Uint8Array
  let updated: ReceivingChain
  if (n < c.next) {
    const i = c.skipped.findIndex(k => k.n === n)
    if (i < 0) throw new DuplicateMessageError(`message ${n} of epoch ${epochRef} was already decrypted (or its key dropped)`)
    messageKey = c.skipped[i].key
    updated = { ...c, skipped: c.skipped.toSpliced(i, 1) }
  } else {
    if (n - c.next > MAX_SKIP) throw new TooManySkippedError(`message ${n} would skip ${n - c.next} keys; at most MAX_SKIP = ${MAX_SKIP}`)
    const skipped = [...c.skipped]
    let chain = c.chain
    for (let i = c.next; i < n; i++) {
      const [next, key] = await step(crypto, chain)
      skipped.push({ n: i, key })
      chain = next
    }
    const [next, key] = await step(crypto, chain)
    messageKey = key
    updated = { epoch: c.epoch, chain: next, next: n + 1, skipped }
  }
  const { key, nonce } = await cipher(crypto, messageKey)
  let plaintext: Uint8Array
  try {
    plaintext = await crypto.aeadOpen(key, nonce, ciphertext, messageAd(groupId, sender, epochRef, n, associatedData))
  } catch (err) {
    if (err instanceof DecryptError) throw new UndecryptableError('group message authentication failed')
    throw err
  }
  let next: MessageRatchetState = { ...state, receiving: new Map(state.receiving).set(sender, chains.with(at, updated)) }
  next = dropOldestSkipped(next, totalSkipped(next) - MAX_STORED_SKIPPED)
  return { state: next, plaintext }
}

/** Drop `excess` skipped keys, taking from the oldest epochs first. */
function dropOldestSkipped (state: MessageRatchetState, excess: number): MessageRatchetState {
  if (excess <= 0) return state
  const all: Array<{ sender: MemberId, epoch: number, n: number }> = []
  for (const [sender, chains] of state.receiving) for (const c of chains) for (const k of c.skipped) all.push({ sender, epoch: c.epoch, n: k.n })
  all.sort((a, b) => a.epoch - b.epoch || a.n - b.n)
  const drop = new Set(all.slice(0, excess).map(k => `${k.sender}/${k.epoch}/${k.n}`))
  const receiving = new Map<MemberId, ReceivingChain[]>()
  for (const [sender, chains] of state.receiving) {
    receiving.set(sender, chains.map(c => ({ ...c, skipped: c.skipped.filter(k => !drop.has(`${sender}/${c.epoch}/${k.n}`)) })))
  }
  return { ...state, receiving }
}

/** Serialise the message chains (inside the group key state; secret: store sealed). */
export function writeMessageRatchet (w: ByteWriter, s: MessageRatchetState): void {
  w.u8(s.sending != null ? 1 : 0)
  if (s.sending != null) w.varint(s.sending.epoch).fixed(s.sending.chain, KEY_BYTES).varint(s.sending.next)
  w.varint(s.newest.size)
  for (const [member, epoch] of s.newest) {
    const chains = s.receiving.get(member) ?? []
    w.id(member).varint(epoch).varint(chains.length)
    for (const c of chains) {
      w.varint(c.epoch).fixed(c.chain, KEY_BYTES).varint(c.next).varint(c.skipped.length)
      for (const k of c.skipped) w.varint(k.n).fixed(k.key, KEY_BYTES)
    }
  }
}

/** Parse what writeMessageRatchet wrote; `r` throws the caller's error class. */
export function readMessageRatchet (r: ByteReader, maxMembers: number): MessageRatchetState {
  const sending = r.u8() === 1 ? { epoch: r.varint(), chain: r.fixed(KEY_BYTES), next: r.varint() } : undefined
  const receiving = new Map<MemberId, ReceivingChain[]>()
  const newest = new Map<MemberId, number>()
  const members = r.count(maxMembers, KEY_BYTES + 2)
  for (let i = 0; i < members; i++) {
    const member = r.id()
    newest.set(member, r.varint())
    const chains: ReceivingChain[] = []
    const nChains = r.count(1 + GRACE_EPOCHS, KEY_BYTES + 3)
    for (let j = 0; j < nChains; j++) {
      const epoch = r.varint()
      const chain = r.fixed(KEY_BYTES)
      const next = r.varint()
      const skipped = []
      const nSkipped = r.count(MAX_STORED_SKIPPED, KEY_BYTES + 1)
      for (let k = 0; k < nSkipped; k++) skipped.push({ n: r.varint(), key: r.fixed(KEY_BYTES) })
      chains.push({ epoch, chain, next, skipped })
    }
    if (chains.length > 0) receiving.set(member, chains)
  }
  return { sending, receiving, newest }
}
