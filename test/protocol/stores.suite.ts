/**
 * The store compliance suite: one set of behaviours every ContactStore
 * and MessageStore implementation must show, run against the in-memory stores here and against
 * SQLite in test/node/stores-sqlite.spec.ts.
 */
import assert from 'node:assert/strict'
import { addOut } from './helpers.js'
import { ContactExistsError, InvalidEnvelopeError, UnknownContactError } from '../../protocol/errors.js'
import type { Contact, Custody, FerryStores, IncomingMessage, OutgoingMessage } from '../../protocol/stores/stores.js'

const ALICE = '12D3KooWAliceAliceAliceAliceAliceAliceAliceAlice'
const BOB = '12D3KooWBobBobBobBobBobBobBobBobBobBobBobBobBob'

/** A 128-bit message id in lower-case hex. */
export function messageId (n: number): string {
  return n.toString(16).padStart(32, '0')
}

function contact (name: string, peerId: string, fields: Partial<Contact> = {}): Contact {
  return { name, peerId, addresses: [`/ip4/127.0.0.1/tcp/4001/p2p/${peerId}`], addedAt: 1_000, ...fields }
}

function outgoing (n: number, peer: string, createdAt: number): OutgoingMessage {
  return { id: messageId(n), peer, text: `out ${n}`, status: 'queued', createdAt, expiresAt: createdAt + 60_000, envelope: Uint8Array.from([n, 0, 0x80, 0xff]) }
}

function incoming (n: number, peer: string, receivedAt: number): IncomingMessage {
  return { id: messageId(n), peer, text: `in ${n}`, createdAt: receivedAt - 10, expiresAt: receivedAt + 60_000, receivedAt }
}

/**
 * Define the compliance tests for one implementation.
 *
 * @param name - what the describe block is called
 * @param make - fresh, empty stores for each test
 */
export function storeCompliance (name: string, make: () => Promise<FerryStores> | FerryStores): void {
  describe(`${name} stores (compliance)`, () => {
    let stores: FerryStores

    beforeEach(async () => {
      stores = await make()
    })

    describe('ContactStore', () => {
      it('returns an added contact with every field by name', async () => {
        const identity = Uint8Array.from({ length: 32 }, (_, i) => i)
        await stores.contacts.add(contact('alice', ALICE, { identity, addresses: ['/ip4/10.0.0.1/tcp/1', '/ip6/::1/tcp/2'] }))

        const got = await stores.contacts.get('alice')
        assert.equal(got?.peerId, ALICE)
        assert.deepEqual(got?.identity, identity)
        assert.deepEqual(got?.addresses, ['/ip4/10.0.0.1/tcp/1', '/ip6/::1/tcp/2'])
        assert.equal(got?.addedAt, 1_000)
        assert.equal(await stores.contacts.get('bob'), undefined)
      })

      it('keeps a contact added without an identity key without one', async () => {
        await stores.contacts.add(contact('alice', ALICE))
        assert.equal((await stores.contacts.get('alice'))?.identity, undefined)
      })

      it('refuses a second contact with a taken name and keeps the first', async () => {
        await stores.contacts.add(contact('alice', ALICE))
        await assert.rejects(stores.contacts.add(contact('alice', BOB)), ContactExistsError)
        assert.equal((await stores.contacts.get('alice'))?.peerId, ALICE)
        assert.equal(await stores.contacts.getByPeer(BOB), undefined)
      })

      it('refuses a second contact for a peer that is already a contact', async () => {
        await stores.contacts.add(contact('alice', ALICE))
        await assert.rejects(stores.contacts.add(contact('alice2', ALICE)), ContactExistsError)
        assert.equal(await stores.contacts.get('alice2'), undefined)
      })

      it('replaces the stored fields on update', async () => {
        await stores.contacts.add(contact('alice', ALICE))
        const identity = new Uint8Array(32).fill(7)
        await stores.contacts.update(contact('alice', ALICE, { identity, addresses: ['/dns4/example.org/tcp/443/wss'], addedAt: 2_000 }))

        const got = await stores.contacts.get('alice')
        assert.deepEqual(got?.identity, identity)
        assert.deepEqual(got?.addresses, ['/dns4/example.org/tcp/443/wss'])
        assert.equal(got?.addedAt, 2_000)
      })

      it('refuses to update an unknown contact and does not create it', async () => {
        await assert.rejects(stores.contacts.update(contact('nobody', BOB)), UnknownContactError)
        assert.equal(await stores.contacts.get('nobody'), undefined)
        assert.deepEqual(await stores.contacts.list(), [])
      })

      it('finds a contact by peer id', async () => {
        await stores.contacts.add(contact('alice', ALICE))
        await stores.contacts.add(contact('bob', BOB))
        assert.equal((await stores.contacts.getByPeer(BOB))?.name, 'bob')
        assert.equal(await stores.contacts.getByPeer('12D3KooWNobody'), undefined)
      })

      it('removes a contact by name, and refuses an unknown one', async () => {
        await stores.contacts.add(contact('alice', ALICE))
        await stores.contacts.add(contact('bob', BOB))
        await stores.contacts.remove('alice')
        assert.equal(await stores.contacts.get('alice'), undefined)
        assert.equal(await stores.contacts.getByPeer(ALICE), undefined)
        assert.deepEqual((await stores.contacts.list()).map(c => c.name), ['bob'])
        await assert.rejects(stores.contacts.remove('alice'), UnknownContactError)
        await stores.contacts.add(contact('alice', ALICE)) // the name and the peer are free again
      })

      it('keeps a block list of peers, contacts or not, independent of the contacts', async () => {
        await stores.contacts.add(contact('alice', ALICE))
        assert.deepEqual(await stores.contacts.blocked(), [])
        await stores.contacts.block(ALICE, 1)
        await stores.contacts.block(BOB, 2)
        await stores.contacts.block(BOB, 3) // twice is once
        assert.deepEqual(await stores.contacts.blocked(), [ALICE, BOB].sort())
        await stores.contacts.remove('alice')
        assert.deepEqual(await stores.contacts.blocked(), [ALICE, BOB].sort(), 'removing a contact does not unblock it')
        await stores.contacts.unblock(ALICE)
        await stores.contacts.unblock(ALICE)
        assert.deepEqual(await stores.contacts.blocked(), [BOB])
      })

      it('lists contacts sorted by name', async () => {
        // lower-case ASCII only: see the report on how implementations order other names
        for (const [name, peer] of [['carol', 'p3'], ['alice', 'p1'], ['bob', 'p2']]) await stores.contacts.add(contact(name, peer))
        assert.deepEqual((await stores.contacts.list()).map(c => c.name), ['alice', 'bob', 'carol'])
      })
    })

    describe('MessageStore', () => {
      it('stores an outgoing message as queued and returns its record', async () => {
        const record = await addOut(stores.messages, outgoing(1, ALICE, 100))

        assert.equal(record.id, messageId(1))
        assert.equal(record.direction, 'out')
        assert.equal(record.status, 'queued')
        assert.equal(record.text, 'out 1')
        assert.equal(record.createdAt, 100)
        assert.equal(record.expiresAt, 60_100)
        assert.deepEqual(await stores.messages.get(messageId(1), 'out'), record)
        assert.equal(await stores.messages.get(messageId(1), 'in'), undefined)
      })

      it('refuses an outgoing message whose id is taken', async () => {
        await addOut(stores.messages, outgoing(1, ALICE, 100))
        await assert.rejects(addOut(stores.messages, outgoing(1, BOB, 200)), InvalidEnvelopeError)
        assert.equal((await stores.messages.get(messageId(1), 'out'))?.peer, ALICE)
      })

      it('keeps a copy of a message for another device under the same id, changed only through its device', async () => {
        await addOut(stores.messages, outgoing(1, ALICE, 100))
        await addOut(stores.messages, { ...outgoing(1, BOB, 100), kind: 'copy' })
        await assert.rejects(addOut(stores.messages, { ...outgoing(1, BOB, 100), kind: 'copy' }), InvalidEnvelopeError)
        assert.deepEqual((await stores.messages.list()).map(m => [m.id, m.peer]), [[messageId(1), ALICE]]) // the copy is not history
        assert.deepEqual((await stores.messages.queued(BOB)).map(m => m.id), [messageId(1)]) // but it is sent
        await stores.messages.markDelivered([{ id: messageId(1), peer: BOB, receipt: Uint8Array.from([9]), deliveredAt: 500 }])
        assert.deepEqual((await stores.messages.queued()).map(m => m.peer), [ALICE]) // the first device's row still waits
        assert.deepEqual(await stores.messages.copies?.([messageId(1)]), [{ id: messageId(1), peer: BOB, status: 'delivered' }])
        await stores.messages.markReadByPeer(BOB, [messageId(1)], 600)
        assert.deepEqual(await stores.messages.copies?.([messageId(1)]), [{ id: messageId(1), peer: BOB, status: 'read' }])
        assert.equal((await stores.messages.get(messageId(1), 'out'))?.status, 'queued')
      })

      it('keeps custody per copy: one copy delivered or failed leaves the other stored at the same host', async () => {
        const host = '12D3KooWHostHostHostHostHostHostHostHostHostHost'
        const custody = (n: number): Custody[] => [{ host, storedAt: 200 + n, receipt: Uint8Array.of(n) }]
        const stored = async (): Promise<Array<[string, number[]]>> => (await stores.messages.queued(undefined, { status: 'stored' })).map(m => [m.peer, (m.mailboxes ?? []).map(c => c.receipt[0])])
        await addOut(stores.messages, outgoing(1, ALICE, 100))
        await addOut(stores.messages, { ...outgoing(1, BOB, 100), kind: 'copy' })
        await stores.messages.markStored([{ id: messageId(1), custody: custody(1), peer: ALICE }, { id: messageId(1), custody: custody(2), peer: BOB }])
        assert.deepEqual(await stored(), [[ALICE, [1]], [BOB, [2]]], 'each copy has its own custody at the one host')
        await stores.messages.markDelivered([{ id: messageId(1), peer: ALICE, receipt: Uint8Array.of(9), deliveredAt: 300 }])
        assert.deepEqual(await stored(), [[BOB, [2]]], 'the other copy keeps its custody')
        await stores.messages.markStored([{ id: messageId(1), custody: custody(3), peer: BOB }])
        assert.deepEqual(await stored(), [[BOB, [3]]])
        await stores.messages.markStatus(messageId(1), 'failed', 'gone', BOB)
        assert.deepEqual(await stored(), [])
      })

      it('returns queued messages oldest first with their envelope bytes, per peer or all', async () => {
        await addOut(stores.messages, outgoing(1, ALICE, 100))
        await addOut(stores.messages, outgoing(2, BOB, 200))
        await addOut(stores.messages, outgoing(3, ALICE, 300))

        const forAlice = await stores.messages.queued(ALICE)
        assert.deepEqual(forAlice.map(m => m.id), [messageId(1), messageId(3)])
        assert.deepEqual(forAlice.map(m => m.envelope), [Uint8Array.from([1, 0, 0x80, 0xff]), Uint8Array.from([3, 0, 0x80, 0xff])])
        assert.deepEqual(forAlice.map(m => m.status), ['queued', 'queued'])
        assert.deepEqual((await stores.messages.queued()).map(m => m.id), [messageId(1), messageId(2), messageId(3)])
        assert.equal(await stores.messages.countQueued(), 3)
      })

      it('stores new incoming messages and returns when', async () => {
        const results = await stores.messages.storeIncoming([incoming(1, ALICE, 500), incoming(2, BOB, 501)])

        assert.deepEqual(results, [{ storedAt: 500, duplicate: false }, { storedAt: 501, duplicate: false }])
        const got = await stores.messages.get(messageId(1), 'in')
        assert.equal(got?.direction, 'in')
        assert.equal(got?.peer, ALICE)
        assert.equal(got?.text, 'in 1')
        assert.equal(got?.createdAt, 490)
        assert.equal(got?.expiresAt, 60_500)
        assert.equal(await stores.messages.countQueued(), 0)
      })

      it('flags a repeated id from the same peer as a duplicate with the original storedAt, stored once', async () => {
        await stores.messages.storeIncoming([incoming(1, ALICE, 500)])
        const again = await stores.messages.storeIncoming([{ ...incoming(1, ALICE, 900), text: 'replayed' }])

        assert.deepEqual(again, [{ storedAt: 500, duplicate: true }])
        const all = await stores.messages.list()
        assert.equal(all.length, 1)
        assert.equal(all[0].text, 'in 1')
      })

      it('flags a duplicate within one batch', async () => {
        const results = await stores.messages.storeIncoming([incoming(1, ALICE, 500), incoming(1, ALICE, 501)])
        assert.deepEqual(results, [{ storedAt: 500, duplicate: false }, { storedAt: 500, duplicate: true }])
        assert.equal((await stores.messages.list()).length, 1)
      })

      it('keeps ids unique per sender: the same id from another peer is another message, not a duplicate', async () => {
        // a hop that saw alice's id in clear cannot squat it: bob's message under that id is bob's
        await stores.messages.storeIncoming([incoming(1, ALICE, 500)])
        const results = await stores.messages.storeIncoming([incoming(2, BOB, 600), incoming(1, BOB, 601)])

        assert.deepEqual(results, [{ storedAt: 600, duplicate: false }, { storedAt: 601, duplicate: false }])
        assert.deepEqual((await stores.messages.list({ peer: BOB })).map(m => m.id), [messageId(2), messageId(1)])
        assert.equal((await stores.messages.get(messageId(1), 'in', ALICE))?.text, 'in 1')
        assert.equal((await stores.messages.get(messageId(1), 'in', BOB))?.peer, BOB)
        assert.equal(await stores.messages.storedAt(messageId(1), ALICE), 500)
        assert.equal(await stores.messages.storedAt(messageId(1), BOB), 601)
        // and each is a duplicate only of itself
        assert.deepEqual(await stores.messages.storeIncoming([incoming(1, ALICE, 700)]), [{ storedAt: 500, duplicate: true }])
      })

      it('keeps an unverified sender\'s mark', async () => {
        await stores.messages.storeIncoming([{ ...incoming(1, ALICE, 500), unverified: true }, incoming(2, ALICE, 501)])
        assert.deepEqual((await stores.messages.list()).map(m => m.unverified === true), [true, false])
      })

      it('keeps outgoing and incoming ids apart', async () => {
        await addOut(stores.messages, outgoing(1, ALICE, 100))
        const results = await stores.messages.storeIncoming([incoming(1, BOB, 500)])
        assert.deepEqual(results, [{ storedAt: 500, duplicate: false }])
        assert.equal((await stores.messages.get(messageId(1), 'out'))?.peer, ALICE)
        assert.equal((await stores.messages.get(messageId(1), 'in'))?.peer, BOB)
      })

      it('marks messages delivered: out of the queue, with deliveredAt, once', async () => {
        for (const n of [1, 2, 3]) await addOut(stores.messages, outgoing(n, ALICE, n * 100))
        await stores.messages.markDelivered([
          { id: messageId(1), receipt: Uint8Array.from([9, 1]), deliveredAt: 700 },
          { id: messageId(3), receipt: Uint8Array.from([9, 3]), deliveredAt: 710 },
          { id: messageId(99), receipt: Uint8Array.from([9, 99]), deliveredAt: 720 }
        ])
        await stores.messages.markDelivered([{ id: messageId(1), receipt: Uint8Array.from([9, 1]), deliveredAt: 800 }])
        await stores.messages.markDelivered([])

        const [first, third] = [await stores.messages.get(messageId(1), 'out'), await stores.messages.get(messageId(3), 'out')]
        assert.deepEqual([first?.status, first?.deliveredAt], ['delivered', 700])
        assert.deepEqual([third?.status, third?.deliveredAt], ['delivered', 710])
        assert.equal(await stores.messages.get(messageId(99), 'out'), undefined)
        assert.deepEqual((await stores.messages.queued(ALICE)).map(m => m.id), [messageId(2)])
        assert.equal(await stores.messages.countQueued(), 1)
      })

      it('marks a message expired, out of the queue', async () => {
        await addOut(stores.messages, outgoing(1, ALICE, 100))
        await stores.messages.markStatus(messageId(1), 'expired')

        assert.equal((await stores.messages.get(messageId(1), 'out'))?.status, 'expired')
        assert.deepEqual(await stores.messages.queued(), [])
        assert.equal(await stores.messages.countQueued(), 0)
      })

      it('marks a message failed with the reason', async () => {
        await addOut(stores.messages, outgoing(1, ALICE, 100))
        await stores.messages.markStatus(messageId(1), 'failed', 'receiver refused the message: bad padding')

        const got = await stores.messages.get(messageId(1), 'out')
        assert.equal(got?.status, 'failed')
        assert.equal(got?.error, 'receiver refused the message: bad padding')
        assert.deepEqual(await stores.messages.queued(ALICE), [])
      })

      it('lists messages of both directions in store order, optionally for one peer', async () => {
        await addOut(stores.messages, outgoing(1, ALICE, 300))
        await stores.messages.storeIncoming([incoming(2, BOB, 100)])
        await stores.messages.storeIncoming([incoming(3, ALICE, 200)])
        await addOut(stores.messages, outgoing(4, BOB, 50))

        const all = await stores.messages.list()
        assert.deepEqual(all.map(m => m.id), [1, 2, 3, 4].map(messageId))
        assert.deepEqual(all.map(m => m.direction), ['out', 'in', 'in', 'out'])
        assert.ok(all.every((m, i) => i === 0 || m.seq > all[i - 1].seq), 'seq increases in store order')
        assert.deepEqual((await stores.messages.list({ peer: ALICE })).map(m => m.id), [messageId(1), messageId(3)])
        assert.deepEqual((await stores.messages.list({ limit: 2 })).map(m => m.id), [messageId(1), messageId(2)])
      })

      it('lists the newest N only, oldest first, for everyone or one peer (`ferry messages NAME --last N`)', async () => {
        for (let n = 1; n <= 9; n++) {
          if (n % 3 === 0) await stores.messages.storeIncoming([incoming(n, n % 2 === 0 ? BOB : ALICE, n * 100)])
          else await addOut(stores.messages, outgoing(n, n % 2 === 0 ? BOB : ALICE, n * 100))
        }
        assert.deepEqual((await stores.messages.list({ last: 3 })).map(m => m.id), [7, 8, 9].map(messageId))
        // alice's: 1, 3, 5, 7, 9
        assert.deepEqual((await stores.messages.list({ peer: ALICE, last: 2 })).map(m => m.id), [7, 9].map(messageId))
        assert.deepEqual((await stores.messages.list({ peers: [ALICE, BOB], last: 4 })).map(m => m.id), [6, 7, 8, 9].map(messageId))
        assert.deepEqual((await stores.messages.list({ peer: BOB, last: 50 })).map(m => m.id), [2, 4, 6, 8].map(messageId), 'fewer than N: all of them')
        assert.deepEqual(await stores.messages.list({ last: 0 }), [])
      })

      it('follows changes by rev: a status change bumps rev but keeps seq', async () => {
        await addOut(stores.messages, outgoing(1, ALICE, 100))
        await addOut(stores.messages, outgoing(2, ALICE, 200))
        await stores.messages.storeIncoming([incoming(3, ALICE, 300)])
        const before = await stores.messages.list()
        const mark = Math.max(...before.map(m => m.rev))
        assert.deepEqual(await stores.messages.list({ changedAfter: mark }), [])

        await stores.messages.markDelivered([{ id: messageId(2), receipt: new Uint8Array([1]), deliveredAt: 400 }])
        await stores.messages.markStatus(messageId(1), 'failed', 'no')

        const changed = await stores.messages.list({ changedAfter: mark })
        assert.deepEqual(changed.map(m => m.id), [messageId(1), messageId(2)])
        assert.deepEqual(changed.map(m => m.seq), before.slice(0, 2).map(m => m.seq))
        assert.ok(changed.every(m => m.rev > mark), 'changed records carry a newer rev')
        assert.ok(changed[0].rev > changed[1].rev, 'the later write has the higher rev')
      })

      it('gives every new message a higher rev than any before it', async () => {
        const first = await addOut(stores.messages, outgoing(1, ALICE, 100))
        await stores.messages.storeIncoming([incoming(2, BOB, 200)])
        const second = await stores.messages.get(messageId(2), 'in')
        const third = await addOut(stores.messages, outgoing(3, ALICE, 300))
        assert.ok(first.rev < (second?.rev ?? -1) && (second?.rev ?? Infinity) < third.rev)
        assert.deepEqual((await stores.messages.list({ changedAfter: first.rev })).map(m => m.id), [messageId(2), messageId(3)])
      })

      it('counts queued outgoing messages only', async () => {
        assert.equal(await stores.messages.countQueued(), 0)
        await addOut(stores.messages, outgoing(1, ALICE, 100))
        await addOut(stores.messages, outgoing(2, BOB, 200))
        await addOut(stores.messages, outgoing(3, BOB, 300))
        await stores.messages.storeIncoming([incoming(4, ALICE, 400)])
        await stores.messages.markStatus(messageId(3), 'expired')
        assert.equal(await stores.messages.countQueued(), 2)
      })

      describe('message requests', () => {
        const identity = new Uint8Array(32).fill(9)
        const req = (n: number, peer: string, at: number, fields: Partial<IncomingMessage> = {}): IncomingMessage => ({ ...incoming(n, peer, at), request: true, identity, ...fields })

        it('keeps requests apart from the history: never listed, never unread, one summary per peer', async () => {
          await stores.messages.storeIncoming([req(1, ALICE, 500), req(2, BOB, 510), req(3, ALICE, 520, { text: 'héllo' })])
          assert.deepEqual(await stores.messages.list(), [])
          assert.deepEqual(await stores.messages.unread(), {})
          const list = await stores.messages.requests()
          assert.deepEqual(list.map(r => [r.peer, r.id, r.messages, r.text, r.firstAt, r.receivedAt]), [[ALICE, messageId(1), 2, 'héllo', 500, 520], [BOB, messageId(2), 1, 'in 2', 510, 510]])
          assert.deepEqual(list[0].identity, identity)
          assert.equal(list[0].bytes, 'in 1'.length + 'héllo'.length + 1, 'UTF-8 bytes of the texts')
          assert.deepEqual(await stores.messages.requestUsage(), { peers: 2, messages: 3, bytes: 4 + 6 + 4 })
          assert.deepEqual(await stores.messages.requestUsage(ALICE), { peers: 1, messages: 2, bytes: 10 })
        })

        it('recognises a repeated request as a duplicate, by sender and id', async () => {
          await stores.messages.storeIncoming([req(1, ALICE, 500)])
          assert.deepEqual(await stores.messages.storeIncoming([req(1, ALICE, 600), req(1, BOB, 610)]), [{ storedAt: 500, duplicate: true }, { storedAt: 610, duplicate: false }])
          assert.equal(await stores.messages.storedAt(messageId(1), ALICE), 500)
        })

        it('accepting moves a peer\'s requests into the history in order, with new revs; the others stay', async () => {
          await stores.messages.storeIncoming([incoming(9, BOB, 400)])
          const before = Math.max(...(await stores.messages.list()).map(m => m.rev))
          await stores.messages.storeIncoming([req(1, ALICE, 500), req(2, BOB, 510), req(3, ALICE, 520, { disappearing: true })])
          assert.equal(await stores.messages.acceptRequests(ALICE), 2)
          const moved = await stores.messages.list({ changedAfter: before })
          assert.deepEqual(moved.map(m => [m.id, m.peer, m.direction, m.status, m.deliveredAt, m.disappearing === true]), [[messageId(1), ALICE, 'in', 'delivered', 500, false], [messageId(3), ALICE, 'in', 'delivered', 520, true]])
          assert.deepEqual(await stores.messages.unread(), { [BOB]: 1, [ALICE]: 2 })
          assert.deepEqual((await stores.messages.requests()).map(r => r.peer), [BOB])
          assert.deepEqual(await stores.messages.storeIncoming([incoming(1, ALICE, 900)]), [{ storedAt: 500, duplicate: true }], 'still a duplicate once accepted')
          assert.equal(await stores.messages.acceptRequests(ALICE), 0)
        })

        it('declining deletes a peer\'s requests and its session', async () => {
          await stores.messages.storeIncoming([req(1, ALICE, 500, { session: Uint8Array.from([1, 2, 3]) }), req(2, BOB, 510, { session: Uint8Array.from([4]) })])
          assert.deepEqual(await stores.messages.session(ALICE), Uint8Array.from([1, 2, 3]))
          assert.equal(await stores.messages.dropRequests(ALICE), 1)
          assert.equal(await stores.messages.session(ALICE), undefined)
          assert.deepEqual(await stores.messages.session(BOB), Uint8Array.from([4]))
          assert.deepEqual((await stores.messages.requests()).map(r => r.peer), [BOB])
          assert.equal(await stores.messages.storedAt(messageId(1), ALICE), undefined, 'a declined request is forgotten')
        })

        it('deletes disappearing requests at their expiry, keeps the rest, and tells when the next expires', async () => {
          await stores.messages.storeIncoming([req(1, ALICE, 500, { disappearing: true, expiresAt: 1_000 }), req(2, ALICE, 510, { expiresAt: 2_000 })])
          assert.equal(await stores.messages.nextExpiry(), 1_000)
          assert.equal(await stores.messages.sweepExpired(1_000), 1)
          assert.deepEqual((await stores.messages.requests()).map(r => [r.id, r.messages]), [[messageId(1), 1]].map(() => [messageId(2), 1]))
          assert.equal(await stores.messages.nextExpiry(), undefined)
        })
      })

      describe('read state', () => {
        const statuses = async (ids: number[], direction: 'in' | 'out'): Promise<Array<string | undefined>> =>
          Promise.all(ids.map(async n => (await stores.messages.get(messageId(n), direction))?.status))

        it('markRead turns every delivered message from the peer read, in store order, once', async () => {
          await stores.messages.storeIncoming([incoming(3, ALICE, 300), incoming(1, ALICE, 310), incoming(2, BOB, 320)])
          await stores.messages.storeIncoming([incoming(4, ALICE, 400)])
          await addOut(stores.messages, outgoing(5, ALICE, 410))
          const mark = Math.max(...(await stores.messages.list()).map(m => m.rev))

          assert.deepEqual(await stores.messages.markRead(ALICE), [3, 1, 4].map(messageId))
          assert.deepEqual(await statuses([3, 1, 4], 'in'), ['read', 'read', 'read'])
          assert.deepEqual(await statuses([2], 'in'), ['delivered'])
          assert.deepEqual(await statuses([5], 'out'), ['queued'])
          assert.equal((await stores.messages.get(messageId(1), 'in'))?.deliveredAt, 310, 'deliveredAt stays the time it arrived')
          assert.deepEqual((await stores.messages.list({ changedAfter: mark })).map(m => m.id), [3, 1, 4].map(messageId))
          assert.deepEqual(await stores.messages.markRead(ALICE), [], 'nothing is left to read')
          assert.deepEqual(await stores.messages.storeIncoming([incoming(1, ALICE, 900)]), [{ storedAt: 310, duplicate: true }])
          assert.deepEqual(await statuses([1], 'in'), ['read'], 'a resent copy does not make it unread')
        })

        it('markRead with ids changes only those of them that are unread messages from that peer', async () => {
          await stores.messages.storeIncoming([incoming(1, ALICE, 100), incoming(2, ALICE, 110), incoming(3, BOB, 120)])
          await addOut(stores.messages, outgoing(4, ALICE, 130))

          const changed = await stores.messages.markRead(ALICE, [messageId(2), messageId(3), messageId(4), messageId(99), messageId(2)])
          assert.deepEqual(changed, [messageId(2)])
          assert.deepEqual(await statuses([1, 2, 3], 'in'), ['delivered', 'read', 'delivered'])
          assert.deepEqual(await statuses([4], 'out'), ['queued'])
          assert.deepEqual(await stores.messages.markRead(ALICE, []), [])
          assert.deepEqual(await statuses([1], 'in'), ['delivered'], 'an empty list reads nothing')
        })

        it('counts unread text messages per peer; control messages never count', async () => {
          assert.deepEqual(await stores.messages.unread(), {})
          await stores.messages.storeIncoming([
            incoming(1, ALICE, 100),
            incoming(2, ALICE, 110),
            incoming(3, BOB, 120),
            { ...incoming(4, ALICE, 130), text: '', kind: 'control' },
            { ...incoming(5, BOB, 140), text: '', capability: Uint8Array.from([1, 2]) }
          ])
          await addOut(stores.messages, outgoing(6, ALICE, 150))
          assert.deepEqual(await stores.messages.unread(), { [ALICE]: 2, [BOB]: 1 })

          assert.deepEqual(await stores.messages.markRead(ALICE), [messageId(1), messageId(2)], 'the control message is not read')
          assert.deepEqual(await stores.messages.unread(), { [BOB]: 1 })
          assert.deepEqual((await stores.messages.list()).map(m => m.id), [1, 2, 3, 6].map(messageId), 'control messages stay out of history')
          await stores.messages.markRead(BOB)
          assert.deepEqual(await stores.messages.unread(), {})
        })

        it('markReadByPeer: queued, stored and delivered messages to that peer become read; nothing else changes', async () => {
          for (const n of [1, 2, 3, 4]) await addOut(stores.messages, outgoing(n, ALICE, n * 100))
          await addOut(stores.messages, outgoing(5, BOB, 500))
          await addOut(stores.messages, { ...outgoing(6, ALICE, 600), text: '', kind: 'control' })
          await stores.messages.storeIncoming([incoming(7, ALICE, 700)])
          await stores.messages.markStored([{ id: messageId(2), custody: [{ host: BOB, storedAt: 250, receipt: Uint8Array.from([5]) }] }])
          await stores.messages.markDelivered([{ id: messageId(3), receipt: Uint8Array.from([9]), deliveredAt: 350 }])
          await stores.messages.markStatus(messageId(4), 'failed', 'refused')
          const mark = Math.max(...(await stores.messages.list()).map(m => m.rev))

          await stores.messages.markReadByPeer(ALICE, [1, 2, 3, 4, 5, 6, 7, 99].map(messageId), 900)

          assert.deepEqual(await statuses([1, 2, 3, 4, 5, 6], 'out'), ['read', 'read', 'read', 'failed', 'queued', 'queued'])
          assert.deepEqual(await statuses([7], 'in'), ['delivered'], 'a read receipt names outgoing messages only')
          const [first, second, third] = await Promise.all([1, 2, 3].map(async n => stores.messages.get(messageId(n), 'out')))
          assert.equal(first?.deliveredAt, 900, 'a message read was delivered')
          assert.equal(second?.deliveredAt, 900)
          assert.equal(second?.mailboxes, undefined, 'custody is dropped')
          assert.equal(third?.deliveredAt, 350, 'an earlier delivery time is kept')
          assert.deepEqual((await stores.messages.queued()).map(m => m.id), [messageId(5), messageId(6)])
          assert.equal(await stores.messages.countQueued(), 2)
          assert.deepEqual((await stores.messages.list({ changedAfter: mark })).map(m => m.id), [1, 2, 3].map(messageId))
        })

        it('a read receipt from one peer never changes messages to another', async () => {
          await addOut(stores.messages, outgoing(1, BOB, 100))
          await stores.messages.markDelivered([{ id: messageId(1), receipt: Uint8Array.from([9]), deliveredAt: 150 }])
          await stores.messages.markReadByPeer(ALICE, [messageId(1)], 900)
          assert.deepEqual(await statuses([1], 'out'), ['delivered'])
          await stores.messages.markReadByPeer(BOB, [messageId(1)], 900)
          assert.deepEqual(await statuses([1], 'out'), ['read'])
        })

        it('read stays read: a late delivery receipt or a repeated read receipt changes nothing', async () => {
          await addOut(stores.messages, outgoing(1, ALICE, 100))
          await stores.messages.markReadByPeer(ALICE, [messageId(1)], 500)
          const read = await stores.messages.get(messageId(1), 'out')

          await stores.messages.markDelivered([{ id: messageId(1), receipt: Uint8Array.from([9]), deliveredAt: 600 }])
          await stores.messages.markReadByPeer(ALICE, [messageId(1)], 700)
          await stores.messages.markStored([{ id: messageId(1), custody: [{ host: BOB, storedAt: 650, receipt: Uint8Array.from([5]) }] }])
          assert.deepEqual(await stores.messages.get(messageId(1), 'out'), read)
          assert.equal(read?.deliveredAt, 500)
        })
      })
    })
  })
}
