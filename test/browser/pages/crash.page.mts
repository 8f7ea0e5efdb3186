/**
 * Test page for the crash test in test/browser/stores.spec.ts (invariant 3): "before the crash"
 * writes through the stores and returns as soon as the writes resolved; the spec then kills
 * Chromium with SIGKILL, relaunches it on the same profile and runs "after the crash", which
 * must find every write that had resolved. The database uses the default 'relaxed' durability.
 */
import assert from 'node:assert/strict'
import { openBrowserStores } from '../../../browser/store/index.js'
import { createIdentity } from '../../../protocol/crypto/identity.js'

const DB = 'ferry-crash-test'
const PEER = '12D3KooWAliceAliceAliceAliceAliceAliceAliceAlice'
const BATCHES = 20
const PER_BATCH = 25
const id = (n: number): string => n.toString(16).padStart(32, '0')

describe('before the crash', () => {
  it('writes messages, sessions and an identity; every write resolved', async () => {
    const { stores, identity } = await openBrowserStores(DB)
    const me = await createIdentity()
    await identity.save(me, 'crash')
    for (let b = 0; b < BATCHES; b++) {
      const batch = Array.from({ length: PER_BATCH }, (_, i) => b * PER_BATCH + i + 1)
      await stores.messages.storeIncoming(batch.map(n => ({ id: id(n), peer: PEER, text: `message ${n}`, createdAt: n, expiresAt: 1e13, receivedAt: n, session: Uint8Array.of(b, n & 0xff) })))
    }
    // left open on purpose: the browser is killed next, with no chance to close anything
  })
})

describe('after the crash', () => {
  it('finds every write that had resolved', async () => {
    const { stores, identity, close } = await openBrowserStores(DB)
    const saved = await identity.load()
    assert.equal(saved?.name, 'crash')
    assert.equal(saved.identity.identityKey.type, 'Ed25519')
    const all = await stores.messages.list()
    assert.equal(all.length, BATCHES * PER_BATCH)
    assert.deepEqual(all.map(m => m.text), Array.from({ length: BATCHES * PER_BATCH }, (_, i) => `message ${i + 1}`))
    assert.deepEqual(await stores.messages.session(PEER), Uint8Array.of(BATCHES - 1, (BATCHES * PER_BATCH) & 0xff))
    close()
  })
})
