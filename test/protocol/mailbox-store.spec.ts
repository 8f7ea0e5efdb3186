import assert from 'node:assert/strict'
import { MemoryMailboxStore } from '../../protocol/memory-mailbox.js'
import { mailboxStoreCompliance } from './mailbox-store.suite.js'
import type { MailboxItem } from '../../protocol/stores.js'

mailboxStoreCompliance('in-memory', () => new MemoryMailboxStore())

describe('MemoryMailboxStore', () => {
  const limits = { depositorBytes: 1e9, depositorMessages: 1e6, ownerBytes: 1e9, ownerMessages: 1e6, totalBytes: 1e9 }
  const item = (n: number): MailboxItem => ({ owner: 'alice', id: n.toString(16).padStart(32, '0'), depositor: 'xavier', envelope: Uint8Array.of(n), hash: Uint8Array.of(n), expiresAt: 100, storedAt: n })

  it('never hands out a cursor twice, even after the newest mail was acked', async () => {
    const store = new MemoryMailboxStore()
    await store.deposit([{ item: item(1), limits }, { item: item(2), limits }])
    const [, newest] = await store.fetch('alice', 0, 10, 0)
    await store.ack('alice', [newest.id], new Map())
    await store.deposit([{ item: item(3), limits }])
    assert.deepEqual((await store.fetch('alice', newest.cursor, 10, 0)).map(i => i.storedAt), [3])
  })

  it('hands out copies of hosted owners', async () => {
    const store = new MemoryMailboxStore()
    await store.host({ peer: 'alice', identity: new Uint8Array(32).fill(1), name: 'alice', quotaBytes: 1, quotaMessages: 1, maxTtlMs: 1, addedAt: 1 })
    const [first] = await store.hosted('alice')
    first.identity.fill(0)
    first.quotaBytes = 99
    const [again] = await store.hosted()
    assert.deepEqual([again.identity, again.quotaBytes], [new Uint8Array(32).fill(1), 1])
  })
})
