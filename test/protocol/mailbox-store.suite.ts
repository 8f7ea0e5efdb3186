/**
 * The MailboxStore compliance suite: the behaviours every implementation
 * must show, run against the in-memory store (test/protocol/mailbox-store.spec.ts), SQLite
 * (test/node/mailbox-store-sqlite.spec.ts) and IndexedDB (bundled for Chromium). Only the assert
 * methods equal, deepEqual, ok, rejects and notEqual are used: the browser shim has exactly those.
 * Times are plain numbers passed in; nothing sleeps.
 */
import assert from 'node:assert/strict'
import { QuotaExceededError } from '../../protocol/errors.js'
import type { AckedItem, DepositLimits, HostedOwner, MailboxItem, MailboxStore } from '../../protocol/stores/stores.js'

const ALICE = '12D3KooWAliceAliceAliceAliceAliceAliceAliceAlice'
const BOB = '12D3KooWBobBobBobBobBobBobBobBobBobBobBobBobBob'
const XAVIER = '12D3KooWXavierXavierXavierXavierXavierXavierXa'
const YVONNE = '12D3KooWYvonneYvonneYvonneYvonneYvonneYvonneYv'

const ROOMY: DepositLimits = { depositorBytes: 1e9, depositorMessages: 1e6, ownerBytes: 1e9, ownerMessages: 1e6, totalBytes: 1e9 }
/** mail deposited at T0 lives until T0 + TTL */
const T0 = 1_000_000
const TTL = 60_000

/** A 128-bit message id in lower-case hex. */
function id (n: number): string {
  return n.toString(16).padStart(32, '0')
}

/** Mail number `n`: its envelope is `size` bytes of n, stored at T0 + n. */
/** acks of mail XAVIER deposited */
const acks = (...ids: string[]): AckedItem[] => ids.map(i => ({ id: i, depositor: XAVIER }))

function mail (n: number, fields: Partial<MailboxItem> & { size?: number } = {}): MailboxItem {
  const { size = 100, ...rest } = fields
  return { owner: ALICE, id: id(n), depositor: XAVIER, envelope: new Uint8Array(size).fill(n), hash: new Uint8Array(32).fill(255 - n), expiresAt: T0 + TTL, storedAt: T0 + n, ...rest }
}

function owner (peer: string, name: string, fields: Partial<HostedOwner> = {}): HostedOwner {
  return { peer, identity: new Uint8Array(32).fill(name.length), name, quotaBytes: 1 << 20, quotaMessages: 100, maxTtlMs: 86_400_000, addedAt: 500, ...fields }
}

/**
 * Define the compliance tests for one MailboxStore implementation.
 *
 * @param name - what the describe block is called
 * @param make - a fresh, empty store for each test
 */
export function mailboxStoreCompliance (name: string, make: () => Promise<MailboxStore> | MailboxStore): void {
  describe(`${name} MailboxStore (compliance)`, () => {
    let store: MailboxStore

    beforeEach(async () => {
      store = await make()
    })

    /** Deposit items one batch, each under `limits`. */
    async function deposit (items: MailboxItem[], limits: DepositLimits = ROOMY): Promise<Array<{ storedAt: number, duplicate: boolean } | Error>> {
      return store.deposit(items.map(item => ({ item, limits })))
    }

    /** ids of the owner's live mail at `now`, in fetch order */
    async function waiting (peer = ALICE, now = T0): Promise<string[]> {
      return (await store.fetch(peer, 0, 1000, now)).map(i => i.id)
    }

    const quotaRefused = (r: unknown): boolean => r instanceof QuotaExceededError && r.name === 'QuotaExceededError'

    describe('hosting agreements', () => {
      it('returns a hosted owner with every field, lists all owners, and nothing for a stranger', async () => {
        await store.host(owner(BOB, 'bob'))
        await store.host(owner(ALICE, 'alice'))
        assert.deepEqual(await store.hosted(ALICE), [owner(ALICE, 'alice')])
        assert.deepEqual((await store.hosted()).map(o => o.peer).sort(), [ALICE, BOB].sort())
        assert.deepEqual(await store.hosted(XAVIER), [])
      })

      it('changes an owner\'s limits when hosted again, keeping one agreement', async () => {
        await store.host(owner(ALICE, 'alice'))
        await store.host(owner(ALICE, 'alice2', { identity: new Uint8Array(32).fill(9), quotaBytes: 2048, quotaMessages: 3, maxTtlMs: 1000 }))
        const [got, ...rest] = await store.hosted(ALICE)
        assert.deepEqual([got.name, got.identity, got.quotaBytes, got.quotaMessages, got.maxTtlMs], ['alice2', new Uint8Array(32).fill(9), 2048, 3, 1000])
        assert.equal(rest.length, 0)
        assert.equal((await store.hosted()).length, 1)
      })

      it('keeps its own copy of the identity key', async () => {
        const o = owner(ALICE, 'alice')
        await store.host(o)
        o.identity.fill(0)
        assert.deepEqual((await store.hosted(ALICE))[0].identity, owner(ALICE, 'alice').identity)
      })

      it('hands out copies: changing a returned owner changes nothing stored', async () => {
        await store.host(owner(ALICE, 'alice'))
        const [one] = await store.hosted(ALICE)
        const [all] = await store.hosted()
        for (const o of [one, all]) { o.identity.fill(0); o.quotaBytes = 99 }
        for (const [again] of [await store.hosted(ALICE), await store.hosted()]) {
          assert.deepEqual([again.identity, again.quotaBytes], [owner(ALICE, 'alice').identity, owner(ALICE, 'alice').quotaBytes])
        }
      })

      it('unhosting ends the agreement and deletes that owner\'s mail and prekeys only', async () => {
        await store.host(owner(ALICE, 'alice'))
        await store.host(owner(BOB, 'bob'))
        await deposit([mail(1), mail(2, { owner: BOB, size: 30 })])
        await store.addPrekeys(ALICE, [Uint8Array.of(1)])
        await store.unhost(ALICE)

        assert.deepEqual([await store.hosted(ALICE), await waiting(ALICE), await store.countPrekeys(ALICE)], [[], [], 0])
        assert.deepEqual([await store.usage(ALICE), await store.usage(ALICE, XAVIER)], [{ bytes: 0, messages: 0 }, { bytes: 0, messages: 0 }])
        assert.deepEqual([await waiting(BOB), await store.totalBytes()], [[id(2)], 30])
      })

      it('keeps an owner\'s revocations through unhosting: hosting again revives no revoked capability', async () => {
        const sender = new Uint8Array(32).fill(7)
        await store.host(owner(ALICE, 'alice'))
        await store.revoke(ALICE, sender, T0)
        await store.revoke(BOB, sender, T0 + 1)
        await store.unhost(ALICE)
        assert.equal(await store.revokedBefore(ALICE, sender), T0)
        await store.host(owner(ALICE, 'alice'))
        assert.deepEqual([await store.revokedBefore(ALICE, sender), await store.revokedBefore(BOB, sender)], [T0, T0 + 1])
      })
    })

    describe('deposits', () => {
      it('stores a deposit and hands it back with every field and a cursor', async () => {
        assert.deepEqual(await deposit([mail(1)]), [{ storedAt: T0 + 1, duplicate: false }])
        const [got, ...rest] = await store.fetch(ALICE, 0, 10, T0)
        const { cursor, ...item } = got
        assert.deepEqual(item, mail(1))
        assert.equal(typeof cursor, 'number')
        assert.equal(rest.length, 0)
      })

      it('answers a repeated id from the same depositor with the original storedAt and writes nothing', async () => {
        await deposit([mail(1)])
        const again = await deposit([mail(1, { size: 7, storedAt: T0 + 500 })])
        assert.deepEqual(again, [{ storedAt: T0 + 1, duplicate: true }])
        const fetched = await store.fetch(ALICE, 0, 10, T0)
        assert.deepEqual(fetched.map(i => [i.depositor, i.envelope.byteLength]), [[XAVIER, 100]])
        assert.deepEqual(await store.usage(ALICE), { bytes: 100, messages: 1 })
      })

      it('keeps the same id from another depositor as other mail, and an ack deletes only the one named', async () => {
        // a depositor that saw an id (a sibling host) cannot squat it: the real mail is still kept
        await deposit([mail(1, { depositor: YVONNE, size: 7 })])
        assert.deepEqual(await deposit([mail(1, { storedAt: T0 + 500 })]), [{ storedAt: T0 + 500, duplicate: false }])
        assert.deepEqual((await store.fetch(ALICE, 0, 10, T0)).map(i => [i.depositor, i.envelope.byteLength]), [[YVONNE, 7], [XAVIER, 100]])
        assert.deepEqual(await store.ack(ALICE, [{ id: id(1), depositor: YVONNE }], new Map()), [id(1)])
        assert.deepEqual((await store.fetch(ALICE, 0, 10, T0)).map(i => i.depositor), [XAVIER])
      })

      it('answers a repeated id within one batch as a duplicate', async () => {
        const results = await deposit([mail(1), mail(1, { storedAt: T0 + 9 })])
        assert.deepEqual(results, [{ storedAt: T0 + 1, duplicate: false }, { storedAt: T0 + 1, duplicate: true }])
        assert.deepEqual(await store.usage(ALICE), { bytes: 100, messages: 1 })
      })

      it('answers a retried deposit as a duplicate even when the quota is now full', async () => {
        const full = { ...ROOMY, depositorMessages: 1 }
        await deposit([mail(1)], full)
        assert.deepEqual(await deposit([mail(1)], full), [{ storedAt: T0 + 1, duplicate: true }])
      })

      it('keeps the same id apart for different owners', async () => {
        const results = await deposit([mail(1), mail(1, { owner: BOB, storedAt: T0 + 7 })])
        assert.deepEqual(results, [{ storedAt: T0 + 1, duplicate: false }, { storedAt: T0 + 7, duplicate: false }])
        assert.deepEqual([await waiting(ALICE), await waiting(BOB)], [[id(1)], [id(1)]])
      })

      it('keeps its own copy of the envelope, and hands out copies', async () => {
        const item = mail(1)
        await deposit([item])
        item.envelope.fill(0)
        item.hash.fill(0)
        const [handedOut] = await store.fetch(ALICE, 0, 10, T0)
        handedOut.envelope.fill(0)
        const [got] = await store.fetch(ALICE, 0, 10, T0)
        assert.deepEqual([got.envelope, got.hash], [mail(1).envelope, mail(1).hash])
      })
    })

    describe('quotas (checked per deposit, inside the batch)', () => {
      it('refuses a depositor\'s deposit over its message quota and stores the others of the batch', async () => {
        const results = await deposit([mail(1), mail(2), mail(3), mail(4, { depositor: YVONNE })], { ...ROOMY, depositorMessages: 2 })
        assert.deepEqual(results.slice(0, 2), [{ storedAt: T0 + 1, duplicate: false }, { storedAt: T0 + 2, duplicate: false }])
        assert.ok(quotaRefused(results[2]), 'the third deposit of one depositor is refused')
        assert.deepEqual(results[3], { storedAt: T0 + 4, duplicate: false })
        assert.deepEqual(await waiting(), [id(1), id(2), id(4)])
        assert.deepEqual(await store.usage(ALICE, XAVIER), { bytes: 200, messages: 2 })
      })

      it('accepts a depositor\'s bytes up to its quota exactly, not one byte more', async () => {
        const limits = { ...ROOMY, depositorBytes: 250 }
        await deposit([mail(1), mail(2)], limits)
        const [over, fits] = await deposit([mail(3, { size: 51 }), mail(4, { size: 50 })], limits)
        assert.ok(quotaRefused(over), 'one byte over is refused')
        assert.deepEqual(fits, { storedAt: T0 + 4, duplicate: false })
        assert.ok(quotaRefused((await deposit([mail(5, { size: 1 })], limits))[0]))
        assert.deepEqual(await deposit([mail(6, { size: 1, depositor: YVONNE })], limits), [{ storedAt: T0 + 6, duplicate: false }])
      })

      it('refuses deposits over the owner\'s message quota, whoever deposits', async () => {
        const limits = { ...ROOMY, ownerMessages: 2 }
        const results = await deposit([mail(1), mail(2, { depositor: YVONNE }), mail(3, { depositor: YVONNE }), mail(4, { owner: BOB })], limits)
        assert.ok(quotaRefused(results[2]), 'the owner\'s third message is refused')
        assert.deepEqual(results[3], { storedAt: T0 + 4, duplicate: false })
        assert.deepEqual(await waiting(), [id(1), id(2)])
      })

      it('refuses deposits over the owner\'s byte quota, whoever deposits', async () => {
        const limits = { ...ROOMY, ownerBytes: 150 }
        const results = await deposit([mail(1), mail(2, { depositor: YVONNE }), mail(3, { depositor: YVONNE, size: 50 }), mail(4, { owner: BOB })], limits)
        assert.ok(quotaRefused(results[1]), 'the owner\'s mailbox has 50 bytes left, not 100')
        assert.deepEqual([results[2], results[3]], [{ storedAt: T0 + 3, duplicate: false }, { storedAt: T0 + 4, duplicate: false }])
        assert.deepEqual(await store.usage(ALICE), { bytes: 150, messages: 2 })
      })

      it('refuses deposits over the host\'s total bytes, across owners', async () => {
        const limits = { ...ROOMY, totalBytes: 250 }
        const results = await deposit([mail(1), mail(2, { owner: BOB, depositor: YVONNE }), mail(3, { owner: BOB, depositor: YVONNE }), mail(4, { size: 50 })], limits)
        assert.ok(quotaRefused(results[2]), 'the host is full')
        assert.deepEqual(results[3], { storedAt: T0 + 4, duplicate: false })
        assert.equal(await store.totalBytes(), 250)
      })

      it('frees the quota, and the id, once mail is acked', async () => {
        const limits = { ...ROOMY, depositorMessages: 1 }
        await deposit([mail(1)], limits)
        await store.ack(ALICE, acks(id(1)), new Map())
        assert.deepEqual(await deposit([mail(1, { storedAt: T0 + 50 })], limits), [{ storedAt: T0 + 50, duplicate: false }])
      })
    })

    describe('usage', () => {
      it('counts bytes and messages per owner, per depositor, and in total', async () => {
        assert.deepEqual(await store.usage(ALICE), { bytes: 0, messages: 0 })
        assert.equal(await store.totalBytes(), 0)
        await deposit([mail(1, { size: 10 }), mail(2, { size: 20, depositor: YVONNE }), mail(3, { size: 40 }), mail(4, { size: 80, owner: BOB })])
        const usages = async (): Promise<number[][]> => (await Promise.all([store.usage(ALICE), store.usage(ALICE, XAVIER), store.usage(ALICE, YVONNE), store.usage(BOB, XAVIER), store.usage(BOB, YVONNE)]))
          .map(u => [u.bytes, u.messages])
        assert.deepEqual(await usages(), [[70, 3], [50, 2], [20, 1], [80, 1], [0, 0]])
        assert.equal(await store.totalBytes(), 150)
        await store.ack(ALICE, acks(id(1)), new Map())
        assert.deepEqual(await usages(), [[60, 2], [40, 1], [20, 1], [80, 1], [0, 0]])
        assert.equal(await store.totalBytes(), 140)
      })
    })

    describe('fetch', () => {
      it('pages through an owner\'s mail in deposit order by cursor', async () => {
        await deposit([mail(3), mail(1), mail(5, { owner: BOB }), mail(2)])
        await deposit([mail(4)])
        const all = await store.fetch(ALICE, 0, 10, T0)
        assert.deepEqual(all.map(i => i.id), [3, 1, 2, 4].map(id))
        assert.ok(all.every((item, i) => i === 0 || item.cursor > all[i - 1].cursor), 'cursors grow in deposit order')

        const first = await store.fetch(ALICE, 0, 2, T0)
        const second = await store.fetch(ALICE, first[1].cursor, 2, T0)
        assert.deepEqual([...first, ...second], all)
        assert.deepEqual(await store.fetch(ALICE, all[3].cursor, 2, T0), [])
        assert.deepEqual(await store.fetch(ALICE, 0, 0, T0), [])
      })

      it('resumes after a cursor whose mail was acked, and never hands out a cursor twice', async () => {
        // a cursor is handed out once, above every earlier one, even when the newest mail is gone:
        // acked, swept, or its owner unhosted (then the table may be empty)
        const handedOut: number[] = []
        const cursorOf = async (n: number): Promise<number> => {
          const found = (await store.fetch(ALICE, 0, 1000, T0)).find(i => i.id === id(n))
          assert.ok(found != null, `mail ${n} is waiting`)
          assert.ok(handedOut.every(c => found.cursor > c), `mail ${n} has cursor ${found.cursor}, above all of ${handedOut.join(', ')}`)
          handedOut.push(found.cursor)
          return found.cursor
        }
        await deposit([mail(1), mail(2)])
        await cursorOf(1)
        const b = await cursorOf(2)
        await store.ack(ALICE, acks(id(2)), new Map())
        await deposit([mail(3)])
        assert.deepEqual((await store.fetch(ALICE, b, 10, T0)).map(i => i.id), [id(3)])
        await cursorOf(3)

        await store.ack(ALICE, acks(id(1), id(3)), new Map())
        await deposit([mail(2, { storedAt: T0 + 20 })])
        await cursorOf(2)
        await deposit([mail(4, { expiresAt: T0 + 1 })])
        await cursorOf(4)
        await store.sweep(T0 + 1)
        await deposit([mail(5)])
        await cursorOf(5)
        await store.unhost(ALICE)
        await deposit([mail(6)])
        assert.deepEqual((await store.fetch(ALICE, handedOut[handedOut.length - 1], 10, T0)).map(i => i.id), [id(6)])
        await cursorOf(6)
      })

      it('skips expired mail without counting it against the limit', async () => {
        await deposit([mail(1, { expiresAt: T0 + 10 }), mail(2, { expiresAt: T0 + 11 }), mail(3, { expiresAt: T0 + 20 })])
        assert.deepEqual(await waiting(ALICE, T0 + 9), [id(1), id(2), id(3)])
        assert.deepEqual(await waiting(ALICE, T0 + 10), [id(2), id(3)])
        assert.deepEqual((await store.fetch(ALICE, 0, 1, T0 + 11)).map(i => i.id), [id(3)])
        assert.deepEqual(await waiting(ALICE, T0 + 20), [])
      })
    })

    describe('acks and delivery receipts', () => {
      it('deletes only the owner\'s listed mail and returns the ids it deleted', async () => {
        await deposit([mail(1), mail(2), mail(3), mail(4, { owner: BOB })])
        const deleted = await store.ack(ALICE, acks(id(3), id(9), id(1), id(4), id(3)), new Map())
        assert.deepEqual(deleted, [id(3), id(1)])
        assert.deepEqual(await waiting(), [id(2)])
        assert.deepEqual(await waiting(BOB), [id(4)])
        assert.deepEqual(await store.ack(ALICE, acks(id(1)), new Map()), [])
      })

      it('keeps receipts for their depositors until they are done', async () => {
        await deposit([mail(1), mail(2, { depositor: YVONNE }), mail(3), mail(4)])
        const receipts = new Map([[id(1), Uint8Array.of(1)], [id(2), Uint8Array.of(2)], [id(3), Uint8Array.of(3)], [id(9), Uint8Array.of(9)]])
        await store.ack(ALICE, [...acks(id(1)), { id: id(2), depositor: YVONNE }, ...acks(id(3), id(4))], receipts)
        receipts.get(id(1))?.fill(0)

        const forX = await store.receiptsFor(XAVIER, [])
        assert.deepEqual(forX.map(r => r[0]).sort(), [1, 3])
        assert.deepEqual(await store.receiptsFor(YVONNE, []), [Uint8Array.of(2)])
        assert.deepEqual((await store.receiptsFor(XAVIER, [])).map(r => r[0]).sort(), [1, 3], 'reading does not consume them')
        assert.deepEqual(await store.receiptsFor(XAVIER, [id(1), id(7)]), [Uint8Array.of(3)])
        assert.deepEqual(await store.receiptsFor(XAVIER, [id(3)]), [])
        assert.deepEqual(await store.receiptsFor(YVONNE, []), [Uint8Array.of(2)])
      })

      it('keeps a receipt per owner device: copies of one message to two devices of a person share the id', async () => {
        await deposit([mail(1), mail(1, { owner: BOB })])
        await store.ack(ALICE, acks(id(1)), new Map([[id(1), Uint8Array.of(1)]]))
        await store.ack(BOB, acks(id(1)), new Map([[id(1), Uint8Array.of(2)]]))
        assert.deepEqual((await store.receiptsFor(XAVIER, [])).map(r => r[0]).sort(), [1, 2], 'the second device\'s receipt does not replace the first\'s')
        await store.ack(BOB, acks(id(1)), new Map([[id(1), Uint8Array.of(3)]]))
        assert.deepEqual((await store.receiptsFor(XAVIER, [])).map(r => r[0]).sort(), [1, 2], 'an ack of mail already gone keeps nothing')
        assert.equal(await store.sweep(T0 + TTL), 2, 'each receipt counts')
        assert.deepEqual(await store.receiptsFor(XAVIER, []), [])
      })

      it('a depositor done with an id is done with every device\'s receipt for it', async () => {
        await deposit([mail(1), mail(1, { owner: BOB }), mail(2)])
        await store.ack(ALICE, acks(id(1), id(2)), new Map([[id(1), Uint8Array.of(1)], [id(2), Uint8Array.of(3)]]))
        await store.ack(BOB, acks(id(1)), new Map([[id(1), Uint8Array.of(2)]]))
        assert.deepEqual(await store.receiptsFor(XAVIER, [id(1)]), [Uint8Array.of(3)])
      })

      it('keeps no receipt for mail that was not deleted', async () => {
        await deposit([mail(1, { owner: BOB })])
        assert.deepEqual(await store.ack(ALICE, acks(id(1)), new Map([[id(1), Uint8Array.of(1)]])), [])
        assert.deepEqual(await store.receiptsFor(XAVIER, []), [])
      })
    })

    describe('expiry', () => {
      it('sweeps expired mail, counting it, and frees its quota', async () => {
        await deposit([mail(1, { expiresAt: T0 + 10 }), mail(2, { expiresAt: T0 + 20, size: 30 }), mail(3, { expiresAt: T0 + 30, owner: BOB, size: 40 })])
        assert.deepEqual([await store.sweep(T0 + 9), await store.sweep(T0 + 20), await store.sweep(T0 + 20)], [0, 2, 0])
        assert.deepEqual([await store.usage(ALICE), await store.totalBytes()], [{ bytes: 0, messages: 0 }, 40])
        assert.deepEqual(await store.fetch(ALICE, 0, 10, T0), [], 'swept mail is gone, not only hidden')
        assert.deepEqual(await waiting(BOB, T0), [id(3)])
      })

      it('sweeps delivery receipts once the mail they answer would have expired', async () => {
        await deposit([mail(1, { expiresAt: T0 + 10 }), mail(2, { expiresAt: T0 + 20 })])
        await store.ack(ALICE, acks(id(1), id(2)), new Map([[id(1), Uint8Array.of(1)], [id(2), Uint8Array.of(2)]]))
        assert.equal(await store.sweep(T0 + 10), 1)
        assert.deepEqual(await store.receiptsFor(XAVIER, []), [Uint8Array.of(2)])
      })

      it('reports the earliest expiry of waiting mail and kept receipts', async () => {
        assert.equal(await store.nextExpiry(), undefined)
        await deposit([mail(1, { expiresAt: T0 + 30 }), mail(2, { expiresAt: T0 + 10, owner: BOB }), mail(3, { expiresAt: T0 + 20 })])
        assert.equal(await store.nextExpiry(), T0 + 10)
        await store.ack(BOB, acks(id(2)), new Map([[id(2), Uint8Array.of(2)]]))
        assert.equal(await store.nextExpiry(), T0 + 10, 'the receipt expires with its mail')
        await store.sweep(T0 + 10)
        assert.equal(await store.nextExpiry(), T0 + 20)
        await store.ack(ALICE, acks(id(1), id(3)), new Map())
        assert.equal(await store.nextExpiry(), undefined)
      })
    })

    describe('revocation', () => {
      it('remembers revocations per owner and per sender key', async () => {
        const sender = new Uint8Array(32).fill(7)
        assert.equal(await store.revokedBefore(ALICE, sender), 0)
        await store.revoke(ALICE, sender, T0)
        sender.fill(0)
        assert.equal(await store.revokedBefore(ALICE, new Uint8Array(32).fill(7)), T0)
        assert.equal(await store.revokedBefore(ALICE, new Uint8Array(32).fill(8)), 0)
        assert.equal(await store.revokedBefore(BOB, new Uint8Array(32).fill(7)), 0)
      })

      it('widens a revocation but never narrows it', async () => {
        const sender = new Uint8Array(32).fill(7)
        for (const before of [T0, T0 - 100]) await store.revoke(ALICE, sender, before)
        assert.equal(await store.revokedBefore(ALICE, sender), T0)
        await store.revoke(ALICE, sender, T0 + 100)
        assert.equal(await store.revokedBefore(ALICE, sender), T0 + 100)
      })

      it('keeps the owner\'s revoked senders with the hosts that confirmed each, until allowed again', async () => {
        const a = new Uint8Array(32).fill(1)
        const b = new Uint8Array(32).fill(2)
        assert.deepEqual(await store.revokedSenders(), [])
        await store.revokeSender(a, T0)
        await store.revokeSender(b, T0 + 5)
        await store.markTold(BOB, a)
        await store.markTold(BOB, a)
        await store.markTold(XAVIER, a)
        await store.markTold(BOB, new Uint8Array(32).fill(3)) // not revoked: nothing
        const byKey = async (): Promise<Array<[number, number, string[]]>> => (await store.revokedSenders()).map(r => [r.sender[0], r.before, [...r.told].sort()] as [number, number, string[]]).sort((x, y) => x[0] - y[0])
        assert.deepEqual(await byKey(), [[1, T0, [BOB, XAVIER].sort()], [2, T0 + 5, []]])
        await store.revokeSender(a, T0 - 1) // narrower: changes nothing, told stays
        assert.deepEqual((await byKey())[0], [1, T0, [BOB, XAVIER].sort()])
        await store.revokeSender(a, T0 + 10) // wider: every host must be told again
        assert.deepEqual((await byKey())[0], [1, T0 + 10, []])
        await store.allowSender(a)
        assert.deepEqual(await byKey(), [[2, T0 + 5, []]])
      })
    })

    describe('one-time prekeys', () => {
      it('hands out each of an owner\'s prekeys exactly once', async () => {
        const mine = [Uint8Array.of(1, 1), Uint8Array.of(2, 2), Uint8Array.of(3, 3)]
        await store.addPrekeys(ALICE, mine.slice(0, 2))
        await store.addPrekeys(ALICE, mine.slice(2))
        await store.addPrekeys(BOB, [Uint8Array.of(9)])
        mine[0].fill(0)
        assert.equal(await store.countPrekeys(ALICE), 3)

        const claimed = [await store.claimPrekey(ALICE), await store.claimPrekey(ALICE)]
        assert.equal(await store.countPrekeys(ALICE), 1)
        claimed.push(await store.claimPrekey(ALICE))
        assert.deepEqual(claimed.map(p => p?.[0]).sort(), [1, 2, 3])
        assert.deepEqual(claimed.find(p => p?.[0] === 1), Uint8Array.of(1, 1))
        assert.deepEqual([await store.claimPrekey(ALICE), await store.countPrekeys(ALICE)], [undefined, 0])
        assert.deepEqual([await store.claimPrekey(BOB), await store.countPrekeys(BOB)], [Uint8Array.of(9), 0])
      })
    })

    describe('this node\'s own mailboxes', () => {
      it('keeps the hosts this node\'s mail waits at in order, replacing the list', async () => {
        assert.deepEqual(await store.usedHosts(), [])
        await store.useHosts([BOB, ALICE, XAVIER])
        assert.deepEqual(await store.usedHosts(), [BOB, ALICE, XAVIER])
        await store.useHosts([YVONNE, BOB])
        assert.deepEqual(await store.usedHosts(), [YVONNE, BOB])
        await store.useHosts([])
        assert.deepEqual(await store.usedHosts(), [])
      })

      it('keeps each host once, at its first position', async () => {
        await store.useHosts([BOB, ALICE, BOB, XAVIER, ALICE])
        assert.deepEqual(await store.usedHosts(), [BOB, ALICE, XAVIER])
        await store.useHosts([YVONNE, YVONNE])
        assert.deepEqual(await store.usedHosts(), [YVONNE])
      })

      it('remembers the last capability issued to each peer', async () => {
        assert.equal(await store.issued(ALICE), undefined)
        await store.markIssued(ALICE, `${XAVIER} ${YVONNE}`, T0)
        await store.markIssued(BOB, XAVIER, T0 + 1)
        await store.markIssued(ALICE, YVONNE, T0 + 2)
        assert.deepEqual(await store.issued(ALICE), { hosts: YVONNE, at: T0 + 2 })
        assert.deepEqual(await store.issued(BOB), { hosts: XAVIER, at: T0 + 1 })
      })
    })
  })
}
