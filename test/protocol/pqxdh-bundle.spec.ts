import assert from 'node:assert/strict'
import { isDeepStrictEqual } from 'node:util'
import { nodeCrypto } from '../../node/crypto.js'
import { InvalidBundleError, KEY_TYPE, MAX_BUNDLE_BYTES, decodeBundle, encodeBundle, verifyBundle } from '../../protocol/crypto/bundle.js'
import { PrekeyBundle as PrekeyBundlePb } from '../../protocol/crypto/pb/pqxdh.js'
import { PREKEY_GRACE_MS, UnknownPrekeyError, createBundle, generatePrekeys, rotateSignedPrekey } from '../../protocol/crypto/prekeys.js'
import { MemoryPrekeyStore } from '../../protocol/stores/memory/prekeys.js'
import { initiate, respond } from '../../protocol/crypto/pqxdh.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import { createIdentity } from '../../protocol/crypto/identity.js'
import type { PrekeyBundle } from '../../protocol/crypto/bundle.js'
import type { Identity } from '../../protocol/crypto/identity.js'

const crypto = defaultCrypto
const T0 = 1_700_000_000_000

/** A copy of `bytes` with bit `bit` flipped. */
function flip (bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice()
  out[bit >> 3] ^= 1 << (bit & 7)
  return out
}

/** Re-encode a valid bundle at the protobuf level with `edit` applied (bypassing encodeBundle's checks). */
function rewire (bytes: Uint8Array, edit: (pb: PrekeyBundlePb) => void): Uint8Array {
  const pb = PrekeyBundlePb.decode(bytes)
  edit(pb)
  return PrekeyBundlePb.encode(pb)
}

function typed (name: string, pattern?: RegExp) {
  return (err: any): boolean => {
    assert.equal(err.name, name, err.message)
    if (pattern != null) assert.match(err.message, pattern)
    return true
  }
}

describe('PQXDH prekey bundles', function () {
  this.timeout(60_000)
  let bob: Identity
  let store: MemoryPrekeyStore
  let bundle: PrekeyBundle

  beforeEach(async () => {
    bob = await createIdentity()
    store = new MemoryPrekeyStore()
    await generatePrekeys(crypto, bob, store, { oneTime: 3, now: T0 })
    bundle = await createBundle(crypto, bob, store, { withOneTime: false })
  })

  it('creates a bundle whose three signatures verify, with raw keys of the right sizes', async () => {
    await verifyBundle(crypto, bundle)
    await verifyBundle(nodeCrypto(), bundle)
    assert.deepEqual(bundle.identity, bob.identityKey.publicKey.raw)
    assert.equal(bundle.identityDh.byteLength, 32)
    assert.equal(bundle.signedPrekey.publicKey.byteLength, 32)
    assert.equal(bundle.kemPrekey.publicKey.byteLength, 1184)
    assert.equal(bundle.oneTimePrekey, undefined)
  })

  it('round-trips through encodeBundle/decodeBundle, with and without a one-time prekey', async () => {
    assert.deepEqual(decodeBundle(encodeBundle(bundle)), bundle)
    const withOne = await createBundle(crypto, bob, store, { withOneTime: true })
    assert.ok(withOne.oneTimePrekey != null)
    const bytes = encodeBundle(withOne)
    assert.ok(bytes.byteLength <= MAX_BUNDLE_BYTES)
    assert.deepEqual(decodeBundle(bytes), withOne)
  })

  it('hands out each one-time prekey at most once, then bundles go without', async () => {
    const fresh = new MemoryPrekeyStore()
    const made = await generatePrekeys(crypto, bob, fresh, { oneTime: 2 })
    const a = await createBundle(crypto, bob, fresh, { withOneTime: true })
    const b = await createBundle(crypto, bob, fresh, { withOneTime: true })
    const c = await createBundle(crypto, bob, fresh, { withOneTime: true })
    assert.deepEqual([a.oneTimePrekey, b.oneTimePrekey], made)
    assert.notEqual(a.oneTimePrekey?.id, b.oneTimePrekey?.id)
    assert.equal(c.oneTimePrekey, undefined)
    const more = await generatePrekeys(crypto, bob, fresh, { oneTime: 1 })
    assert.ok(more[0].id > made[1].id, 'one-time prekey ids are never reused')
  })

  const fields: Array<[string, (b: PrekeyBundle) => Uint8Array, RegExp]> = [
    ['identity', b => b.identity, /identityDhSignature/],
    ['identityDh', b => b.identityDh, /identityDhSignature/],
    ['identityDhSignature', b => b.identityDhSignature, /identityDhSignature/],
    ['signedPrekey.publicKey', b => b.signedPrekey.publicKey, /signedPrekey\.signature/],
    ['signedPrekey.signature', b => b.signedPrekey.signature, /signedPrekey\.signature/],
    ['kemPrekey.publicKey', b => b.kemPrekey.publicKey, /kemPrekey\.signature/],
    ['kemPrekey.signature', b => b.kemPrekey.signature, /kemPrekey\.signature/]
  ]
  for (const [name, field, failing] of fields) {
    it(`rejects a bundle with a bit flipped in ${name}, naming the signature that fails`, async () => {
      const len = field(bundle).byteLength
      for (const bit of [0, 9, (len >> 1) * 8 + 3, (len - 1) * 8]) {
        const tampered = structuredClone(bundle)
        field(tampered).set(flip(field(bundle), bit))
        await assert.rejects(verifyBundle(crypto, tampered), typed('InvalidBundleError', failing), `bit ${bit}`)
      }
    })
  }

  it('rejects a bundle whose prekey ids were changed (the ids are signed)', async () => {
    const spk = structuredClone(bundle)
    spk.signedPrekey.id ^= 1
    await assert.rejects(verifyBundle(crypto, spk), typed('InvalidBundleError', /signedPrekey\.signature/))
    const kem = structuredClone(bundle)
    kem.kemPrekey.id ^= 1
    await assert.rejects(verifyBundle(crypto, kem), typed('InvalidBundleError', /kemPrekey\.signature/))
  })

  it('rejects a signed prekey signature moved onto the KEM prekey slot (signatures are domain-separated)', async () => {
    const swapped = structuredClone(bundle)
    swapped.kemPrekey.signature = bundle.signedPrekey.signature
    swapped.kemPrekey.id = bundle.signedPrekey.id
    await assert.rejects(verifyBundle(crypto, swapped), InvalidBundleError)
  })

  it('rejects every single-bit flip of an encoded bundle, unless it decodes to the very same bundle', async () => {
    // protons ignores a tag's wire type, so flipping 0x08 to 0x09 still reads field 1 the same way
    const node = nodeCrypto()
    const bytes = encodeBundle(bundle)
    const accepted: number[] = []
    for (let i = 0; i < bytes.byteLength; i++) {
      const bit = i * 8 + (i % 8)
      try {
        const decoded = decodeBundle(flip(bytes, bit))
        await verifyBundle(node, decoded)
        if (!isDeepStrictEqual(decoded, bundle)) accepted.push(bit)
      } catch (err: any) {
        assert.equal(err.name, 'InvalidBundleError', `bit ${bit}: ${err.message}`)
      }
    }
    assert.deepEqual(accepted, [])
  })

  it('rejects keys of the wrong type in every key field (no key confusion)', () => {
    const bytes = encodeBundle(bundle)
    const x25519 = (raw: Uint8Array): Uint8Array => Uint8Array.of(KEY_TYPE.x25519, ...raw)
    const cases: Array<[string, (pb: PrekeyBundlePb) => void]> = [
      ['X25519 key as the ML-KEM prekey', pb => { pb.kemPrekey!.publicKey = x25519(bundle.signedPrekey.publicKey) }],
      ['ML-KEM type byte on the ML-KEM key swapped to X25519', pb => { pb.kemPrekey!.publicKey[0] = KEY_TYPE.x25519 }],
      ['X25519 key as the Ed25519 identity', pb => { pb.identity = x25519(bundle.identityDh) }],
      ['Ed25519 identity as the identity DH key', pb => { pb.identityDh = Uint8Array.of(KEY_TYPE.ed25519, ...bundle.identity) }],
      ['ML-KEM type byte on the signed prekey', pb => { pb.signedPrekey!.publicKey[0] = KEY_TYPE.mlKem768 }],
      ['a raw key without a type byte', pb => { pb.identityDh = bundle.identityDh }],
      ['a non-canonical X25519 key (top bit set)', pb => { pb.signedPrekey!.publicKey[32] |= 0x80 }],
      ['a truncated signature', pb => { pb.identityDhSignature = pb.identityDhSignature.subarray(1) }],
      ['a missing KEM prekey', pb => { pb.kemPrekey = undefined }],
      ['another format version', pb => { pb.version = 2 }]
    ]
    for (const [name, edit] of cases) {
      assert.throws(() => decodeBundle(rewire(bytes, edit)), InvalidBundleError, name)
    }
  })

  it('rejects oversized input before decoding, and length prefixes that run past the end', () => {
    assert.throws(() => decodeBundle(new Uint8Array(MAX_BUNDLE_BYTES + 1)), typed('InvalidBundleError', /exceeds/))
    const padded = new Uint8Array([...encodeBundle(bundle), 0x7a, 0xe8, 0x07, ...new Uint8Array(1000)]) // unknown field 15, 1000 bytes
    assert.throws(() => decodeBundle(padded), typed('InvalidBundleError', /exceeds/))
    const lying = Uint8Array.of(0x12, 0xff, 0xff, 0xff, 0xff, 0x07, 0xed) // identity claims 2 GiB
    assert.throws(() => decodeBundle(lying), typed('InvalidBundleError', /does not decode/))
    assert.throws(() => encodeBundle({ ...bundle, identity: new Uint8Array(33) }), InvalidBundleError)
  })

  it('createBundle needs generatePrekeys first, and refuses prekeys signed by another identity', async () => {
    await assert.rejects(createBundle(crypto, bob, new MemoryPrekeyStore(), { withOneTime: false }), UnknownPrekeyError)
    const mallory = await createIdentity()
    await assert.rejects(createBundle(crypto, mallory, store, { withOneTime: false }), InvalidBundleError)
  })

  it('rotation keeps the retired signed prekeys usable for the grace period, then deletes them', async () => {
    const alice = await createIdentity()
    const aliceStore = new MemoryPrekeyStore()
    await generatePrekeys(crypto, alice, aliceStore, { oneTime: 0 })
    const aliceDh = (await aliceStore.identityDh())!
    const old = bundle

    const ids = await rotateSignedPrekey(crypto, bob, store, { now: T0 + 1000 })
    assert.deepEqual(ids, { signedPrekeyId: old.signedPrekey.id + 1, kemPrekeyId: old.kemPrekey.id + 1 })
    const current = await createBundle(crypto, bob, store, { withOneTime: false })
    assert.equal(current.signedPrekey.id, ids.signedPrekeyId)
    assert.notDeepEqual(current.signedPrekey.publicKey, old.signedPrekey.publicKey)
    assert.notDeepEqual(current.kemPrekey.publicKey, old.kemPrekey.publicKey)

    // within the grace period a bundle read before the rotation still works
    const early = await initiate(crypto, alice, aliceDh, old)
    const answered = await respond(crypto, bob, store, early.initial)
    assert.deepEqual(answered.sharedKey, early.sharedKey)

    // a rotation just inside the grace period of the first one keeps it; one just past deletes it
    await rotateSignedPrekey(crypto, bob, store, { now: T0 + 1000 + PREKEY_GRACE_MS })
    assert.ok(await store.signedPrekey(old.signedPrekey.id) != null)
    await rotateSignedPrekey(crypto, bob, store, { now: T0 + 1001 + PREKEY_GRACE_MS })
    assert.equal(await store.signedPrekey(old.signedPrekey.id), undefined)
    assert.equal(await store.kemPrekey(old.kemPrekey.id), undefined)
    assert.ok(await store.signedPrekey(ids.signedPrekeyId) != null, 'retired at the second rotation: still in its grace period')
    const late = await initiate(crypto, alice, aliceDh, old)
    await assert.rejects(respond(crypto, bob, store, late.initial), UnknownPrekeyError)
  })

  it('rotateSignedPrekey needs generatePrekeys first', async () => {
    await assert.rejects(rotateSignedPrekey(crypto, bob, new MemoryPrekeyStore()), UnknownPrekeyError)
  })
})
