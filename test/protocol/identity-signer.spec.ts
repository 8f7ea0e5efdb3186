/**
 * Signatures for an identity by one of its certified devices (protocol/crypto/signer.ts,
 * docs/identity-custody.md step 1), and prekey bundles signed that way: a linked device that does
 * not hold the identity key can publish prekeys its contacts accept, and nobody else can.
 */
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { fromString } from 'uint8arrays/from-string'
import { nodeCrypto } from '../../node/crypto.js'
import { decodeBundle, encodeBundle, identityDhSignatureMessage, prekeySignatureMessage, verifyBundle } from '../../protocol/crypto/bundle.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import { certifyDevice, createIdentity } from '../../protocol/crypto/identity.js'
import { initiate, respond } from '../../protocol/crypto/pqxdh.js'
import { createBundle, generatePrekeys } from '../../protocol/crypto/prekeys.js'
import { signAsDevice, verifyFor } from '../../protocol/crypto/signer.js'
import { MemoryPrekeyStore } from '../../protocol/stores/memory/prekeys.js'
import { equalBytes } from '../../protocol/util/bytes.js'
import type { PrekeyBundle } from '../../protocol/crypto/bundle.js'
import type { Identity } from '../../protocol/crypto/identity.js'

const crypto = defaultCrypto
const T0 = 1_700_000_000_000
const statement = fromString('a statement for the identity')

/** A second device of `primary`'s identity, certified by it (what linking makes). */
async function linkedDevice (primary: Identity): Promise<Identity> {
  const deviceKey = await generateKeyPair('Ed25519')
  return { identityKey: primary.identityKey, deviceKey, deviceSignature: await certifyDevice(primary.identityKey, deviceKey) }
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
    const byIdentity = await crypto.sign(alice.identityKey, statement)
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

describe('prekey bundles signed by a linked device', function () {
  this.timeout(60_000)
  let alice: Identity
  let laptop: Identity
  let store: MemoryPrekeyStore
  let bundle: PrekeyBundle

  before(async () => {
    alice = await createIdentity()
    laptop = await linkedDevice(alice)
    store = new MemoryPrekeyStore()
    await generatePrekeys(crypto, laptop, store, { oneTime: 2, now: T0 })
    bundle = await signedByDevice(laptop, await createBundle(crypto, laptop, store, { withOneTime: true }))
  })

  it('verifies, survives the wire with its signer, and starts a session', async () => {
    await verifyBundle(crypto, bundle)
    const wire = decodeBundle(encodeBundle(bundle))
    assert.ok(wire.signer != null && equalBytes(wire.signer.device, peerIdFromPrivateKey(laptop.deviceKey).toMultihash().bytes))
    await verifyBundle(nodeCrypto(), wire)
    const bob = await createIdentity()
    const bobDh = await crypto.x25519Generate()
    const a = await initiate(crypto, bob, bobDh, wire)
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
    const byIdentity = await createBundle(crypto, alice, store, { withOneTime: false })
    await verifyBundle(crypto, byIdentity)
    await assert.rejects(verifyBundle(crypto, { ...byIdentity, signer: bundle.signer }), refused(/signing device/))
    const mallory = await createIdentity()
    const rogue = await linkedDevice(mallory)
    const forged = await signedByDevice({ ...rogue, identityKey: alice.identityKey }, byIdentity)
    await assert.rejects(verifyBundle(crypto, forged), refused(/certified/))
    assert.throws(() => encodeBundle({ ...bundle, signer: { device: bundle.signer?.device ?? new Uint8Array(), certificate: new Uint8Array(5) } }), refused(/128-byte device certificate/))
  })
})
