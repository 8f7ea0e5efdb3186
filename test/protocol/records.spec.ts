/**
 * DHT records: signed, namespaced, expiring, size-capped; validators refuse
 * forged, wrong-key, stale, expired, oversized and out-of-namespace records; selectors pick the
 * highest sequence number.
 */
import assert from 'node:assert/strict'
import { fromString } from 'uint8arrays/from-string'
import { encodeBundle } from '../../protocol/crypto/bundle.js'
import { createIdentity, identityToString } from '../../protocol/crypto/identity.js'
import { DeviceList, dhtRecordRules, InvalidRecordError, MAX_RECORD_BYTES, MAX_RECORD_LIFETIME_MS, MailboxSet, recordKey, selectRecord, signRecord, SignedRecord, validateRecord } from '../../protocol/directory/records.js'
import { bundleFor } from './helpers.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import { defaultCrypto } from '../../protocol/crypto/backend.js'

const NOW = 1_700_000_000_000

async function rejects (p: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: Error) => err instanceof InvalidRecordError && message.test(err.message))
}

describe('DHT records', () => {
  let me: Identity
  let other: Identity
  let bundle: Uint8Array
  let devices: Uint8Array

  before(async () => {
    me = await createIdentity()
    other = await createIdentity()
    bundle = encodeBundle(await bundleFor(me))
    devices = DeviceList.encode({ devices: [{ peerId: me.deviceKey.publicKey.toMultihash().bytes, signature: me.deviceSignature }] })
  })

  it('validates each kind under its key and returns the decoded record', async () => {
    const key = recordKey('bundle', me.identityKey.publicKey.raw)
    assert.equal(new TextDecoder().decode(key), `/ferry/bundle/${identityToString(me.identityKey.publicKey.raw)}`)
    const r = await validateRecord(key, await signRecord(me, 'bundle', bundle, { seq: 3, now: NOW }, defaultCrypto), NOW, defaultCrypto)
    assert.equal(r.seq, 3)
    await validateRecord(recordKey('devices', me.identityKey.publicKey.raw), await signRecord(me, 'devices', devices, { seq: 1, now: NOW }, defaultCrypto), NOW, defaultCrypto)
    await validateRecord(recordKey('mailboxes', me.identityKey.publicKey.raw), await signRecord(me, 'mailboxes', MailboxSet.encode({ hosts: [] }), { seq: 1, now: NOW }, defaultCrypto), NOW, defaultCrypto)
  })

  it('refuses forged, wrong-key, wrong-kind and out-of-namespace records', async () => {
    const key = recordKey('bundle', me.identityKey.publicKey.raw)
    const value = await signRecord(me, 'bundle', bundle, { seq: 1, now: NOW }, defaultCrypto)
    const forged = SignedRecord.decode(value)
    forged.seq = 99 // changed after signing
    await rejects(validateRecord(key, SignedRecord.encode(forged), NOW, defaultCrypto), /signature does not verify/)
    await rejects(validateRecord(recordKey('bundle', other.identityKey.publicKey.raw), value, NOW, defaultCrypto), /another identity than its key/)
    await rejects(validateRecord(recordKey('devices', me.identityKey.publicKey.raw), value, NOW, defaultCrypto), /"bundle" record under a "devices" key/)
    await rejects(validateRecord(fromString(`/ipns/${identityToString(me.identityKey.publicKey.raw)}`), value, NOW, defaultCrypto), /outside the \/ferry/)
    await rejects(validateRecord(fromString('/ferry/secrets/zabc'), value, NOW, defaultCrypto), /unknown record kind|not name an identity/)
    // signed by the key's identity, but the payload is someone else's bundle
    const foreign = await signRecord(me, 'bundle', encodeBundle(await bundleFor(other)), { seq: 1, now: NOW }, defaultCrypto)
    await rejects(validateRecord(key, foreign, NOW, defaultCrypto), /bundle of another identity/)
    const badDevices = DeviceList.encode({ devices: [{ peerId: other.deviceKey.publicKey.toMultihash().bytes, signature: other.deviceSignature }] })
    await rejects(validateRecord(recordKey('devices', me.identityKey.publicKey.raw), await signRecord(me, 'devices', badDevices, { seq: 1, now: NOW }, defaultCrypto), NOW, defaultCrypto), /device certificate/)
  })

  it('refuses expired, too-long-lived, oversized and undecodable records', async () => {
    const key = recordKey('bundle', me.identityKey.publicKey.raw)
    const value = await signRecord(me, 'bundle', bundle, { seq: 1, now: NOW, ttlMs: 1000 }, defaultCrypto)
    await rejects(validateRecord(key, value, NOW + 1000, defaultCrypto), /expired/)
    await rejects(validateRecord(key, await signRecord(me, 'bundle', bundle, { seq: 1, now: NOW, ttlMs: MAX_RECORD_LIFETIME_MS + 1 }, defaultCrypto), NOW, defaultCrypto), /too long/)
    await rejects(validateRecord(key, new Uint8Array(MAX_RECORD_BYTES + 1), NOW, defaultCrypto), /exceeds/)
    await rejects(validateRecord(key, Uint8Array.from([0xff, 0xff, 0xff]), NOW, defaultCrypto), /does not decode/)
    await assert.rejects(signRecord(me, 'mailboxes', new Uint8Array(MAX_RECORD_BYTES), { seq: 1, now: NOW }, defaultCrypto), InvalidRecordError)
  })

  it('the DHT rules refuse a stale sequence number and select the highest one', async () => {
    const key = recordKey('bundle', me.identityKey.publicKey.raw)
    const rules = dhtRecordRules(() => NOW, defaultCrypto)
    const v5 = await signRecord(me, 'bundle', bundle, { seq: 5, now: NOW }, defaultCrypto)
    const v4 = await signRecord(me, 'bundle', bundle, { seq: 4, now: NOW }, defaultCrypto)
    const v6 = await signRecord(me, 'bundle', bundle, { seq: 6, now: NOW }, defaultCrypto)
    await rules.validators.ferry(key, v5)
    await rejects(rules.validators.ferry(key, v4), /stale record/)
    await rules.validators.ferry(key, v6)
    assert.equal(rules.selectors.ferry(key, [v5, v6, v4]), 1)
    assert.equal(selectRecord([Uint8Array.from([0xff]), v4]), 1, 'garbage never wins')
  })
})
