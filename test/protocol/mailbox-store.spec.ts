import assert from 'node:assert/strict'
import { MemoryMailboxStore, memoryStores } from '../../protocol/index.js'
import { mailboxStoreCompliance } from './mailbox-store.suite.js'

mailboxStoreCompliance('in-memory', () => new MemoryMailboxStore())

describe('memoryStores', () => {
  it('has no mailbox store unless asked, and a fresh one for each call when asked', async () => {
    assert.equal(memoryStores().mailbox, undefined)
    assert.equal(memoryStores({ mailbox: false }).mailbox, undefined)
    const [a, b] = [memoryStores({ mailbox: true }), memoryStores({ mailbox: true })]
    assert.ok(a.mailbox instanceof MemoryMailboxStore && b.mailbox instanceof MemoryMailboxStore)
    await a.mailbox.useHosts(['somewhere'])
    assert.deepEqual([await a.mailbox.usedHosts(), await b.mailbox.usedHosts()], [['somewhere'], []])
  })
})
