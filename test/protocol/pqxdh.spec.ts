import assert from 'node:assert/strict'
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { ml_kem768 as mlKem768 } from '@noble/post-quantum/ml-kem.js'
import { nodeCrypto } from '../../node/crypto.js'
import { InvalidBundleError, KEY_TYPE } from '../../protocol/crypto/bundle.js'
import { InitialMessage as InitialMessagePb } from '../../protocol/crypto/pb/pqxdh.js'
import { UnknownPrekeyError, createBundle, generatePrekeys } from '../../protocol/crypto/prekeys.js'
import { MemoryPrekeyStore } from '../../protocol/stores/memory/prekeys.js'
import { InvalidInitialMessageError, MAX_INITIAL_MESSAGE_BYTES, PQXDH_INFO, ReplayedInitialMessageError, decodeInitial, encodeInitial, initiate, prepareResponse, respond } from '../../protocol/crypto/pqxdh.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'
import { createIdentity } from '../../protocol/crypto/identity.js'
import type { PrekeyBundle } from '../../protocol/crypto/bundle.js'
import type { InitialMessage } from '../../protocol/crypto/pqxdh.js'
import type { CryptoBackend, KeyPair } from '../../protocol/crypto/backend.js'
import type { Identity } from '../../protocol/crypto/identity.js'

const crypto = defaultCrypto

interface Party { id: Identity, store: MemoryPrekeyStore, dh: KeyPair }

async function party (oneTime = 0, backend: CryptoBackend = crypto): Promise<Party> {
  const id = await createIdentity()
  const store = new MemoryPrekeyStore()
  await generatePrekeys(backend, id, store, { oneTime })
  return { id, store, dh: (await store.identityDh())! }
}

function flip (bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice()
  out[bit >> 3] ^= 1 << (bit & 7)
  return out
}

const errorNames = ['InvalidInitialMessageError', 'UnknownPrekeyError', 'ReplayedInitialMessageError']

/** Bob's SK for a (possibly tampered) message through the wire, or the typed error it fails with. */
async function bobsKey (bob: Party, m: InitialMessage): Promise<Uint8Array | Error> {
  try {
    return (await respond(crypto, bob.id, bob.store, decodeInitial(encodeInitial(m)))).sharedKey
  } catch (err: any) {
    assert.ok(errorNames.includes(err.name), `untyped failure: ${err.name}: ${err.message}`)
    return err
  }
}

describe('PQXDH', function () {
  this.timeout(60_000)
  let alice: Party
  let bob: Party

  beforeEach(async () => {
    alice = await party()
    bob = await party(4)
  })

  for (const withOneTime of [true, false]) {
    it(`Alice and Bob derive the same SK and AD ${withOneTime ? 'with' : 'without'} a one-time prekey`, async () => {
      const bundle = await createBundle(crypto, bob.id, bob.store, { withOneTime })
      assert.equal(bundle.oneTimePrekey != null, withOneTime)
      const a = await initiate(crypto, alice.id, alice.dh, bundle)
      const b = await respond(crypto, bob.id, bob.store, decodeInitial(encodeInitial(a.initial)))
      assert.equal(a.sharedKey.byteLength, 32)
      assert.deepEqual(b.sharedKey, a.sharedKey)
      assert.deepEqual(b.associatedData, a.associatedData)
      assert.deepEqual(b.senderIdentity, alice.id.identityKey.publicKey.raw)
      assert.deepEqual(a.remoteRatchetKey, bundle.signedPrekey.publicKey)
      assert.deepEqual(b.ratchetKeyPair.publicKey, a.remoteRatchetKey)
      assert.deepEqual(await crypto.x25519PublicKey(b.ratchetKeyPair.privateKey), b.ratchetKeyPair.publicKey)
      assert.equal(a.initial.oneTimePrekeyId, bundle.oneTimePrekey?.id)
    })
  }

  it('agrees across backends (Alice on @noble, Bob on node:crypto)', async () => {
    const node = nodeCrypto()
    const bundle = await createBundle(node, bob.id, bob.store, { withOneTime: true })
    const a = await initiate(crypto, alice.id, alice.dh, bundle)
    const b = await respond(node, bob.id, bob.store, a.initial)
    assert.deepEqual(b.sharedKey, a.sharedKey)
    assert.deepEqual(b.associatedData, a.associatedData)
  })

  it('computes SK = HKDF(F || DH1 || DH2 || DH3 || DH4 || SS) and AD as specified (independent recomputation)', async () => {
    let ek: KeyPair | undefined
    const recording: CryptoBackend = {
      ...crypto,
      async x25519Generate () {
        const pair = await crypto.x25519Generate()
        ek = { privateKey: pair.privateKey.slice(), publicKey: pair.publicKey.slice() }
        return pair
      }
    }
    const bundle = await createBundle(crypto, bob.id, bob.store, { withOneTime: true })
    const a = await initiate(recording, alice.id, alice.dh, bundle)
    assert.ok(ek != null)
    const bobDh = (await bob.store.identityDh())!
    const kem = (await bob.store.kemPrekey(bundle.kemPrekey.id))!
    const dh1 = x25519.getSharedSecret(alice.dh.privateKey, bundle.signedPrekey.publicKey)
    const dh2 = x25519.getSharedSecret(ek.privateKey, bobDh.publicKey)
    const dh3 = x25519.getSharedSecret(ek.privateKey, bundle.signedPrekey.publicKey)
    const dh4 = x25519.getSharedSecret(ek.privateKey, bundle.oneTimePrekey!.publicKey)
    const ss = mlKem768.decapsulate(a.initial.kemCiphertext, kem.secretKey)
    const ikm = new Uint8Array([...new Uint8Array(32).fill(0xff), ...dh1, ...dh2, ...dh3, ...dh4, ...ss])
    assert.deepEqual(a.sharedKey, hkdf(sha256, ikm, new Uint8Array(32), PQXDH_INFO, 32))
    assert.equal(new TextDecoder().decode(PQXDH_INFO), 'Ferry_PQXDH_X25519_SHA-256_ML-KEM-768')

    const enc = (type: number, raw: Uint8Array): number[] => [type, ...raw]
    const prefix = new Uint8Array([
      ...enc(KEY_TYPE.ed25519, alice.id.identityKey.publicKey.raw), ...enc(KEY_TYPE.x25519, alice.dh.publicKey),
      ...enc(KEY_TYPE.ed25519, bob.id.identityKey.publicKey.raw), ...enc(KEY_TYPE.x25519, bobDh.publicKey)])
    assert.equal(a.associatedData.byteLength, prefix.byteLength + 32)
    assert.deepEqual(a.associatedData.subarray(0, prefix.byteLength), prefix)
    const transcript = new Uint8Array([
      ...new TextEncoder().encode('Ferry_PQXDH_transcript_v1'),
      ...enc(KEY_TYPE.x25519, bundle.signedPrekey.publicKey), ...enc(KEY_TYPE.mlKem768, bundle.kemPrekey.publicKey),
      ...enc(KEY_TYPE.x25519, ek.publicKey), ...enc(KEY_TYPE.mlKem768, a.initial.kemCiphertext),
      ...enc(KEY_TYPE.x25519, bundle.oneTimePrekey!.publicKey)])
    assert.deepEqual(a.associatedData.subarray(prefix.byteLength), sha256(transcript))
  })

  it('uses a one-time prekey at most once', async () => {
    const bundle = await createBundle(crypto, bob.id, bob.store, { withOneTime: true })
    const first = await initiate(crypto, alice.id, alice.dh, bundle)
    const second = await initiate(crypto, alice.id, alice.dh, bundle) // same OPK, fresh ephemeral key
    assert.notDeepEqual(second.initial.ephemeral, first.initial.ephemeral)
    await respond(crypto, bob.id, bob.store, first.initial)
    await assert.rejects(respond(crypto, bob.id, bob.store, second.initial), UnknownPrekeyError)
    assert.equal(await bob.store.takeOneTimePrekey(bundle.oneTimePrekey!.id), undefined)
  })

  it('rejects a replayed initial message, also when re-encoded with an extra protobuf field', async () => {
    const bundle = await createBundle(crypto, bob.id, bob.store, { withOneTime: false })
    const a = await initiate(crypto, alice.id, alice.dh, bundle)
    const bytes = encodeInitial(a.initial)
    await respond(crypto, bob.id, bob.store, decodeInitial(bytes))
    await assert.rejects(respond(crypto, bob.id, bob.store, decodeInitial(bytes)), ReplayedInitialMessageError)
    const reencoded = new Uint8Array([...bytes, 0x7a, 0x01, 0x00]) // unknown field 15
    assert.deepEqual(decodeInitial(reencoded), a.initial)
    await assert.rejects(respond(crypto, bob.id, bob.store, decodeInitial(reencoded)), ReplayedInitialMessageError)
  })

  it('rejects a replayed initial message that used a one-time prekey', async () => {
    const a = await initiate(crypto, alice.id, alice.dh, await createBundle(crypto, bob.id, bob.store, { withOneTime: true }))
    await respond(crypto, bob.id, bob.store, a.initial)
    // refused before any work by the seen mark (its one-time prekey is gone too)
    await assert.rejects(respond(crypto, bob.id, bob.store, a.initial), ReplayedInitialMessageError)
  })

  it('refuses a replay before any signature check, X25519 or ML-KEM work', async () => {
    const calls = { verify: 0, x25519: 0, kemDecapsulate: 0 }
    const counting = { ...crypto }
    for (const name of Object.keys(calls) as Array<keyof typeof calls>) {
      const original = (crypto as any)[name].bind(crypto)
      ;(counting as any)[name] = async (...args: any[]) => { calls[name]++; return original(...args) }
    }
    for (const withOneTime of [false, true]) {
      const a = await initiate(crypto, alice.id, alice.dh, await createBundle(crypto, bob.id, bob.store, { withOneTime }))
      await respond(counting, bob.id, bob.store, a.initial)
      assert.ok(calls.kemDecapsulate === 1 && calls.x25519 >= 3, 'the first answer does the work')
      for (const k of Object.keys(calls) as Array<keyof typeof calls>) calls[k] = 0
      for (let i = 0; i < 5; i++) await assert.rejects(prepareResponse(counting, bob.id, bob.store, a.initial), ReplayedInitialMessageError)
      assert.deepEqual(calls, { verify: 0, x25519: 0, kemDecapsulate: 0 }, `five replays (one-time prekey: ${withOneTime}) cost no public-key work`)
    }
  })

  it('prepareResponse consumes nothing until commit(); commit() twice is a replay', async () => {
    const a = await initiate(crypto, alice.id, alice.dh, await createBundle(crypto, bob.id, bob.store, { withOneTime: true }))
    const first = await prepareResponse(crypto, bob.id, bob.store, a.initial)
    const second = await prepareResponse(crypto, bob.id, bob.store, a.initial) // not consumed yet
    assert.deepEqual(first.sharedKey, second.sharedKey)
    await first.commit()
    await assert.rejects(second.commit(), ReplayedInitialMessageError)
  })

  describe('a tampered initial message is rejected or yields a different SK', () => {
    let bundle: PrekeyBundle
    let a: Awaited<ReturnType<typeof initiate>>

    beforeEach(async () => {
      bundle = await createBundle(crypto, bob.id, bob.store, { withOneTime: false })
      a = await initiate(crypto, alice.id, alice.dh, bundle)
    })

    it('ephemeral key: every bit', async () => {
      for (let bit = 0; bit < 256; bit++) {
        const key = await bobsKey(bob, { ...a.initial, ephemeral: flip(a.initial.ephemeral, bit) })
        if (key instanceof Error) assert.equal(key.name, 'InvalidInitialMessageError', `bit ${bit}`)
        else assert.notDeepEqual(key, a.sharedKey, `bit ${bit}`)
      }
    })

    it('KEM ciphertext: a bit in each 64-byte stretch gives a different SK (ML-KEM implicit rejection)', async () => {
      for (let byte = 0; byte < a.initial.kemCiphertext.byteLength; byte += 64) {
        const key = await bobsKey(bob, { ...a.initial, kemCiphertext: flip(a.initial.kemCiphertext, byte * 8 + (byte % 8)) })
        assert.ok(!(key instanceof Error), `byte ${byte}: ${String(key)}`)
        assert.notDeepEqual(key, a.sharedKey, `byte ${byte}`)
      }
    })

    for (const field of ['identity', 'identityDh', 'identityDhSignature'] as const) {
      it(`${field}: rejected, its signature no longer holds`, async () => {
        for (const bit of [0, 77, 255]) {
          const key = await bobsKey(bob, { ...a.initial, [field]: flip(a.initial[field], bit) })
          assert.ok(key instanceof InvalidInitialMessageError, `bit ${bit}: ${String(key)}`)
        }
      })
    }

    it('prekey ids: unknown prekeys are rejected; dropping the one-time prekey id changes SK', async () => {
      for (const edit of [{ signedPrekeyId: a.initial.signedPrekeyId ^ 1 }, { kemPrekeyId: a.initial.kemPrekeyId ^ 4 }, { oneTimePrekeyId: 999 }]) {
        assert.ok(await bobsKey(bob, { ...a.initial, ...edit }) instanceof UnknownPrekeyError, JSON.stringify(edit))
      }
      const withOne = await initiate(crypto, alice.id, alice.dh, await createBundle(crypto, bob.id, bob.store, { withOneTime: true }))
      const key = await bobsKey(bob, { ...withOne.initial, oneTimePrekeyId: undefined })
      assert.ok(!(key instanceof Error))
      assert.notDeepEqual(key, withOne.sharedKey)
    })

    it('a sender claiming another identity with her own identity DH key is rejected', async () => {
      const mallory = await party()
      const forged = await initiate(crypto, mallory.id, mallory.dh, bundle)
      const key = await bobsKey(bob, { ...forged.initial, identity: alice.id.identityKey.publicKey.raw })
      assert.ok(key instanceof InvalidInitialMessageError)
    })
  })

  it('rejects a low-order ephemeral key without using up the one-time prekey', async () => {
    const bundle = await createBundle(crypto, bob.id, bob.store, { withOneTime: true })
    const a = await initiate(crypto, alice.id, alice.dh, bundle)
    const lowOrder = new Uint8Array(32) // u = 0
    await assert.rejects(respond(crypto, bob.id, bob.store, { ...a.initial, ephemeral: lowOrder }), InvalidInitialMessageError)
    const b = await respond(crypto, bob.id, bob.store, a.initial)
    assert.deepEqual(b.sharedKey, a.sharedKey)
  })

  it('initiate verifies the bundle first, and rejects a low-order (unsigned) one-time prekey', async () => {
    const bundle = await createBundle(crypto, bob.id, bob.store, { withOneTime: true })
    const swapped = structuredClone(bundle)
    swapped.signedPrekey.publicKey = (await crypto.x25519Generate()).publicKey
    await assert.rejects(initiate(crypto, alice.id, alice.dh, swapped), InvalidBundleError)
    const lowOrder = structuredClone(bundle)
    lowOrder.oneTimePrekey = { id: 1, publicKey: Uint8Array.of(1, ...new Uint8Array(31)) } // u = 1
    await assert.rejects(initiate(crypto, alice.id, alice.dh, lowOrder), InvalidBundleError)
  })

  it('initiate refuses an identity DH key pair whose halves do not match', async () => {
    const bundle = await createBundle(crypto, bob.id, bob.store, { withOneTime: false })
    const mismatched = { privateKey: alice.dh.privateKey, publicKey: (await crypto.x25519Generate()).publicKey }
    await assert.rejects(initiate(crypto, alice.id, mismatched, bundle), { name: 'InvalidInputError' })
  })

  describe('encoding', () => {
    let initial: InitialMessage
    before(async () => {
      const [a, b] = [await party(), await party(1)]
      initial = (await initiate(crypto, a.id, a.dh, await createBundle(crypto, b.id, b.store, { withOneTime: true }))).initial
    })

    it('round-trips, with and without a one-time prekey id', () => {
      assert.deepEqual(decodeInitial(encodeInitial(initial)), initial)
      const { oneTimePrekeyId, ...without } = initial
      assert.ok(oneTimePrekeyId != null)
      assert.deepEqual(decodeInitial(encodeInitial(without)), without)
      assert.ok(encodeInitial(initial).byteLength <= MAX_INITIAL_MESSAGE_BYTES)
    })

    it('rejects keys of the wrong type (no key confusion) and other versions', () => {
      const bytes = encodeInitial(initial)
      const edit = (f: (pb: InitialMessagePb) => void): Uint8Array => {
        const pb = InitialMessagePb.decode(bytes)
        f(pb)
        return InitialMessagePb.encode(pb)
      }
      const cases: Array<[string, (pb: InitialMessagePb) => void]> = [
        ['X25519 key as the KEM ciphertext', pb => { pb.kemCiphertext = Uint8Array.of(KEY_TYPE.x25519, ...initial.ephemeral) }],
        ['X25519 type byte on the ciphertext', pb => { pb.kemCiphertext[0] = KEY_TYPE.x25519 }],
        ['ML-KEM type byte on the ephemeral key', pb => { pb.ephemeral[0] = KEY_TYPE.mlKem768 }],
        ['Ed25519 identity as the identity DH key', pb => { pb.identityDh = Uint8Array.of(KEY_TYPE.ed25519, ...initial.identity) }],
        ['X25519 key as the identity', pb => { pb.identity = Uint8Array.of(KEY_TYPE.x25519, ...initial.identityDh) }],
        ['a non-canonical ephemeral key', pb => { pb.ephemeral[32] |= 0x80 }],
        ['another format version', pb => { pb.version = 0 }]
      ]
      for (const [name, f] of cases) assert.throws(() => decodeInitial(edit(f)), InvalidInitialMessageError, name)
    })

    it('rejects oversized input before decoding, and malformed fields on encode', () => {
      assert.throws(() => decodeInitial(new Uint8Array(MAX_INITIAL_MESSAGE_BYTES + 1)), /exceeds/)
      assert.throws(() => decodeInitial(Uint8Array.of(0x4a, 0xff, 0xff, 0xff, 0xff, 0x07)), /does not decode/)
      assert.throws(() => encodeInitial({ ...initial, kemCiphertext: new Uint8Array(1087) }), InvalidInitialMessageError)
      assert.throws(() => encodeInitial({ ...initial, signedPrekeyId: -1 }), InvalidInitialMessageError)
    })
  })
})
