/**
 * Deleted means gone from the disk, WAL included: the mail a host kept is erased once its owner
 * acknowledged it, and a sender's envelope once it was delivered — not only at the next expiry
 * sweep. (Deleted rows are overwritten in the database file by secure_delete; their old pages stay
 * in the WAL until a checkpoint.) Real peers on SQLite files, TCP on 127.0.0.1.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { Envelope } from '../../protocol/index.js'
import { ERASE_DELAY_MS } from '../../node/store/sqlite.js'
import { mailboxesFor, runningPeers, SqlitePeer, until } from './sqlite-peer.js'

describe('erasure after acknowledgement and delivery', function () {
  this.timeout(120_000)
  const peer = runningPeers({ mailbox: { graceMs: 100 } })

  /** the database file and its WAL, as they are on disk */
  const files = async (p: SqlitePeer): Promise<Buffer> => Buffer.concat(await Promise.all(['', '-wal'].map(async x => readFile(p.path + x).catch(() => Buffer.alloc(0)))))

  it('a host erases acknowledged mail and a sender its delivered envelope, WAL included, within moments', async () => {
    const [a, b, m] = await Promise.all(['alice', 'bob', 'm'].map(async n => peer(n)))
    await mailboxesFor(a, b, [m])
    await b.stop()
    const sent = await a.node.conversations.send('bob', 'read me, then forget me')
    await until('stored at the mailbox', async () => (await a.node.conversations.history()).some(x => x.id === sent.id && x.status === 'stored'))
    const [queued] = await a.node['stores'].messages.queued(b.peerId, { status: 'stored' })
    const ciphertext = Buffer.from(Envelope.decode(queued.envelope).payload.subarray(32, 96))
    assert.ok((await files(m)).includes(ciphertext), 'the host holds the ciphertext (the search works)')
    assert.ok((await files(a)).includes(ciphertext), 'so does the sender, while it is undelivered')

    await b.start()
    await b.node.collectMail()
    await until('bob has it', async () => (await b.node.conversations.history()).some(x => x.direction === 'in' && x.text === sent.text))
    await until('the host has deleted it', async () => (await m.node.needMailboxes().status()).hosting[0].messages === 0)
    await new Promise(resolve => setTimeout(resolve, ERASE_DELAY_MS * 3))
    assert.equal((await files(m)).includes(ciphertext), false, 'no trace in the host\'s database or WAL')

    await a.node.collectMail()
    await until('alice sees it delivered', async () => (await a.node.conversations.history()).some(x => x.id === sent.id && x.status === 'delivered'))
    await new Promise(resolve => setTimeout(resolve, ERASE_DELAY_MS * 3))
    assert.equal((await files(a)).includes(ciphertext), false, 'no trace in the sender\'s database or WAL')
  })
})
