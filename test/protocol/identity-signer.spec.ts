/**
 * Signatures for an identity by one of its certified devices (protocol/crypto/signer.ts,
 * docs/identity-custody.md step 1), and prekey bundles signed that way: a linked device that does
 * not hold the identity key can publish prekeys its contacts accept, and nobody else can.
 */
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { concat } from 'uint8arrays/concat'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { nodeCrypto } from '../../node/crypto.js'
import { decodeBundle, encodeBundle, identityDhSignatureMessage, prekeySignatureMessage, verifyBundle } from '../../protocol/crypto/bundle.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import { certifyDevice, createIdentity, heldIdentityKey, holdsIdentityKey } from '../../protocol/crypto/identity.js'
import { decodeInitial, encodeInitial, initiate, MAX_INITIAL_MESSAGE_BYTES, prepareResponse, respond } from '../../protocol/crypto/pqxdh.js'
import { createBundle, generatePrekeys } from '../../protocol/crypto/prekeys.js'
import { deviceSigner, signAsDevice, verifyFor } from '../../protocol/crypto/signer.js'
import { MemoryPrekeyStore } from '../../protocol/stores/memory/prekeys.js'
import { INVITE_PREFIX } from '../../protocol/constants.js'
import { createInvite, parseInvite } from '../../protocol/contacts/invite.js'
import { recordKey, signRecord, SignedRecord, validateRecord } from '../../protocol/directory/records.js'
import { bundleCard, verifyCards } from '../../protocol/groups/cards.js'
import { Capability } from '../../protocol/mailbox/pb/mailbox.js'
import { openCapability, signCapability } from '../../protocol/mailbox/signed.js'
import { Invite } from '../../protocol/pb/ferry.js'
import { equalBytes } from '../../protocol/util/bytes.js'
import type { PrekeyBundle } from '../../protocol/crypto/bundle.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import type { InitialMessage } from '../../protocol/crypto/pqxdh.js'

const crypto = defaultCrypto
const T0 = 1_700_000_000_000
const statement = fromString('a statement for the identity')

/** A second device of `primary`'s identity, certified by it, holding the identity's public key alone. */
async function linkedDevice (primary: Identity): Promise<Identity> {
  const deviceKey = await generateKeyPair('Ed25519')
  return { identityKey: { publicKey: primary.identityKey.publicKey }, deviceKey, deviceSignature: await certifyDevice(heldIdentityKey(primary.identityKey), deviceKey) }
}

/** `bundle` with its three signatures made again by `device` for its identity, naming it as the signer. */
async function signedByDevice (device: Identity, bundle: PrekeyBundle): Promise<PrekeyBundle> {
  const dh = await signAsDevice(crypto, device, identityDhSignatureMessage(bundle.identityDh))
  const spk = await signAsDevice(crypto, device, prekeySignatureMessage('signedPrekey', bundle.signedPrekey.id, bundle.signedPrekey.publicKey))
  const kem = await signAsDevice(crypto, device, prekeySignatureMessage('kemPrekey', bundle.kemPrekey.id, bundle.kemPrekey.publicKey))
  return {
    ...bundle,
    identityDhSignature: dh.signature,
    signedPrekey: { ...bundle.signedPrekey, signature: spk.signature },
    kemPrekey: { ...bundle.kemPrekey, signature: kem.signature },
    signer: dh.signer
  }
}

const refused = (pattern: RegExp) => (err: any): boolean => {
  assert.equal(err.name, 'InvalidBundleError', err.message)
  assert.match(err.message, pattern)
  return true
}

describe('signatures by a certified device (signer.ts)', function () {
  this.timeout(60_000)
  let alice: Identity
  let laptop: Identity
  let mallory: Identity

  before(async () => {
    alice = await createIdentity()
    laptop = await linkedDevice(alice)
    mallory = await createIdentity()
  })

  it('verifies a device signature for its identity, and the identity key\'s own without a signer', async () => {
    const { signature, signer } = await signAsDevice(crypto, laptop, statement)
    assert.ok(equalBytes(signer.device, peerIdFromPrivateKey(laptop.deviceKey).toMultihash().bytes))
    assert.equal(await verifyFor(crypto, alice.identityKey.publicKey.raw, statement, signature, signer), true)
    assert.equal(await verifyFor(nodeCrypto(), alice.identityKey.publicKey.raw, statement, signature, signer), true)
    const byIdentity = await crypto.sign(heldIdentityKey(alice.identityKey), statement)
    assert.equal(await verifyFor(crypto, alice.identityKey.publicKey.raw, statement, byIdentity), true)
    // the identity's signature is not a device's, and the other way round
    assert.equal(await verifyFor(crypto, alice.identityKey.publicKey.raw, statement, byIdentity, signer), false)
    assert.equal(await verifyFor(crypto, alice.identityKey.publicKey.raw, statement, signature), false)
  })

  it('refuses another statement, another identity, a revoked signer and a bare device signature', async () => {
    const { signature, signer } = await signAsDevice(crypto, laptop, statement)
    const identity = alice.identityKey.publicKey.raw
    assert.equal(await verifyFor(crypto, identity, fromString('another statement'), signature, signer), false)
    assert.equal(await verifyFor(crypto, mallory.identityKey.publicKey.raw, statement, signature, signer), false)
    assert.equal(await verifyFor(crypto, identity, statement, signature, signer, d => equalBytes(d, signer.device)), false)
    assert.equal(await verifyFor(crypto, identity, statement, signature, signer, () => false), true)
    // the device key signing the statement without the label: a signature made for something else
    const bare = await crypto.sign(laptop.deviceKey, statement)
    assert.equal(await verifyFor(crypto, identity, statement, bare, signer), false)
  })

  it('refuses a device that another identity certified, and a certificate lent to another device', async () => {
    // mallory certifies her own device and claims it signs for alice
    const rogue = await linkedDevice(mallory)
    const forged = await signAsDevice(crypto, { ...rogue, identityKey: alice.identityKey, deviceSignature: rogue.deviceSignature }, statement)
    assert.equal(await verifyFor(crypto, alice.identityKey.publicKey.raw, statement, forged.signature, forged.signer), false)
    // a device with no certificate of alice's borrows the laptop's
    const stranger = await generateKeyPair('Ed25519')
    const borrowed = await signAsDevice(crypto, { identityKey: alice.identityKey, deviceKey: stranger, deviceSignature: laptop.deviceSignature }, statement)
    assert.equal(await verifyFor(crypto, alice.identityKey.publicKey.raw, statement, borrowed.signature, borrowed.signer), false)
    const lent = { device: peerIdFromPrivateKey(stranger).toMultihash().bytes, certificate: laptop.deviceSignature }
    assert.equal(await verifyFor(crypto, alice.identityKey.publicKey.raw, statement, borrowed.signature, lent), false)
    // malformed signers are false, not exceptions
    assert.equal(await verifyFor(crypto, alice.identityKey.publicKey.raw, statement, borrowed.signature, { device: new Uint8Array(3), certificate: laptop.deviceSignature }), false)
    assert.equal(await verifyFor(crypto, alice.identityKey.publicKey.raw, statement, borrowed.signature, { device: lent.device, certificate: new Uint8Array(7) }), false)
  })
})

describe('prekey bundles and initial messages of a linked device without the identity key', function () {
  this.timeout(60_000)
  let alice: Identity
  let laptop: Identity
  let store: MemoryPrekeyStore
  let bundle: PrekeyBundle
  let byIdentity: PrekeyBundle

  before(async () => {
    alice = await createIdentity()
    laptop = await linkedDevice(alice)
    store = new MemoryPrekeyStore()
    await generatePrekeys(crypto, laptop, store, { oneTime: 3, now: T0 })
    bundle = await createBundle(crypto, laptop, store, { withOneTime: true })
    const primary = new MemoryPrekeyStore()
    await generatePrekeys(crypto, alice, primary, { oneTime: 0, now: T0 })
    byIdentity = await createBundle(crypto, alice, primary, { withOneTime: false })
  })

  it('signs its prekeys itself and names itself in its bundle; the holder\'s bundle names no signer', async () => {
    assert.equal(holdsIdentityKey(laptop.identityKey), false)
    assert.throws(() => heldIdentityKey(laptop.identityKey), (err: any) => err.name === 'IdentityKeyNotHeldError')
    assert.ok(bundle.signer != null && equalBytes(bundle.signer.device, peerIdFromPrivateKey(laptop.deviceKey).toMultihash().bytes))
    assert.ok(equalBytes(bundle.identity, alice.identityKey.publicKey.raw))
    assert.equal(byIdentity.signer, undefined)
  })

  it('verifies, survives the wire with its signer, and starts a session', async () => {
    await verifyBundle(crypto, bundle)
    const wire = decodeBundle(encodeBundle(bundle))
    assert.ok(wire.signer != null && equalBytes(wire.signer.device, peerIdFromPrivateKey(laptop.deviceKey).toMultihash().bytes))
    await verifyBundle(nodeCrypto(), wire)
    const bob = await createIdentity()
    const a = await initiate(crypto, bob, await crypto.x25519Generate(), wire)
    const b = await respond(crypto, laptop, store, a.initial)
    assert.ok(equalBytes(a.sharedKey, b.sharedKey))
  })

  it('is refused with its signer taken away, swapped for another device, or revoked', async () => {
    await assert.rejects(verifyBundle(crypto, { ...bundle, signer: undefined }), refused(/identityDhSignature.*identity key/))
    const phone = await linkedDevice(alice)
    const { signer: phoneSigner } = await signAsDevice(crypto, phone, statement)
    await assert.rejects(verifyBundle(crypto, { ...bundle, signer: phoneSigner }), refused(/signing device/))
    await assert.rejects(verifyBundle(crypto, bundle, { revoked: d => equalBytes(d, bundle.signer?.device ?? new Uint8Array()) }), refused(/certified, or it was revoked/))
    await verifyBundle(crypto, bundle, { revoked: d => equalBytes(d, phoneSigner.device) })
  })

  it('is refused when a signer is added to a bundle the identity key signed, or names a device of another identity', async () => {
    await verifyBundle(crypto, byIdentity)
    await assert.rejects(verifyBundle(crypto, { ...byIdentity, signer: bundle.signer }), refused(/signing device/))
    const mallory = await createIdentity()
    const rogue = await linkedDevice(mallory)
    const forged = await signedByDevice({ ...rogue, identityKey: alice.identityKey }, byIdentity)
    await assert.rejects(verifyBundle(crypto, forged), refused(/certified/))
    assert.throws(() => encodeBundle({ ...bundle, signer: { device: bundle.signer?.device ?? new Uint8Array(), certificate: new Uint8Array(5) } }), refused(/128-byte device certificate/))
  })

  it('starts a session as the initiator: its initial message names it, fits the cap, and is refused stripped, forged or revoked', async () => {
    const bob = await createIdentity()
    const bobStore = new MemoryPrekeyStore()
    await generatePrekeys(crypto, bob, bobStore, { oneTime: 0, now: T0 })
    const bobBundle = await createBundle(crypto, bob, bobStore, { withOneTime: false })
    const laptopDh = await crypto.x25519Generate()
    const fresh = async (): Promise<InitialMessage> => (await initiate(crypto, laptop, laptopDh, bobBundle)).initial
    const first = await initiate(crypto, laptop, laptopDh, bobBundle)
    assert.ok(first.initial.signer != null && equalBytes(first.initial.signer.device, peerIdFromPrivateKey(laptop.deviceKey).toMultihash().bytes))
    const bytes = encodeInitial(first.initial)
    assert.ok(bytes.byteLength <= MAX_INITIAL_MESSAGE_BYTES, `${bytes.byteLength} bytes`)
    const answered = await prepareResponse(crypto, bob, bobStore, decodeInitial(bytes))
    assert.ok(equalBytes(answered.sharedKey, first.sharedKey))
    assert.ok(equalBytes(answered.senderIdentity, alice.identityKey.publicKey.raw))
    const initialRefused = (pattern: RegExp) => (err: any): boolean => err.name === 'InvalidInitialMessageError' && pattern.test(err.message)
    await assert.rejects(prepareResponse(crypto, bob, bobStore, { ...await fresh(), signer: undefined }), initialRefused(/identity key/))
    const rogue = await linkedDevice(await createIdentity())
    await assert.rejects(prepareResponse(crypto, bob, bobStore, { ...await fresh(), signer: deviceSigner(rogue) }), initialRefused(/device/))
    const revoked = (d: Uint8Array): boolean => equalBytes(d, peerIdFromPrivateKey(laptop.deviceKey).toMultihash().bytes)
    await assert.rejects(prepareResponse(crypto, bob, bobStore, await fresh(), { revoked }), initialRefused(/not revoked/))
    assert.throws(() => encodeInitial({ ...first.initial, signer: { device: new Uint8Array(0), certificate: laptop.deviceSignature } }), initialRefused(/"signer"/))
  })
})

describe('what else a linked device signs for its identity: invites, DHT records, mailbox capabilities, room cards', function () {
  this.timeout(60_000)
  let alice: Identity
  let laptop: Identity
  let rogue: Identity
  let laptopBundle: PrekeyBundle
  const NOW = T0 + 1000
  const addrs = [multiaddr('/ip4/127.0.0.1/tcp/4001')]

  before(async () => {
    alice = await createIdentity()
    laptop = await linkedDevice(alice)
    rogue = await linkedDevice(await createIdentity())
    const store = new MemoryPrekeyStore()
    await generatePrekeys(crypto, laptop, store, { oneTime: 0, now: T0 })
    laptopBundle = await createBundle(crypto, laptop, store, { withOneTime: false })
  })

  /** An invite link with its protobuf edited and, when `resign`, signed again by `by` for alice. */
  async function editInvite (link: string, edit: (inv: Invite) => void, resign?: Identity): Promise<string> {
    const inv = Invite.decode(fromString(link.slice(INVITE_PREFIX.length), 'base64url'))
    edit(inv)
    if (resign != null) inv.signature = (await signAsDevice(crypto, resign, concat([fromString('ferry-invite-v1'), Invite.encode({ ...inv, signature: new Uint8Array(0) })]))).signature
    return INVITE_PREFIX + toString(Invite.encode(inv), 'base64url')
  }

  it('invites: the laptop\'s invite parses as alice\'s; cleared flag, foreign device or forged signature are refused', async () => {
    const link = await createInvite(laptop, addrs, { name: 'alice', now: NOW, bundle: laptopBundle, crypto })
    const info = await parseInvite(link, NOW, crypto)
    assert.ok(equalBytes(info.identity, alice.identityKey.publicKey.raw))
    assert.equal(info.peerId.toString(), peerIdFromPrivateKey(laptop.deviceKey).toString())
    const invalid = (err: any): boolean => err.name === 'InvalidInviteError' && /signature does not verify/.test(err.message)
    await assert.rejects(parseInvite(await editInvite(link, inv => { inv.deviceSigned = false }), NOW, crypto), invalid)
    // a device of another identity that signs "for alice" under its own certificate
    const foreign = await editInvite(link, inv => { inv.peerId = peerIdFromPrivateKey(rogue.deviceKey).toMultihash().bytes; inv.deviceSignature = rogue.deviceSignature }, { ...rogue, identityKey: alice.identityKey })
    await assert.rejects(parseInvite(foreign, NOW, crypto), invalid)
    // the holder's invite still carries no flag
    const primaryStore = new MemoryPrekeyStore()
    await generatePrekeys(crypto, alice, primaryStore, { oneTime: 0, now: T0 })
    const holderLink = await createInvite(alice, addrs, { now: NOW, bundle: await createBundle(crypto, alice, primaryStore, { withOneTime: false }), crypto })
    assert.equal(Invite.decode(fromString(holderLink.slice(INVITE_PREFIX.length), 'base64url')).deviceSigned, false)
    await parseInvite(holderLink, NOW, crypto)
  })

  it('DHT records: the laptop publishes for alice; a record without its signer or under a foreign device is refused', async () => {
    const key = recordKey('bundle', alice.identityKey.publicKey.raw)
    const value = await signRecord(laptop, 'bundle', encodeBundle(laptopBundle), { seq: 1, now: NOW }, crypto)
    const record = await validateRecord(key, value, NOW, crypto)
    assert.ok(record.signer != null && equalBytes(record.signer.device, peerIdFromPrivateKey(laptop.deviceKey).toMultihash().bytes))
    const stripped = SignedRecord.encode({ ...record, signer: undefined })
    await assert.rejects(validateRecord(key, stripped, NOW, crypto), (err: any) => err.name === 'InvalidRecordError' && /signature does not verify$/.test(err.message))
    const foreign = SignedRecord.decode(await signRecord({ ...rogue, identityKey: { publicKey: alice.identityKey.publicKey } }, 'bundle', encodeBundle(laptopBundle), { seq: 2, now: NOW }, crypto))
    await assert.rejects(validateRecord(key, SignedRecord.encode(foreign), NOW, crypto), (err: any) => err.name === 'InvalidRecordError' && /not certified/.test(err.message))
  })

  it('mailbox capabilities: the laptop issues for itself under its certificate; stripped or for another device is refused', async () => {
    const me = peerIdFromPrivateKey(laptop.deviceKey).toMultihash().bytes
    const fields = { ownerDevice: me, sender: rogue.identityKey.publicKey.raw, hosts: [], issuedAt: NOW, notAfter: NOW + 60_000, quotaBytes: 1000, quotaMessages: 10 }
    const bytes = await signCapability(laptop, fields, crypto)
    const cap = await openCapability(bytes, crypto)
    assert.ok(equalBytes(cap.owner, alice.identityKey.publicKey.raw))
    assert.ok(cap.ownerCertificate != null && equalBytes(cap.ownerCertificate, laptop.deviceSignature))
    await assert.rejects(openCapability(Capability.encode({ ...cap, ownerCertificate: undefined }), crypto), (err: any) => err.name === 'InvalidMailboxStatementError' && /does not verify$/.test(err.message))
    const phone = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toMultihash().bytes
    await assert.rejects(openCapability(Capability.encode({ ...cap, ownerDevice: phone }), crypto), (err: any) => /not certified/.test(err.message))
    await assert.rejects(signCapability(laptop, { ...fields, ownerDevice: phone }, crypto), /for itself only/)
  })

  it('room cards: a card from the laptop\'s bundle verifies for alice; without its signer it is a forgery', async () => {
    const card = bundleCard(laptopBundle)
    assert.ok(card.signer != null)
    const add = { kind: 'add' as const, member: alice.identityKey.publicKey.raw, card }
    await verifyCards(rogue.identityKey.publicKey.raw, add, crypto)
    await assert.rejects(verifyCards(rogue.identityKey.publicKey.raw, { ...add, card: { dh: card.dh, signature: card.signature } }, crypto), (err: any) => err.name === 'ForgedOpError')
    await assert.rejects(verifyCards(rogue.identityKey.publicKey.raw, { ...add, member: rogue.identityKey.publicKey.raw }, crypto), (err: any) => err.name === 'ForgedOpError')
  })
})
