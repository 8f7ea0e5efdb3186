/**
 * What only the IndexedDB stores must show, beyond the shared compliance suites: data survives
 * closing and reopening, nothing secret is stored readable, sealed values are bound to their
 * record and key, schema versions and an upgrade, team rooms sealed, several connections on one
 * database, the transaction wrapper.
 */
import assert from 'node:assert/strict'
import { toString } from 'uint8arrays/to-string'
import { AtRestDecryptError, AtRestKey, IdbMessageStore, MIGRATIONS, SchemaVersionError, StorageError, STORES, openBrowserStores } from '../../../browser/store/index.js'
import { openDatabase } from '../../../browser/store/idb.js'
import { defaultCrypto } from '../../../protocol/crypto/backend.js'
import { generatePrekeys } from '../../../protocol/crypto/prekeys.js'
import { createIdentity } from '../../../protocol/crypto/identity.js'
import { freshName, freshStores, track } from './fresh-stores.mjs'
import { dumpDatabase, indexOfBytes, raw, rawEdit, rawOpen } from './raw-idb.mjs'
import type { OutgoingMessage } from '../../../protocol/stores/stores.js'

const PEER = '12D3KooWAliceAliceAliceAliceAliceAliceAliceAlice'
const OTHER = '12D3KooWBobBobBobBobBobBobBobBobBobBobBobBobBob'
const id = (n: number): string => n.toString(16).padStart(32, '0')
const out = (n: number, fields: Partial<OutgoingMessage> = {}): OutgoingMessage =>
  ({ id: id(n), peer: PEER, text: `out ${n}`, status: 'queued', createdAt: n, expiresAt: 1e13, envelope: Uint8Array.of(n, 1, 2), ...fields })
/**
 * Printable forms a secret could be stored in: hex, and base64/base64url at each of the three
 * alignments it can have inside a longer encoded value (trailing partial group dropped).
 */
function textForms (secret: Uint8Array): string[] {
  const forms = [toString(secret, 'hex')]
  for (let skip = 0; skip < 3; skip++) {
    for (const base of ['base64', 'base64url'] as const) forms.push(toString(secret.subarray(skip), base).slice(0, -4))
  }
  return forms
}
const limits = { depositorBytes: 1e9, depositorMessages: 1e6, ownerBytes: 1e9, ownerMessages: 1e6, totalBytes: 1e9 }

describe('IndexedDB stores (browser only)', () => {
  it('keeps everything across closing and reopening the database', async () => {
    const first = await freshStores()
    const me = await createIdentity()
    await first.identity.save(me, 'alice')
    await first.stores.contacts.add({ name: 'bob', peerId: OTHER, addresses: ['/ip4/127.0.0.1/tcp/1'], addedAt: 5, identity: new Uint8Array(32).fill(3) })
    const [sent] = await first.stores.messages.addOutgoing([out(1, { session: Uint8Array.of(7, 7) })])
    await first.stores.messages.storeIncoming([{ id: id(2), peer: PEER, text: 'hello', createdAt: 1, expiresAt: 1e13, receivedAt: 12 }])
    const oneTime = await generatePrekeys(defaultCrypto, me, first.stores.prekeys, { oneTime: 2 })
    await first.stores.mailbox.host({ peer: OTHER, identity: new Uint8Array(32).fill(1), name: 'bob', quotaBytes: 1000, quotaMessages: 10, maxTtlMs: 1000, addedAt: 1 })
    await first.stores.mailbox.deposit([{ item: { owner: OTHER, id: id(3), depositor: PEER, envelope: Uint8Array.of(9), hash: Uint8Array.of(8), expiresAt: 1e13, storedAt: 3 }, limits }])
    const spk = await first.stores.prekeys.currentSignedPrekey()
    first.close()

    const second = await freshStores(first.name)
    const saved = await second.identity.load()
    assert.equal(saved?.name, 'alice')
    assert.deepEqual(saved?.identity.identityKey.raw, me.identityKey.raw)
    assert.deepEqual(saved?.identity.deviceKey.raw, me.deviceKey.raw)
    assert.deepEqual(saved?.identity.deviceSignature, me.deviceSignature)
    assert.deepEqual((await second.stores.contacts.getByPeer(OTHER))?.identity, new Uint8Array(32).fill(3))
    assert.deepEqual((await second.stores.messages.queued()).map(m => [m.id, m.text, m.envelope]), [[id(1), 'out 1', Uint8Array.of(1, 1, 2)]])
    assert.equal((await second.stores.messages.get(id(2), 'in'))?.text, 'hello')
    assert.deepEqual(await second.stores.messages.session(PEER), Uint8Array.of(7, 7))
    assert.deepEqual(await second.stores.prekeys.currentSignedPrekey(), spk)
    assert.deepEqual((await second.stores.prekeys.oneTimePrekey(oneTime[1].id))?.publicKey, oneTime[1].publicKey)
    assert.deepEqual((await second.stores.mailbox.fetch(OTHER, 0, 10, 0)).map(i => i.id), [id(3)])
    assert.deepEqual(await second.stores.mailbox.usage(OTHER), { bytes: 1, messages: 1 })

    // counters carry on: a later change is seen by a follower, a new one-time prekey gets a new id
    await second.stores.messages.markDelivered([{ id: id(1), receipt: Uint8Array.of(1), deliveredAt: 20 }])
    assert.deepEqual((await second.stores.messages.list({ changedAfter: sent instanceof Error ? 0 : sent.rev })).map(m => m.id), [id(1), id(2)])
    const [next] = await second.stores.prekeys.putOneTimePrekeys([await defaultCrypto.x25519Generate()])
    assert.ok(next > oneTime[1].id, `id ${next} is new`)
  })

  it('stores nothing secret readable: text, session records, private keys and the at-rest key', async () => {
    const marker = `MARKER-${crypto.randomUUID()}`
    const { stores, identity, name } = await freshStores()
    const me = await createIdentity()
    await identity.save(me, `name ${marker}`)
    const oneTime = await generatePrekeys(defaultCrypto, me, stores.prekeys, { oneTime: 3 })
    const session = new TextEncoder().encode(`ratchet ${marker} ${'k'.repeat(40)}`)
    await stores.messages.addOutgoing([out(1, { text: `sent ${marker}`, session, envelope: new TextEncoder().encode(`envelope ${marker}`) })])
    await stores.messages.storeIncoming([{ id: id(2), peer: PEER, text: `received ${marker}`, createdAt: 1, expiresAt: 1e13, receivedAt: 2, session }])
    await stores.contacts.add({ name: 'alice', peerId: PEER, addresses: [], addedAt: 1 })

    const secrets: Array<[string, Uint8Array]> = [
      ['identity key', me.identityKey.raw], ['identity seed', me.identityKey.raw.subarray(0, 32)],
      ['device key', me.deviceKey.raw], ['device seed', me.deviceKey.raw.subarray(0, 32)],
      ['identity DH key', (await stores.prekeys.identityDh())?.privateKey ?? new Uint8Array()],
      ['signed prekey', (await stores.prekeys.currentSignedPrekey())?.privateKey ?? new Uint8Array()],
      ['KEM secret key', (await stores.prekeys.currentKemPrekey())?.secretKey.subarray(0, 64) ?? new Uint8Array()],
      ...await Promise.all(oneTime.map(async (p): Promise<[string, Uint8Array]> => [`one-time prekey ${p.id}`, (await stores.prekeys.oneTimePrekey(p.id))?.privateKey ?? new Uint8Array()])),
      ['marker', new TextEncoder().encode(marker)]
    ]
    for (const [what, bytes] of secrets) assert.ok(bytes.byteLength >= 32, `${what} was read back (${bytes.byteLength} bytes)`)

    const dump = await dumpDatabase(name)
    assert.ok(dump.strings.includes(PEER) && dump.strings.includes(id(1)), 'the dump sees the records (a contact and message ids are stored in the clear)')
    assert.ok(dump.records[STORES.identity] === 1 && dump.records[STORES.oneTimePrekeys] === 3 && dump.records[STORES.sessions] === 1)
    for (const [what, secret] of secrets) {
      const forms = textForms(secret)
      const needles = [secret, ...forms.map(f => new TextEncoder().encode(f))]
      assert.equal(dump.bytes.find(b => needles.some(n => indexOfBytes(b, n) >= 0)), undefined, `${what} appears in a stored byte array`)
      assert.equal(dump.strings.find(s => s.includes(marker) || forms.some(f => s.includes(f))), undefined, `${what} appears in a stored string`)
    }

    assert.equal(dump.keys.length, 1, 'one at-rest key')
    const [key] = dump.keys
    assert.deepEqual([key.extractable, key.algorithm.name, (key.algorithm as AesKeyAlgorithm).length], [false, 'AES-GCM', 256])
    await assert.rejects(crypto.subtle.exportKey('raw', key), (err: Error) => err.name === 'InvalidAccessError')
    await assert.rejects(crypto.subtle.exportKey('jwk', key), (err: Error) => err.name === 'InvalidAccessError')
  })

  it('a sealed value moved to another record, altered, or opened with another key does not open', async () => {
    const { stores, name } = await freshStores()
    await stores.messages.addOutgoing([out(1), out(2)])
    await stores.messages.storeIncoming([{ id: id(3), peer: PEER, text: 'a', createdAt: 1, expiresAt: 1e13, receivedAt: 2, session: Uint8Array.of(1) }])
    await stores.messages.storeIncoming([{ id: id(4), peer: OTHER, text: 'b', createdAt: 1, expiresAt: 1e13, receivedAt: 2, session: Uint8Array.of(2) }])

    await rawEdit(name, STORES.messages, rows => {
      const [a, b] = rows.filter(r => r.value.direction === 'out')
      ;[a.value.text, b.value.text] = [b.value.text, a.value.text]
      return [a, b]
    })
    await assert.rejects(stores.messages.get(id(1), 'out'), AtRestDecryptError)
    await assert.rejects(stores.messages.list(), AtRestDecryptError)

    await rawEdit(name, STORES.sessions, rows => {
      ;[rows[0].value.record, rows[1].value.record] = [rows[1].value.record, rows[0].value.record]
      return rows
    })
    await assert.rejects(stores.messages.session(PEER), AtRestDecryptError)

    await rawEdit(name, STORES.messages, rows => {
      const row = rows.find(r => r.value.id === id(3))
      if (row == null) throw new Error('no message 3')
      row.value.text[row.value.text.byteLength - 1] ^= 1
      return [row]
    })
    await assert.rejects(stores.messages.get(id(3), 'in'), AtRestDecryptError)

    const fresh = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
    await rawEdit(name, STORES.keys, rows => rows.map(r => ({ ...r, value: fresh })))
    const reopened = await freshStores(name)
    await assert.rejects(reopened.stores.messages.get(id(4), 'in'), AtRestDecryptError)
  })

  it('loads no identity before one is saved, and the latest one after', async () => {
    const { identity } = await freshStores()
    assert.equal(await identity.load(), undefined)
    const [a, b] = [await createIdentity(), await createIdentity()]
    await identity.save(a, 'first')
    await identity.save(b, 'second')
    const got = await identity.load()
    assert.equal(got?.name, 'second')
    assert.ok(got?.identity.identityKey.equals(b.identityKey) === true && got.identity.deviceKey.equals(b.deviceKey))
    assert.equal(got.identity.identityKey.type, 'Ed25519')
  })

  it('refuses a database written by a newer schema, leaving it as it was', async () => {
    const name = freshName()
    track(name)
    const newer = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(name, MIGRATIONS.length + 1)
      req.onupgradeneeded = () => { req.result.createObjectStore('from-the-future') }
      req.onsuccess = () => { resolve(req.result) }
      req.onerror = () => { reject(req.error) }
    })
    newer.close()
    await assert.rejects(openBrowserStores(name), SchemaVersionError)
    const db = await rawOpen(name)
    assert.deepEqual([db.version, [...db.objectStoreNames]], [MIGRATIONS.length + 1, ['from-the-future']])
    db.close()
  })

  it('two connections to one database (two tabs) share the seq and rev counters', async () => {
    const a = await freshStores()
    const b = await freshStores(a.name)
    const results = await Promise.all(Array.from({ length: 20 }, async (_, i) => (i % 2 === 0 ? a : b).stores.messages.addOutgoing([out(i + 1)])))
    const records = results.flat().map(r => { if (r instanceof Error) throw r; return r })
    assert.equal(new Set(records.map(r => r.seq)).size, 20, 'every seq distinct')
    assert.equal(new Set(records.map(r => r.rev)).size, 20, 'every rev distinct')
    const listed = await a.stores.messages.list()
    assert.ok(listed.every((m, i) => i === 0 || (m.seq > listed[i - 1].seq && m.rev > listed[i - 1].rev)), 'store order and change order agree')
    const ids = await Promise.all([a, b, a, b].map(async s => s.stores.prekeys.putOneTimePrekeys([await defaultCrypto.x25519Generate()])))
    assert.equal(new Set(ids.flat()).size, 4, 'one-time prekey ids distinct across connections')
  })

  it('reports a transaction that committed before its work finished', async () => {
    const name = freshName()
    const db = await openDatabase(name)
    track(name, () => { db.close() })
    await assert.rejects(db.write([STORES.meta], async tx => {
      tx.objectStore(STORES.meta).put(1, 'early')
      await new Promise(resolve => setTimeout(resolve, 20)) // not a request: IndexedDB commits meanwhile
      tx.objectStore(STORES.meta).put(2, 'late')
    }), StorageError)
    const late = await db.read([STORES.meta], async tx => raw(tx.objectStore(STORES.meta).get('late')))
    assert.equal(late, undefined)
  })

  it('rolls back everything a failed write did', async () => {
    const name = freshName()
    const db = await openDatabase(name)
    track(name, () => { db.close() })
    await assert.rejects(db.write([STORES.meta], async tx => {
      await raw(tx.objectStore(STORES.meta).put(1, 'first'))
      throw new RangeError('changed my mind')
    }), RangeError)
    assert.equal(await db.read([STORES.meta], async tx => raw(tx.objectStore(STORES.meta).get('first'))), undefined)
  })

  it('keeps team rooms sealed and across reopening; a snapshot moved to another room does not open', async () => {
    const marker = `ROOM-MARKER-${crypto.randomUUID()}`
    const snapshot = new TextEncoder().encode(`group keys ${marker} ${'k'.repeat(40)}`)
    const [g1, g2] = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)]
    const first = await freshStores()
    await first.stores.rooms.putRoom(g1, snapshot)
    await first.stores.rooms.putRoom(g2, Uint8Array.of(2))
    first.close()

    const dump = await dumpDatabase(first.name)
    assert.equal(dump.records[STORES.rooms], 2)
    const forms = textForms(snapshot.subarray(0, 32))
    assert.equal(dump.bytes.find(b => indexOfBytes(b, new TextEncoder().encode(marker)) >= 0 || indexOfBytes(b, snapshot.subarray(0, 32)) >= 0), undefined, 'the snapshot appears in a stored byte array')
    assert.equal(dump.strings.find(s => s.includes(marker) || forms.some(f => s.includes(f))), undefined, 'the snapshot appears in a stored string')

    const second = await freshStores(first.name)
    assert.deepEqual(await second.stores.rooms.listRooms(), [g1, g2])
    assert.deepEqual(await second.stores.rooms.getRoom(g1), snapshot)
    await rawEdit(first.name, STORES.rooms, rows => {
      ;[rows[0].value.snapshot, rows[1].value.snapshot] = [rows[1].value.snapshot, rows[0].value.snapshot]
      return rows
    })
    await assert.rejects(second.stores.rooms.getRoom(g1), AtRestDecryptError)
  })

  it('upgrades a schema version 2 database: what it held stays, and rooms can be kept', async () => {
    const name = freshName()
    const old = await openDatabase(name, { migrations: MIGRATIONS.slice(0, 2) })
    track(name, () => { old.close() })
    const key = await AtRestKey.load(old)
    await new IdbMessageStore(old, key).addOutgoing([out(1)])
    old.close()

    const { stores } = await freshStores(name)
    assert.deepEqual((await stores.messages.queued()).map(m => m.text), ['out 1'])
    await stores.rooms.putRoom(Uint8Array.of(7), Uint8Array.of(1, 2, 3))
    assert.deepEqual(await stores.rooms.getRoom(Uint8Array.of(7)), Uint8Array.of(1, 2, 3))
    const db = await rawOpen(name)
    assert.deepEqual([db.version, db.objectStoreNames.contains(STORES.rooms)], [MIGRATIONS.length, true])
    db.close()
  })

  it('works with strict durability', async () => {
    const { stores } = await freshStores(undefined, { durability: 'strict' })
    await stores.messages.addOutgoing([out(1)])
    assert.equal(await stores.messages.countQueued(), 1)
  })
})
