import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { base58btc } from 'multiformats/bases/base58'
import { InvalidInputError } from '../../protocol/errors.js'
import { createIdentity, identityFromString, identityToString, peerIdFromBytes, signDevice, verifyDevice } from '../../protocol/identity.js'
import type { Identity } from '../../protocol/identity.js'

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
    const otherDevice = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const other = await createIdentity()
    const signature = await signDevice(me.identityKey, otherDevice)
    const device = otherDevice.toMultihash().bytes

    assert.equal(await verifyDevice(me.identityKey.publicKey.raw, device, signature), true)
    assert.equal(await verifyDevice(other.identityKey.publicKey.raw, device, signature), false)
    assert.equal(await verifyDevice(me.identityKey.publicKey.raw, peerIdFromPrivateKey(me.deviceKey).toMultihash().bytes, signature), false)
    const flipped = signature.slice()
    flipped[0] ^= 1
    assert.equal(await verifyDevice(me.identityKey.publicKey.raw, device, flipped), false)
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
