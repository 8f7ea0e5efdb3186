import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { base58btc } from 'multiformats/bases/base58'
import { InvalidInputError } from '../../protocol/errors.js'
import { concat } from 'uint8arrays/concat'
import { certifyDevice, createIdentity, crossSignDevice, DEVICE_CERTIFICATE_BYTES, identityFromString, identityToString, peerIdFromBytes, signDevice, verifyDevice, withDeviceCertificate, heldIdentityKey } from '../../protocol/crypto/identity.js'
import type { Identity } from '../../protocol/crypto/identity.js'

describe('identity', () => {
  let me: Identity

  before(async () => {
    me = await createIdentity()
  })

  it('creates distinct identity and device keys with a valid device certificate', async () => {
    assert.notDeepEqual(me.identityKey.publicKey.raw, me.deviceKey.publicKey.raw)
    const device = peerIdFromPrivateKey(me.deviceKey).toMultihash().bytes
    assert.equal(await verifyDevice(me.identityKey.publicKey.raw, device, me.deviceSignature), true)
  })

  it('verifies a certificate only for the device and identity it was made for', async () => {
    const otherKey = await generateKeyPair('Ed25519')
    const otherDevice = peerIdFromPrivateKey(otherKey)
    const other = await createIdentity()
    const certificate = await certifyDevice(heldIdentityKey(me.identityKey), otherKey)
    const device = otherDevice.toMultihash().bytes
    assert.equal(certificate.byteLength, DEVICE_CERTIFICATE_BYTES)

    assert.equal(await verifyDevice(me.identityKey.publicKey.raw, device, certificate), true)
    assert.equal(await verifyDevice(other.identityKey.publicKey.raw, device, certificate), false)
    assert.equal(await verifyDevice(me.identityKey.publicKey.raw, peerIdFromPrivateKey(me.deviceKey).toMultihash().bytes, certificate), false)
    for (const at of [0, 63, 64, 127]) {
      const flipped = certificate.slice()
      flipped[at] ^= 1
      assert.equal(await verifyDevice(me.identityKey.publicKey.raw, device, flipped), false, `bit flipped at byte ${at}`)
    }
  })

  it('refuses a one-way certificate: an identity cannot claim a device whose key never signed it back', async () => {
    // the mailbox-host attack: mallory's identity signs the victim's peer id
    const mallory = await createIdentity()
    const victim = peerIdFromPrivateKey(me.deviceKey)
    const byIdentity = await signDevice(heldIdentityKey(mallory.identityKey), victim)
    const device = victim.toMultihash().bytes
    assert.equal(await verifyDevice(mallory.identityKey.publicKey.raw, device, byIdentity), false, 'the identity half alone')
    assert.equal(await verifyDevice(mallory.identityKey.publicKey.raw, device, concat([byIdentity, new Uint8Array(64)])), false, 'with a blank device half')
    const malloryDevice = await crossSignDevice(mallory.deviceKey, mallory.identityKey.publicKey.raw)
    assert.equal(await verifyDevice(mallory.identityKey.publicKey.raw, device, concat([byIdentity, malloryDevice])), false, 'with her own device\'s half')
    // and a device alone cannot claim an identity
    const deviceOnly = await crossSignDevice(me.deviceKey, mallory.identityKey.publicKey.raw)
    assert.equal(await verifyDevice(mallory.identityKey.publicKey.raw, device, concat([new Uint8Array(64), deviceOnly])), false, 'the device half alone')
  })

  it('upgrades an identity holding an old one-way certificate', async () => {
    const old = { ...me, deviceSignature: await signDevice(heldIdentityKey(me.identityKey), peerIdFromPrivateKey(me.deviceKey)) }
    const upgraded = await withDeviceCertificate(old)
    assert.equal(await verifyDevice(me.identityKey.publicKey.raw, peerIdFromPrivateKey(me.deviceKey).toMultihash().bytes, upgraded.deviceSignature), true)
    assert.equal(await withDeviceCertificate(me), me, 'a current certificate is kept as is')
  })

  it('answers false, not an exception, for keys that are not Ed25519 keys', async () => {
    const device = peerIdFromPrivateKey(me.deviceKey).toMultihash().bytes
    assert.equal(await verifyDevice(new Uint8Array(5), device, me.deviceSignature), false)
    assert.equal(await verifyDevice(new Uint8Array(0), device, new Uint8Array(0)), false)
  })

  it('prints an identity as base58btc and parses it back', () => {
    const text = identityToString(me.identityKey.publicKey.raw)
    assert.ok(text.startsWith('z'))
    assert.deepEqual(identityFromString(text), me.identityKey.publicKey.raw)
  })

  it('refuses identity strings that are not a 32-byte base58btc key', () => {
    assert.throws(() => identityFromString('not-an-identity'), (err: Error) => err instanceof InvalidInputError && err.message.includes('is not an identity'))
    assert.throws(() => identityFromString(base58btc.encode(new Uint8Array(31))), /32-byte Ed25519 public key/)
    assert.throws(() => identityFromString(''), InvalidInputError)
  })

  it('parses peer id bytes and refuses anything else', () => {
    const peer = peerIdFromPrivateKey(me.deviceKey)
    assert.ok(peerIdFromBytes(peer.toMultihash().bytes).equals(peer))
    assert.throws(() => peerIdFromBytes(Uint8Array.from([1, 2, 3])), InvalidInputError)
  })
})
