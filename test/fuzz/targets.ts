/**
 * Every wire decoder and parser Ferry runs on bytes or text from outside, as fuzz targets: what to
 * call, which errors count as a clean refusal, and valid encodings to mutate (made fresh, signed
 * by real keys, so mutations reach the checks behind the decoders). Link codes do not exist in the
 * code yet: there is no target for them.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { toString } from 'uint8arrays/to-string'
import { fromString } from 'uint8arrays/from-string'
import { nodeCrypto } from '../../node/crypto.js'
import { parseScenario, ScenarioError } from '../../node/sim/scenario.js'
import { checkEnvelope, Content, createIdentity, createInvite, decodeEnvelope, generatePrekeys, InvalidEnvelopeError, InvalidInputError, InvalidInviteError, InvalidReceiptError, MemoryPrekeyStore, parseInvite, sealEnvelope, Sessions } from '../../protocol/index.js'
import { contactFrom } from '../../protocol/contacts/contact-from.js'
import { createBundle } from '../../protocol/crypto/prekeys.js'
import { decodeBundle, encodeBundle, InvalidBundleError, verifyBundle } from '../../protocol/crypto/bundle.js'
import { decodeInitial, encodeInitial, initiate, InvalidInitialMessageError } from '../../protocol/crypto/pqxdh.js'
import { decodeState, encodeState, initSender, RatchetError } from '../../protocol/crypto/ratchet.js'
import { SessionRecord } from '../../protocol/messaging/pb/sessions.js'
import { InvalidRecordError, MailboxSet, recordKey, signRecord, validateRecord, DeviceList } from '../../protocol/directory/records.js'
import { envelopeHash, signReceipt, verifyReceipt } from '../../protocol/receipts/receipt.js'
import { decodeContent, openPayload } from '../../protocol/messaging/seal.js'
import { DmReply, Rejection } from '../../protocol/services/dm/pb/dm.js'
import { DeliveryReceipt } from '../../protocol/receipts/pb/receipt.js'
import { FrameLengthError, FrameParser } from '../../protocol/services/streams/frames.js'
import { CustodyReceipt, DeletionReceipt, InvalidMailboxStatementError, openCapability, Request, Response, signCapability, signCustody, signDeletion, verifyCustody, verifyDeletion } from '../../protocol/mailbox/index.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'

type ErrorClass = abstract new (...args: any[]) => Error

export interface FuzzTarget {
  name: string
  /** valid encodings, mutated by the fuzzer; text targets get UTF-8 */
  seeds: Uint8Array[]
  /** decode and check one input; throwing one of `refusals` is a clean refusal */
  run(input: Uint8Array): unknown
  /** error classes that mean "refused"; anything else thrown is a finding */
  refusals: ErrorClass[]
}

const crypto = nodeCrypto()
const text = (b: Uint8Array): string => new TextDecoder().decode(b)
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

/**
 * A raw protons decoder refused the bytes. protons throws plain Errors (RangeError "index out of
 * range", Error "invalid wire type"), which every caller treats as a malformed frame; `decoded`
 * turns them into this so a later step's untyped error is still caught.
 */
export class DecodeRefused extends Error {
  override name = 'DecodeRefused'
}

function decoded<T> (decode: (b: Uint8Array) => T, b: Uint8Array): T {
  try {
    return decode(b)
  } catch (err: any) {
    if (!(err instanceof Error)) throw err
    throw new DecodeRefused(err.message)
  }
}

const PROTONS: ErrorClass[] = [DecodeRefused]

/** Build every target with fresh keys. `now` is the time the checks run at. */
export async function fuzzTargets (now: number): Promise<FuzzTarget[]> {
  const alice = await createIdentity()
  const bob = await createIdentity()
  const bobPeer = peerIdFromPrivateKey(bob.deviceKey)
  const alicePeer = peerIdFromPrivateKey(alice.deviceKey)
  const bobPrekeys = new MemoryPrekeyStore()
  await generatePrekeys(crypto, bob, bobPrekeys, { oneTime: 5, now })
  const alicePrekeys = new MemoryPrekeyStore()
  await generatePrekeys(crypto, alice, alicePrekeys, { oneTime: 0, now })
  const bundle = await createBundle(crypto, bob, bobPrekeys, { withOneTime: true, issuedAt: now })
  const bundleBytes = encodeBundle(bundle)
  const agreed = await initiate(crypto, alice, await alicePrekeys.identityDh() as any, bundle)
  const initialBytes = encodeInitial(agreed.initial)
  const state = await initSender(crypto, agreed.sharedKey, agreed.remoteRatchetKey)

  // a real first message from alice to bob
  const sessions = new Sessions({ crypto, me: alice, prekeys: alicePrekeys, load: async () => undefined })
  const me = bobPeer.toMultihash().bytes
  const fields = { id: new Uint8Array(16).fill(7), recipient: bob.identityKey.publicKey.raw, recipientDevice: me, created: now, expiresAt: now + 3_600_000 }
  const content = { sender: alice.identityKey.publicKey.raw, senderDevice: alicePeer.toMultihash().bytes, deviceSignature: alice.deviceSignature, text: 'hello, fuzz', sentAt: now }
  const { envelope, record } = await sessions.serialize(bobPeer.toString(), async () => sealEnvelope(sessions, bobPeer.toString(), fields, content, bundleBytes))
  const hash = await envelopeHash(envelope, crypto)
  const receipt = await signReceipt(bob.deviceKey, bobPeer, fields.id, hash, now, crypto)

  const cap = await signCapability(bob, { ownerDevice: me, sender: alice.identityKey.publicKey.raw, hosts: [{ peerId: alicePeer.toMultihash().bytes, addrs: [multiaddr('/ip4/10.0.0.1/tcp/7470').bytes] }], issuedAt: now, notAfter: now + 86_400_000, quotaBytes: 1e6, quotaMessages: 100 }, crypto)
  const custody = await signCustody(bob.deviceKey, bobPeer, { messageId: fields.id, envelopeHash: hash, expiresAt: fields.expiresAt, storedAt: now }, crypto)
  const deletion = await signDeletion(bob.deviceKey, bobPeer, [fields.id], now, crypto)

  const records = [
    { key: recordKey('bundle', bob.identityKey.publicKey.raw), value: await signRecord(bob, 'bundle', encodeBundle({ ...bundle, oneTimePrekey: undefined }), { seq: now, now }, crypto) },
    { key: recordKey('devices', bob.identityKey.publicKey.raw), value: await signRecord(bob, 'devices', DeviceList.encode({ devices: [{ peerId: me, signature: bob.deviceSignature }] }), { seq: now, now }, crypto) },
    { key: recordKey('mailboxes', bob.identityKey.publicKey.raw), value: await signRecord(bob, 'mailboxes', MailboxSet.encode({ hosts: [alicePeer.toMultihash().bytes] }), { seq: now, now }, crypto) }
  ]
  const invite = await createInvite(bob, [multiaddr('/ip4/192.168.1.20/tcp/7470'), multiaddr('/ip4/192.168.1.20/udp/7470/webrtc-direct')], { name: 'bob', now, bundle: { ...bundle, oneTimePrekey: undefined }, mailboxes: [{ peer: alicePeer.toString(), addrs: ['/ip4/10.0.0.1/tcp/7470'] }] })
  const invitePayload = fromString(invite.slice('ferry://invite/'.length), 'base64url')
  const scenarios = readdirSync(join(import.meta.dirname, '../../../sim/scenarios')).filter(f => f.endsWith('.json')).map(f => readFileSync(join(import.meta.dirname, '../../../sim/scenarios', f)))

  const env = decodeEnvelope(envelope)
  return [
    { name: 'dm frame: envelope', seeds: [envelope], refusals: [InvalidEnvelopeError], run: b => checkEnvelope(decodeEnvelope(b), me, now) },
    { name: 'dm frame: reply', seeds: [DmReply.encode({ messageId: fields.id, receipt: DeliveryReceipt.encode(receipt) }), DmReply.encode({ messageId: fields.id, rejection: { code: Rejection.Code.MALFORMED, reason: 'no' } })], refusals: PROTONS, run: b => decoded(DmReply.decode, b) },
    { name: 'delivery receipt', seeds: [DeliveryReceipt.encode(receipt)], refusals: [InvalidReceiptError, ...PROTONS], run: async b => verifyReceipt(decoded(DeliveryReceipt.decode, b), bobPeer, fields.id, hash, crypto) },
    { name: 'sealed payload', seeds: [env.payload], refusals: [InvalidEnvelopeError], run: b => openPayload({ ...env, payload: b }) },
    { name: 'content', seeds: [Content.encode({ ...content, read: [] }), Content.encode({ ...content, text: '', read: ['00'.repeat(16)] })], refusals: [InvalidEnvelopeError], run: b => decodeContent(b) },
    { name: 'mailbox request', seeds: [Request.encode({ status: false, deposits: [], deposit: { envelope, capability: cap, deviceSignature: alice.deviceSignature } }), Request.encode({ status: true, deposits: [], fetch: { after: 0, limit: 10 } })], refusals: PROTONS, run: b => decoded(Request.decode, b) },
    { name: 'mailbox response', seeds: [Response.encode({ prekey: new Uint8Array(0), answers: [], custody, page: { items: [{ envelope, depositor: alicePeer.toMultihash().bytes, cursor: 3 }], more: false } })], refusals: PROTONS, run: b => decoded(Response.decode, b) },
    { name: 'capability', seeds: [cap], refusals: [InvalidMailboxStatementError], run: async b => openCapability(b, crypto) },
    { name: 'custody receipt', seeds: [CustodyReceipt.encode(custody)], refusals: [InvalidMailboxStatementError, ...PROTONS], run: async b => verifyCustody(decoded(CustodyReceipt.decode, b), bobPeer, fields.id, hash, fields.expiresAt, crypto) },
    { name: 'deletion receipt', seeds: [DeletionReceipt.encode(deletion)], refusals: [InvalidMailboxStatementError, ...PROTONS], run: async b => verifyDeletion(decoded(DeletionReceipt.decode, b), bobPeer, crypto) },
    { name: 'prekey bundle', seeds: [bundleBytes], refusals: [InvalidBundleError], run: async b => verifyBundle(crypto, decodeBundle(b)) },
    { name: 'PQXDH initial message', seeds: [initialBytes], refusals: [InvalidInitialMessageError], run: b => decodeInitial(b) },
    { name: 'ratchet state', seeds: [encodeState(state)], refusals: [RatchetError], run: b => decodeState(b) },
    { name: 'session record', seeds: [record], refusals: [RatchetError, ...PROTONS], run: b => decoded(SessionRecord.decode, b).states.map(s => decodeState(s.ratchet)) },
    { name: 'DHT record', seeds: records.map(r => r.value), refusals: [InvalidRecordError], run: async b => validateRecord(records[(b[b.length - 1] ?? 0) % 3].key, b, now, crypto) },
    { name: 'DHT record key', seeds: records.map(r => r.key), refusals: [InvalidRecordError], run: async b => validateRecord(b, records[0].value, now, crypto) },
    { name: 'invite (text)', seeds: [utf8(invite)], refusals: [InvalidInviteError], run: async b => parseInvite(text(b), now, crypto) },
    { name: 'invite (payload)', seeds: [invitePayload], refusals: [InvalidInviteError], run: async b => parseInvite(`ferry://invite/${toString(b, 'base64url')}`, now, crypto) },
    { name: 'contact target', seeds: [utf8(`/ip4/192.168.1.20/tcp/7470/p2p/${bobPeer.toString()}`), utf8(`/dns4/bob.example/tcp/443/wss/p2p/${bobPeer.toString()}`), utf8(invite)], refusals: [InvalidInputError, InvalidInviteError], run: async b => contactFrom('bob', text(b), now, defaultCrypto) },
    { name: 'scenario file', seeds: scenarios, refusals: [ScenarioError], run: b => parseScenario(text(b), 'fuzz.json') },
    { name: 'frame parser', seeds: [Uint8Array.of(3, 1, 2, 3, 0x80, 0x01, ...new Uint8Array(128), 0)], refusals: [FrameLengthError], run: b => { const p = new FrameParser(1024, () => {}); for (let i = 0; i < b.length; i += 1 + (b[i] % 7)) p.push(b.subarray(i, i + 1 + (b[i] % 7))) } }
  ]
}
