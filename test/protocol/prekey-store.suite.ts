/**
 * The PrekeyStore compliance suite: the behaviours every implementation
 * must show, run against MemoryPrekeyStore (test/protocol/prekey-store.spec.ts), SQLite
 * (test/node/stores-sqlite.spec.ts) and IndexedDB in Chromium (test/browser/stores.spec.ts). Only
 * mocha's globals and the assert methods equal, deepEqual, ok, rejects and notEqual are used: the
 * same file is bundled for the browser with a small assert shim. Key material is fixed bytes: the
 * store keeps records, it does not check them.
 */
import assert from 'node:assert/strict'
import type { KeyPair } from '../../protocol/crypto/backend.js'
import type { KemPrekeyRecord, PrekeyStore, SignedPrekeyRecord } from '../../protocol/crypto/prekeys.js'

const bytes = (length: number, fill: number): Uint8Array => new Uint8Array(length).fill(fill)

function pair (n: number): KeyPair {
  return { publicKey: bytes(32, n), privateKey: bytes(32, 255 - n) }
}

function signed (id: number, createdAt: number): SignedPrekeyRecord {
  return { id, createdAt, publicKey: bytes(32, id), privateKey: bytes(32, 100 + id), signature: bytes(64, 200 + id) }
}

function kem (id: number, createdAt: number): KemPrekeyRecord {
  return { id, createdAt, publicKey: bytes(1184, id), secretKey: bytes(2400, 100 + id), signature: bytes(64, 150 + id) }
}

/** A record's fields that are set (an absent retiredAt may come back as a property holding undefined). */
function defined<T extends object> (record: T | undefined): Partial<T> | undefined {
  if (record == null) return undefined
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Partial<T>
}

/**
 * Define the compliance tests for one implementation.
 *
 * @param name - what the describe block is called
 * @param make - a fresh, empty store for each test
 */
export function prekeyStoreCompliance (name: string, make: () => Promise<PrekeyStore> | PrekeyStore): void {
  describe(`${name} PrekeyStore (compliance)`, () => {
    let store: PrekeyStore

    beforeEach(async () => {
      store = await make()
    })

    describe('identity DH key', () => {
      it('has none at first, then keeps the one put, replacing it on a second put', async () => {
        assert.equal(await store.identityDh(), undefined)
        const first = { ...pair(1), signature: bytes(64, 9) }
        await store.putIdentityDh(first)
        assert.deepEqual(await store.identityDh(), { ...pair(1), signature: bytes(64, 9) })
        first.privateKey.fill(0)
        assert.deepEqual((await store.identityDh())?.privateKey, pair(1).privateKey, 'the store keeps its own copy')

        await store.putIdentityDh({ ...pair(2), signature: bytes(64, 8) })
        assert.deepEqual(await store.identityDh(), { ...pair(2), signature: bytes(64, 8) })
      })
    })

    describe('signed and KEM prekeys', () => {
      it('has no current prekeys at first', async () => {
        assert.equal(await store.currentSignedPrekey(), undefined)
        assert.equal(await store.currentKemPrekey(), undefined)
        assert.equal(await store.signedPrekey(1), undefined)
        assert.equal(await store.kemPrekey(1), undefined)
      })

      it('makes both records current, readable by id with every field', async () => {
        await store.putSignedPrekeys(signed(1, 1_000), kem(1, 1_000))
        assert.deepEqual(defined(await store.currentSignedPrekey()), signed(1, 1_000))
        assert.deepEqual(defined(await store.currentKemPrekey()), kem(1, 1_000))
        assert.deepEqual(defined(await store.signedPrekey(1)), signed(1, 1_000))
        assert.deepEqual(defined(await store.kemPrekey(1)), kem(1, 1_000))
        assert.equal((await store.currentSignedPrekey())?.retiredAt, undefined)
      })

      it('retires the previous records at the new ones\' createdAt; they stay readable by id', async () => {
        await store.putSignedPrekeys(signed(1, 1_000), kem(1, 1_000))
        await store.putSignedPrekeys(signed(2, 2_000), kem(2, 2_500))

        assert.deepEqual(defined(await store.currentSignedPrekey()), signed(2, 2_000))
        assert.deepEqual(defined(await store.currentKemPrekey()), kem(2, 2_500))
        assert.deepEqual(defined(await store.signedPrekey(1)), { ...signed(1, 1_000), retiredAt: 2_000 })
        assert.deepEqual(defined(await store.kemPrekey(1)), { ...kem(1, 1_000), retiredAt: 2_500 })
        assert.equal((await store.signedPrekey(2))?.retiredAt, undefined)
      })

      it('removes prekeys retired before a time, keeping later-retired and current ones and the identity DH key', async () => {
        await store.putIdentityDh({ ...pair(1), signature: bytes(64, 9) })
        await store.putSignedPrekeys(signed(1, 1_000), kem(1, 1_000))
        await store.putSignedPrekeys(signed(2, 2_000), kem(2, 2_000))
        await store.putSignedPrekeys(signed(3, 3_000), kem(3, 3_000))
        // 1 retired at 2000, 2 retired at 3000, 3 current

        await store.removeRetiredPrekeys(3_000)
        assert.equal(await store.signedPrekey(1), undefined)
        assert.equal(await store.kemPrekey(1), undefined)
        assert.equal((await store.signedPrekey(2))?.retiredAt, 3_000, 'retired exactly at the time: kept')
        assert.equal((await store.kemPrekey(2))?.retiredAt, 3_000)

        await store.removeRetiredPrekeys(Number.MAX_SAFE_INTEGER)
        assert.equal(await store.signedPrekey(2), undefined)
        assert.equal(await store.kemPrekey(2), undefined)
        assert.deepEqual(defined(await store.currentSignedPrekey()), signed(3, 3_000), 'the current prekey is never removed')
        assert.deepEqual(defined(await store.currentKemPrekey()), kem(3, 3_000))
        assert.notEqual(await store.identityDh(), undefined)
      })

      it('keeps its own copy of a record', async () => {
        const record = signed(1, 1_000)
        await store.putSignedPrekeys(record, kem(1, 1_000))
        record.privateKey.fill(0)
        const got = await store.signedPrekey(1)
        got?.privateKey.fill(7)
        assert.deepEqual((await store.signedPrekey(1))?.privateKey, signed(1, 1_000).privateKey)
      })
    })

    describe('one-time prekeys', () => {
      it('assigns distinct increasing ids and returns each pair by id', async () => {
        const ids = await store.putOneTimePrekeys([pair(1), pair(2), pair(3)])
        assert.equal(ids.length, 3)
        assert.ok(ids.every((id, i) => Number.isInteger(id) && (i === 0 || id > ids[i - 1])), `ids increase: ${ids.join(', ')}`)
        for (const [i, id] of ids.entries()) assert.deepEqual(await store.oneTimePrekey(id), pair(i + 1))
        assert.deepEqual(await store.putOneTimePrekeys([]), [])
      })

      it('never reuses an id, even after the newest prekey was taken', async () => {
        const first = await store.putOneTimePrekeys([pair(1), pair(2)])
        assert.deepEqual(await store.takeOneTimePrekey(first[1]), pair(2))
        assert.deepEqual(await store.takeOneTimePrekey(first[0]), pair(1))
        const second = await store.putOneTimePrekeys([pair(3)])
        assert.ok(second[0] > first[1], `new id ${second[0]} comes after every id handed out (${first.join(', ')})`)
        assert.deepEqual(await store.oneTimePrekey(second[0]), pair(3))
        assert.equal(await store.oneTimePrekey(first[1]), undefined)
      })

      it('issues each one-time prekey once, oldest first, then none', async () => {
        const ids = await store.putOneTimePrekeys([pair(1), pair(2)])
        const issued = [await store.issueOneTimePrekey(), await store.issueOneTimePrekey()]
        assert.deepEqual(issued, [{ id: ids[0], publicKey: pair(1).publicKey }, { id: ids[1], publicKey: pair(2).publicKey }])
        assert.equal(await store.issueOneTimePrekey(), undefined)
        assert.deepEqual(await store.oneTimePrekey(ids[0]), pair(1), 'an issued prekey is still there to answer its initial message')

        const [more] = await store.putOneTimePrekeys([pair(3)])
        assert.deepEqual(await store.issueOneTimePrekey(), { id: more, publicKey: pair(3).publicKey })
      })

      it('takes a one-time prekey once: returned, then gone', async () => {
        const [id] = await store.putOneTimePrekeys([pair(1)])
        assert.deepEqual(await store.oneTimePrekey(id), pair(1), 'looking does not take')
        assert.deepEqual(await store.takeOneTimePrekey(id), pair(1))
        assert.equal(await store.takeOneTimePrekey(id), undefined)
        assert.equal(await store.oneTimePrekey(id), undefined)
        assert.equal(await store.takeOneTimePrekey(id + 1000), undefined)
      })

      it('counts prekeys waiting and handed out; taking one removes it from the count', async () => {
        assert.deepEqual(await store.countOneTimePrekeys(), { unissued: 0, issued: 0 })
        const ids = await store.putOneTimePrekeys([pair(1), pair(2), pair(3)])
        await store.issueOneTimePrekey(1_000)
        await store.issueOneTimePrekey()
        assert.deepEqual(await store.countOneTimePrekeys(), { unissued: 1, issued: 2 })
        await store.takeOneTimePrekey(ids[0])
        assert.deepEqual(await store.countOneTimePrekeys(), { unissued: 1, issued: 1 })
      })

      it('removes prekeys handed out before a time; unissued ones and ones handed out without a time stay', async () => {
        const ids = await store.putOneTimePrekeys([pair(1), pair(2), pair(3), pair(4)])
        assert.deepEqual(await store.issueOneTimePrekey(1_000), { id: ids[0], publicKey: pair(1).publicKey })
        await store.issueOneTimePrekey(2_000)
        await store.issueOneTimePrekey() // left with a mailbox host: kept until used
        assert.equal(await store.removeIssuedOneTimePrekeys(2_000), 1, 'handed out exactly at the time: kept')
        assert.equal(await store.oneTimePrekey(ids[0]), undefined)
        assert.deepEqual(await store.oneTimePrekey(ids[1]), pair(2))
        assert.equal(await store.removeIssuedOneTimePrekeys(Number.MAX_SAFE_INTEGER), 1)
        assert.equal(await store.oneTimePrekey(ids[1]), undefined)
        assert.deepEqual(await store.oneTimePrekey(ids[2]), pair(3), 'no time: never removed')
        assert.deepEqual(await store.oneTimePrekey(ids[3]), pair(4), 'never handed out: never removed')
        assert.deepEqual(await store.countOneTimePrekeys(), { unissued: 1, issued: 1 })
      })

      it('a taken prekey is never issued', async () => {
        const ids = await store.putOneTimePrekeys([pair(1), pair(2)])
        await store.takeOneTimePrekey(ids[0])
        assert.deepEqual(await store.issueOneTimePrekey(), { id: ids[1], publicKey: pair(2).publicKey })
        assert.equal(await store.issueOneTimePrekey(), undefined)
      })
    })

    describe('initial message replay marks', () => {
      it('answers true for a new hash and false for a repeated one', async () => {
        assert.equal(await store.markInitialMessageSeen(bytes(32, 1), 1), true)
        assert.equal(await store.markInitialMessageSeen(bytes(32, 1), 1), false)
        assert.equal(await store.markInitialMessageSeen(bytes(32, 1), 2), false, 'the same hash under another prekey is still a replay')
        assert.equal(await store.markInitialMessageSeen(bytes(32, 2), 1), true)
      })

      it('says whether a hash was marked, without marking it', async () => {
        assert.equal(await store.initialMessageSeen(bytes(32, 1)), false)
        assert.equal(await store.initialMessageSeen(bytes(32, 1)), false, 'asking does not mark')
        assert.equal(await store.markInitialMessageSeen(bytes(32, 1), 1), true)
        assert.equal(await store.initialMessageSeen(bytes(32, 1)), true)
        assert.equal(await store.initialMessageSeen(bytes(32, 2)), false)
      })

      it('forgets the marks of removed signed prekeys only', async () => {
        await store.putSignedPrekeys(signed(1, 1_000), kem(1, 1_000))
        await store.putSignedPrekeys(signed(2, 2_000), kem(2, 2_000))
        assert.equal(await store.markInitialMessageSeen(bytes(32, 1), 1), true)
        assert.equal(await store.markInitialMessageSeen(bytes(32, 2), 2), true)

        await store.removeRetiredPrekeys(Number.MAX_SAFE_INTEGER)
        assert.equal(await store.initialMessageSeen(bytes(32, 1)), false)
        assert.equal(await store.markInitialMessageSeen(bytes(32, 2), 2), false, 'the current prekey\'s marks stay')
        assert.equal(await store.markInitialMessageSeen(bytes(32, 1), 1), true, 'the removed prekey\'s marks are gone with it')
      })
    })
  })
}
