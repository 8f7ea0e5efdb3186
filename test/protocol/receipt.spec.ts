import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { InvalidReceiptError } from '../../protocol/errors.js'
import { DeliveryReceipt, envelopeHash, signReceipt, signReceipts, verifyReceipt } from '../../protocol/receipts/receipt.js'
import type { ReceiptEntry } from '../../protocol/receipts/receipt.js'
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface'
import { defaultCrypto } from '../../protocol/crypto/backend.js'

const ID = new Uint8Array(16).fill(0x42)
const STORED_AT = 1_700_000_000_123

async function rejects (receipt: DeliveryReceipt, signer: PeerId, id: Uint8Array, hash: Uint8Array, message: RegExp): Promise<void> {
  await assert.rejects(verifyReceipt(receipt, signer, id, hash, defaultCrypto), (err: Error) => err instanceof InvalidReceiptError && message.test(err.message))
}

describe('delivery receipt', () => {
  let key: Ed25519PrivateKey
  let receiver: PeerId
  let hash: Uint8Array
  let receipt: DeliveryReceipt

  before(async () => {
    key = await generateKeyPair('Ed25519')
    receiver = peerIdFromPrivateKey(key)
    hash = await envelopeHash(Uint8Array.from([1, 2, 3]), defaultCrypto)
    receipt = await signReceipt(key, receiver, ID, hash, STORED_AT, defaultCrypto)
  })

  it('hashes envelopes with SHA-256', async () => {
    assert.equal(Buffer.from(await envelopeHash(new TextEncoder().encode('abc'), defaultCrypto)).toString('hex'),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad') // FIPS 180-2 B.1
  })

  it('verifies a receipt signed by the receiver for that message', async () => {
    assert.deepEqual(receipt.messageId, ID)
    assert.equal(receipt.storedAt, STORED_AT)
    await verifyReceipt(receipt, receiver, ID, hash, defaultCrypto)
  })

  it('refuses a receipt for another message id', async () => {
    await rejects(receipt, receiver, new Uint8Array(16).fill(0x43), hash, /another message/)
  })

  it('refuses a receipt for another envelope', async () => {
    await rejects(receipt, receiver, ID, await envelopeHash(Uint8Array.from([1, 2, 4]), defaultCrypto), /hash does not match/)
  })

  it('refuses a receipt signed by another device', async () => {
    const otherKey = await generateKeyPair('Ed25519')
    const forged = await signReceipt(otherKey, peerIdFromPrivateKey(otherKey), ID, hash, STORED_AT, defaultCrypto)
    await rejects(forged, receiver, ID, hash, /signature does not verify/)
    // a genuine receipt cannot be passed off as another device's either: the signer is bound in
    await rejects(receipt, peerIdFromPrivateKey(otherKey), ID, hash, /signature does not verify/)
  })

  it('refuses a tampered signature or storedAt', async () => {
    const signature = receipt.signature.slice()
    signature[10] ^= 0x01
    await rejects({ ...receipt, signature }, receiver, ID, hash, /signature does not verify/)
    await rejects({ ...receipt, storedAt: STORED_AT + 1 }, receiver, ID, hash, /signature does not verify/)
  })
})

describe('delivery receipts signed a window at a time (/ferry/dm/1.1.0)', () => {
  const seed = Number(process.env.FERRY_RECEIPT_SEED ?? Date.now() % 1_000_000)
  let key: Ed25519PrivateKey
  let receiver: PeerId
  /** defaultCrypto, counting signature checks */
  let verifies = 0
  const counting = { ...defaultCrypto, verify: async (k: Uint8Array, d: Uint8Array, s: Uint8Array) => { verifies++; return await defaultCrypto.verify(k, d, s) } }
  let rand = seed
  const next = (n: number): number => { rand = (rand * 1103515245 + 12345) % 2 ** 31; return rand % n }
  const entries = async (n: number): Promise<ReceiptEntry[]> => await Promise.all(Array.from({ length: n }, async (_, i) => ({
    messageId: new Uint8Array(16).fill(i % 256).map((b, j) => j === 0 ? Math.floor(i / 256) : b),
    hash: await envelopeHash(Uint8Array.of(i, i >> 8, 7), defaultCrypto),
    storedAt: STORED_AT + i
  })))

  before(async () => {
    key = await generateKeyPair('Ed25519')
    receiver = peerIdFromPrivateKey(key)
    console.log(`      seed ${seed} (FERRY_RECEIPT_SEED=${seed} replays it)`)
  })

  it('every receipt of windows of 1 to 70 and of random sizes up to 512 verifies on its own, with one signature check per window', async () => {
    const sizes = [...Array.from({ length: 70 }, (_, i) => i + 1), ...Array.from({ length: 4 }, () => 1 + next(512))]
    for (const n of sizes) {
      const es = await entries(n)
      // a key per window: a window of a size already seen would have a root verified before
      const signerKey = await generateKeyPair('Ed25519')
      const signer = peerIdFromPrivateKey(signerKey)
      const receipts = await signReceipts(signerKey, signer, es, defaultCrypto)
      assert.equal(new Set(receipts.map(r => Buffer.from(r.signature).toString('hex'))).size, 1, 'one signature')
      assert.ok(receipts.every(r => r.path.length <= Math.ceil(Math.log2(n))), `paths of at most log2(${n})`)
      verifies = 0
      for (const [i, r] of receipts.entries()) {
        // each as the sender stores and decodes it
        const back = DeliveryReceipt.decode(DeliveryReceipt.encode(r))
        await verifyReceipt(back, signer, es[i].messageId, es[i].hash, counting)
      }
      assert.equal(verifies, 1, `window of ${n}: the signature of its root checked once`)
    }
  })

  it('refuses any change: another message\'s path, a sibling, the index, the count, the time, a longer or shorter path, another signer', async () => {
    const es = await entries(13)
    const rs = await signReceipts(key, receiver, es, defaultCrypto)
    const r = rs[6]
    const check = async (changed: DeliveryReceipt, id = es[6].messageId, hash = es[6].hash, signer = receiver): Promise<void> => {
      await assert.rejects(verifyReceipt(changed, signer, id, hash, defaultCrypto), InvalidReceiptError)
    }
    await check({ ...r, path: rs[5].path })
    const sibling = r.path.map(p => p.slice())
    sibling[1][0] ^= 1
    await check({ ...r, path: sibling })
    await check({ ...r, index: 7 })
    await check({ ...r, count: 14 })
    await check({ ...r, count: 12 })
    await check({ ...r, storedAt: r.storedAt + 1 })
    await check({ ...r, path: [...r.path, r.path[0]] })
    await check({ ...r, path: r.path.slice(1) })
    await check({ ...r, index: 13 })
    await check({ ...r, count: 5000, index: 6 })
    await check({ ...r, path: [new Uint8Array(31), ...r.path.slice(1)] })
    await check(r, es[7].messageId) // a receipt for another message of the window
    await check({ ...r, messageId: es[7].messageId }, es[7].messageId, es[7].hash)
    const other = await generateKeyPair('Ed25519')
    await check(r, es[6].messageId, es[6].hash, peerIdFromPrivateKey(other))
    // a single receipt dressed as a window, and a window receipt stripped of its window
    const single = await signReceipt(key, receiver, es[6].messageId, es[6].hash, es[6].storedAt, defaultCrypto)
    await check({ ...single, count: 1, index: 0 })
    await check({ ...r, count: undefined, index: undefined, path: [] })
    // untouched, it still verifies
    await verifyReceipt(r, receiver, es[6].messageId, es[6].hash, defaultCrypto)
  })
})
