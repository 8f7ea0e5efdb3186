/**
 * Known-answer vectors for the team-room key layer (protocol/groups/): the DCGKA's update ratchet
 * and member secrets (dcgka-process.ts), the per-sender message chains (message-ratchet.ts) and
 * 2SM (two-party.ts). Shared by the spec (test/protocol/groups-vectors.spec.ts, which runs them
 * against every backend) and the generator (test/vectors/groups.gen.ts, which wrote
 * test/vectors/groups.json from the code once).
 *
 * Two kinds of function live here:
 * - observe*: drive the code under test with the vector's inputs and return what it exposes
 *   (ratchet states, installed update secrets, chain keys in the message state, ciphertexts);
 * - the documented key schedule (`schedule`), written out here with its own labels and encodings,
 *   so a vector also says which HKDF / AEAD calls produce its bytes, independently of the code.
 *
 * Randomness: 2SM draws three X25519 key pairs per message; `seededBackend` hands them out in order
 * from the vector's `randomness` list, so the ciphertexts are fixed.
 */
import { fromString, toString } from 'uint8arrays'
import { updateRatchet, processSeed, processAdd, sealDirects, openDirect } from '../../protocol/groups/dcgka-process.js'
import { decryptMessage, emptyMessageRatchet, encryptMessage, installEpoch } from '../../protocol/groups/message-ratchet.js'
import { initTwoParty, twoPartyReceive, twoPartySend } from '../../protocol/groups/two-party.js'
import type { CryptoBackend } from '../../protocol/crypto/backend.js'
import type { MemberId } from '../../protocol/groups/dcgka-bytes.js'
import type { KeyControl } from '../../protocol/groups/dcgka-codec.js'
import type { Draft } from '../../protocol/groups/dcgka-process.js'
import type { MessageRatchetState } from '../../protocol/groups/message-ratchet.js'
import type { TwoPartyState } from '../../protocol/groups/two-party.js'

export const hex = (s: string): Uint8Array => fromString(s, 'base16')
export const toHex = (b: Uint8Array): string => toString(b, 'base16')
const utf8 = (s: string): Uint8Array => fromString(s, 'utf8')

export interface UpdateRatchetVector { name: string, member: MemberId, ratchet: string, input: string, info: string, newRatchet: string, updateSecret: string }
export interface MemberSecretVector {
  me: MemberId
  sender: MemberId
  seq: number
  recipients: MemberId[]
  seed: string
  /** the sender's ratchet state before the seed */
  ratchet: string
  /** HKDF(seed, ID) per recipient, by member id */
  memberSecrets: Record<MemberId, string>
  /** HKDF(seed, sender): the sender's update-ratchet input (not exposed by the code; schedule only) */
  senderMemberSecret: string
  newRatchet: string
  updateSecret: string
}
export interface AddVector { adder: MemberId, seq: number, added: MemberId, recipients: MemberId[], ratchet: string, welcomeSecret: string, newRatchet: string, updateSecret: string }
export interface ChainMessage { n: number, plaintextUtf8: string, messageKey: string, aeadKey: string, aeadNonce: string, aad: string, ciphertext: string }
export interface MessageChainVector {
  sender: MemberId
  receiver: MemberId
  epoch: number
  updateSecret: string
  /** the caller's associated data, the same for every message */
  associatedData: string
  /** chain_0 .. chain_3: the sending chain after installEpoch and after each encryptMessage */
  chainKeys: string[]
  messages: ChainMessage[]
}
export interface TwoPartyMessage {
  from: 'alice' | 'bob'
  context: string
  content: string
  /** header: mode 0 (to the receiver's key #index) or 1 (to the key the sender gave it) */
  mode: number
  index: number
  /** the receiver's private key the message is encrypted to (schedule only) */
  recipientPrivateKey: string
  plaintext: string
  ciphertext: string
}
export interface TwoPartyVector {
  alice: { initialPrivateKey: string }
  bob: { initialPrivateKey: string }
  /** X25519 private keys handed out by x25519Generate, in order (per message: mine, theirs, eph) */
  randomness: string[]
  messages: TwoPartyMessage[]
}
export interface DirectVector { sender: MemberId, recipient: MemberId, seq: number, seed: string, secret: string, randomness: string[], context: string, content: string, ciphertext: string }

/** The parsed test/vectors/groups.json. */
export interface GroupVectors {
  source: string
  groupId: string
  members: Record<'alice' | 'bob' | 'carol', MemberId>
  updateRatchet: { source: string, tests: UpdateRatchetVector[] }
  memberSecrets: { source: string } & MemberSecretVector
  add: { source: string } & AddVector
  messageChain: { source: string } & MessageChainVector
  twoParty: { source: string } & TwoPartyVector
  direct: { source: string } & DirectVector
}

/**
 * `backend` with x25519Generate (private keys from `randomness`, in order) and randomBytes (a
 * prefix of the next `randomness` entry) made deterministic; everything else delegates.
 *
 * @throws Error when the code draws more randomness than the vector lists
 */
export function seededBackend (backend: CryptoBackend, randomness: readonly string[]): CryptoBackend & { remaining: () => number } {
  let at = 0
  const next = (): Uint8Array => {
    if (at >= randomness.length) throw new Error(`the code drew more than the vector's ${randomness.length} random values`)
    return hex(randomness[at++])
  }
  return {
    ...backend,
    async x25519Generate () {
      const privateKey = next()
      return { privateKey, publicKey: await backend.x25519PublicKey(privateKey) }
    },
    randomBytes (n) {
      const bytes = next()
      if (n > bytes.byteLength) throw new Error(`randomBytes(${n}): the vector's values are ${bytes.byteLength} bytes`)
      return bytes.slice(0, n)
    },
    remaining: () => randomness.length - at
  }
}

/** A working copy of one member's key state with nothing in it yet. */
export function emptyDraft (groupId: string, me: MemberId, initialPrivateKey: Uint8Array = new Uint8Array(32)): Draft {
  return {
    groupId,
    me,
    status: 'member',
    seq: 0,
    members: new Set([me]),
    lastSeq: new Map(),
    initialPrivateKey,
    ratchet: new Map(),
    memberSecrets: new Map(),
    twoParty: new Map(),
    messages: emptyMessageRatchet(),
    installs: []
  }
}

/** update_ratchet once: the member's new ratchet state and the update secret. */
export async function observeUpdateRatchet (crypto: CryptoBackend, groupId: string, v: UpdateRatchetVector): Promise<{ newRatchet: string, updateSecret: string }> {
  const d = emptyDraft(groupId, v.member)
  if (v.ratchet !== '') d.ratchet.set(v.member, hex(v.ratchet))
  const updateSecret = await updateRatchet(crypto, d, v.member, hex(v.input))
  return { newRatchet: toHex(d.ratchet.get(v.member) as Uint8Array), updateSecret: toHex(updateSecret) }
}

/** process_seed of someone else's seed (no ack): the member secrets, the sender's new ratchet state and update secret. */
export async function observeMemberSecrets (crypto: CryptoBackend, groupId: string, v: MemberSecretVector): Promise<{ memberSecrets: Record<MemberId, string>, newRatchet: string, updateSecret: string, epoch: number }> {
  const d = emptyDraft(groupId, v.me)
  d.ratchet.set(v.sender, hex(v.ratchet))
  await processSeed(crypto, d, v.sender, v.seq, v.recipients, hex(v.seed), undefined)
  const memberSecrets: Record<MemberId, string> = {}
  for (const r of v.recipients) memberSecrets[r] = toHex(d.memberSecrets.get(`${v.sender}/${v.seq}/${r}`) as Uint8Array)
  const [install] = d.installs
  return { memberSecrets, newRatchet: toHex(d.ratchet.get(v.sender) as Uint8Array), updateSecret: toHex(install.secret), epoch: install.epoch }
}

/** process_add as the adder: the "welcome" member secret, then the "add" update secret. */
export async function observeAdd (crypto: CryptoBackend, groupId: string, v: AddVector): Promise<{ welcomeSecret: string, newRatchet: string, updateSecret: string, epoch: number }> {
  const d = emptyDraft(groupId, v.adder)
  d.ratchet.set(v.adder, hex(v.ratchet))
  const control: KeyControl = { kind: 'add', seq: v.seq, recipients: v.recipients, subject: v.added }
  await processAdd(crypto, d, v.adder, control)
  const [install] = d.installs
  return {
    welcomeSecret: toHex(d.memberSecrets.get(`${v.adder}/${v.seq}/${v.added}`) as Uint8Array),
    newRatchet: toHex(d.ratchet.get(v.adder) as Uint8Array),
    updateSecret: toHex(install.secret),
    epoch: install.epoch
  }
}

/** installEpoch, then encryptMessage per message: the chain keys and the ciphertexts. */
export async function observeMessageChain (crypto: CryptoBackend, groupId: string, v: MessageChainVector): Promise<{ chainKeys: string[], ciphertexts: string[], state: MessageRatchetState }> {
  let state = await installEpoch(crypto, emptyMessageRatchet(), groupId, v.sender, v.sender, v.epoch, hex(v.updateSecret))
  const chainKeys = [toHex(state.sending?.chain as Uint8Array)]
  const ciphertexts: string[] = []
  for (const m of v.messages) {
    const r = await encryptMessage(crypto, state, groupId, v.sender, utf8(m.plaintextUtf8), hex(v.associatedData))
    if (r.message.epochRef !== v.epoch || r.message.n !== m.n) throw new Error(`message ${m.n} went out as epoch ${r.message.epochRef}, n ${r.message.n}`)
    state = r.state
    chainKeys.push(toHex(state.sending?.chain as Uint8Array))
    ciphertexts.push(toHex(r.message.ciphertext))
  }
  return { chainKeys, ciphertexts, state }
}

/**
 * The receiver's side of the chain: the last message first (so the chain stores the keys it skips),
 * then the others. Returns the plaintexts in the order opened and the skipped keys after the first.
 */
export async function openMessageChain (crypto: CryptoBackend, groupId: string, v: MessageChainVector): Promise<{ opened: string[], skippedKeys: string[] }> {
  let state = await installEpoch(crypto, emptyMessageRatchet(), groupId, v.receiver, v.sender, v.epoch, hex(v.updateSecret))
  const order = [v.messages.length - 1, ...v.messages.keys()].slice(0, v.messages.length)
  const opened: string[] = []
  let skippedKeys: string[] = []
  for (const i of order) {
    const m = v.messages[i]
    const r = await decryptMessage(crypto, state, groupId, v.sender, { epochRef: v.epoch, n: m.n, ciphertext: hex(m.ciphertext) }, hex(v.associatedData))
    state = r.state
    opened.push(toString(r.plaintext, 'utf8'))
    if (opened.length === 1) skippedKeys = (state.receiving.get(v.sender)?.[0].skipped ?? []).map(k => toHex(k.key))
  }
  return { opened, skippedKeys }
}

/** A 2SM conversation: each message sent by `from` and received by the other; ciphertexts, contents received, receivers' keys used. */
export async function observeTwoParty (crypto: CryptoBackend, v: TwoPartyVector): Promise<{ ciphertexts: string[], received: string[], recipientPrivateKeys: string[], unusedRandomness: number }> {
  const seeded = seededBackend(crypto, v.randomness)
  const initial = { alice: hex(v.alice.initialPrivateKey), bob: hex(v.bob.initialPrivateKey) }
  const states: Record<'alice' | 'bob', TwoPartyState> = { alice: initTwoParty(), bob: initTwoParty() }
  const out = { ciphertexts: [] as string[], received: [] as string[], recipientPrivateKeys: [] as string[] }
  for (const m of v.messages) {
    const to = m.from === 'alice' ? 'bob' : 'alice'
    const sent = await twoPartySend(seeded, states[m.from], hex(m.content), hex(m.context), await crypto.x25519PublicKey(initial[to]))
    states[m.from] = sent.state
    out.recipientPrivateKeys.push(toHex(recipientKey(states[to], initial[to], sent.ciphertext)))
    const got = await twoPartyReceive(crypto, states[to], initial[to], sent.ciphertext, hex(m.context))
    states[to] = got.state
    out.ciphertexts.push(toHex(sent.ciphertext))
    out.received.push(toHex(got.content))
  }
  return { ...out, unusedRandomness: seeded.remaining() }
}

/** The receiver's private key a 2SM ciphertext is addressed to, read from its header (mode, index). */
function recipientKey (receiver: TwoPartyState, initialPrivateKey: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const [mode, index] = ciphertext // index < 128 here: a one-byte varint
  if (mode === 1) return receiver.receivedSk as Uint8Array
  if (index === 0) return initialPrivateKey
  return receiver.mySks.find(k => k.index === index)?.privateKey as Uint8Array
}

/** encrypt_to / decrypt_from of one DCGKA direct message: the ciphertext and what the recipient reads. */
export async function observeDirect (crypto: CryptoBackend, groupId: string, v: DirectVector, initial: { sender: Uint8Array, recipient: Uint8Array }): Promise<{ ciphertext: string, seed: string, secret: string, unusedRandomness: number }> {
  const seeded = seededBackend(crypto, v.randomness)
  const sender = emptyDraft(groupId, v.sender, initial.sender)
  sender.seq = v.seq
  const recipientPublic = await crypto.x25519PublicKey(initial.recipient)
  const out = { kind: 'update' as const, seq: v.seq, directs: new Map([[v.recipient, { seed: hex(v.seed), secret: hex(v.secret) }]]) }
  const sealed = await sealDirects(seeded, sender, out, { initialKey: () => recipientPublic })
  const ciphertext = sealed.get(v.recipient) as Uint8Array
  const content = await openDirect(crypto, emptyDraft(groupId, v.recipient, initial.recipient), v.sender, v.seq, ciphertext)
  return { ciphertext: toHex(ciphertext), seed: toHex(content.seed as Uint8Array), secret: toHex(content.secret as Uint8Array), unusedRandomness: seeded.remaining() }
}

// The documented key schedule, with its own labels and encodings (module comments of
// dcgka-process.ts, message-ratchet.ts and two-party.ts): what the vectors' bytes mean.
const ZERO = new Uint8Array(32)
const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  parts.reduce((at, p) => { out.set(p, at); return at + p.byteLength }, 0)
  return out
}
const u32be = (v: number): Uint8Array => Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff)
/** u32 length || UTF-8 of the group id */
const group = (groupId: string): Uint8Array => cat(u32be(utf8(groupId).byteLength), utf8(groupId))

export const schedule = {
  /** update_ratchet info: "Ferry-DCGKA-v1-ratchet" || group || member id */
  ratchetInfo: (groupId: string, member: MemberId): Uint8Array => cat(utf8('Ferry-DCGKA-v1-ratchet'), group(groupId), hex(member)),

  /** (γ.ratchet[ID], I) = HKDF-SHA-256(ikm = input, salt = γ.ratchet[ID] or 0^32, info, 64), split 32 | 32 */
  async updateRatchet (crypto: CryptoBackend, groupId: string, member: MemberId, ratchet: Uint8Array | undefined, input: Uint8Array): Promise<[newRatchet: Uint8Array, updateSecret: Uint8Array]> {
    const okm = await crypto.hkdf(input, ratchet ?? ZERO, schedule.ratchetInfo(groupId, member), 64)
    return [okm.slice(0, 32), okm.slice(32)]
  },

  /** memberSecret = HKDF(ikm = seed, salt = 0^32, info = "Ferry-DCGKA-v1-member" || member id, 32) */
  memberSecret: async (crypto: CryptoBackend, seed: Uint8Array, member: MemberId): Promise<Uint8Array> =>
    await crypto.hkdf(seed, ZERO, cat(utf8('Ferry-DCGKA-v1-member'), hex(member)), 32),

  /** the constant update-ratchet inputs of process_add / process_welcome */
  welcome: utf8('Ferry-DCGKA-v1-welcome'),
  add: utf8('Ferry-DCGKA-v1-add'),

  /** chain_0 = HKDF(I_sender, 0^32, "Ferry-GroupMsg-v1-init" || group || sender || u32 epoch, 32) */
  chainInit: async (crypto: CryptoBackend, groupId: string, sender: MemberId, epoch: number, updateSecret: Uint8Array): Promise<Uint8Array> =>
    await crypto.hkdf(updateSecret, ZERO, cat(utf8('Ferry-GroupMsg-v1-init'), group(groupId), hex(sender), u32be(epoch)), 32),
  /** chain_n+1 = HKDF(chain_n, 0^32, "Ferry-GroupMsg-v1-chain", 32) */
  chainNext: async (crypto: CryptoBackend, chain: Uint8Array): Promise<Uint8Array> => await crypto.hkdf(chain, ZERO, utf8('Ferry-GroupMsg-v1-chain'), 32),
  /** msgKey_n = HKDF(chain_n, 0^32, "Ferry-GroupMsg-v1-message", 32) */
  messageKey: async (crypto: CryptoBackend, chain: Uint8Array): Promise<Uint8Array> => await crypto.hkdf(chain, ZERO, utf8('Ferry-GroupMsg-v1-message'), 32),
  /** key || nonce = HKDF(msgKey_n, 0^32, "Ferry-GroupMsg-v1-aead", 32 + 12) */
  async messageCipher (crypto: CryptoBackend, messageKey: Uint8Array): Promise<{ key: Uint8Array, nonce: Uint8Array }> {
    const okm = await crypto.hkdf(messageKey, ZERO, utf8('Ferry-GroupMsg-v1-aead'), 44)
    return { key: okm.slice(0, 32), nonce: okm.slice(32) }
  },
  /** "Ferry-GroupMsg-v1" || group || sender || u32 epoch || u32 n || caller's associated data */
  messageAad: (groupId: string, sender: MemberId, epoch: number, n: number, ad: Uint8Array): Uint8Array =>
    cat(utf8('Ferry-GroupMsg-v1'), group(groupId), hex(sender), u32be(epoch), u32be(n), ad),

  /** 2SM PKE: key || nonce = HKDF(X25519(eph, recipient), eph_pub || recipient_pub, "Ferry-2SM-v1-PKE", 44) */
  async pke (crypto: CryptoBackend, dh: Uint8Array, ephPublic: Uint8Array, recipientPublic: Uint8Array): Promise<{ key: Uint8Array, nonce: Uint8Array }> {
    const okm = await crypto.hkdf(dh, cat(ephPublic, recipientPublic), utf8('Ferry-2SM-v1-PKE'), 44)
    return { key: okm.slice(0, 32), nonce: okm.slice(32) }
  },
  /** 2SM associated data: "Ferry-2SM-v1" || context || header */
  twoPartyAad: (context: Uint8Array, header: Uint8Array): Uint8Array => cat(utf8('Ferry-2SM-v1'), context, header),
  /** 2SM header: u8 mode || varint index || eph_pub (index < 128: one byte) */
  twoPartyHeader: (mode: number, index: number, ephPublic: Uint8Array): Uint8Array => cat(Uint8Array.of(mode, index), ephPublic),
  /** 2SM plaintext: varint len || content || new private key for the receiver || varint sender key index || new sender public key */
  twoPartyPlaintext: (content: Uint8Array, receiverKey: Uint8Array, senderIndex: number, senderPublic: Uint8Array): Uint8Array =>
    cat(Uint8Array.of(content.byteLength), content, receiverKey, Uint8Array.of(senderIndex), senderPublic),

  /** DCGKA direct context: "Ferry-DCGKA-v1-direct" || group || sender || recipient || u32 seq */
  directContext: (groupId: string, sender: MemberId, recipient: MemberId, seq: number): Uint8Array =>
    cat(utf8('Ferry-DCGKA-v1-direct'), group(groupId), hex(sender), hex(recipient), u32be(seq)),
  /** DCGKA direct content: u8 flags (1 seed, 2 secret) || seed || secret */
  directContent: (seed: Uint8Array, secret: Uint8Array): Uint8Array => cat(Uint8Array.of(3), seed, secret)
}
