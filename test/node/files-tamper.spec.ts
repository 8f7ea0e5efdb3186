/**
 * Files (protocol/files/): the chunk format refuses every forgery a holder can try, and a
 * recipient whose holder sends a bad chunk drops it, keeps what was good, says why, and completes
 * from another holder. Production createFerry nodes on the memory transport with node:crypto.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { nodeCrypto } from '../../node/crypto.js'
import { CHUNK_BYTES } from '../../protocol/index.js'
import { ChunkError, openChunk, sealFile } from '../../protocol/files/chunks.js'
import { memoryFerries } from '../memory-ferries.js'
import { BLOB_PROTOCOL } from '../../protocol/files/constants.js'
import { BlobChunk, BlobRequest } from '../../protocol/files/pb/blob.js'
import { frameStream } from '../../protocol/services/streams/frames.js'
import { pad } from '../../protocol/messaging/envelope.js'
import type { Ferry, FileStore } from '../../protocol/index.js'
import type { FileRef } from '../../protocol/pb/ferry.js'

const crypto = nodeCrypto()

async function * pieces (bytes: Uint8Array, size = 10_000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size)
}

/** Seal `bytes` in memory: its announcement and its sealed chunks. */
async function seal (bytes: Uint8Array): Promise<{ ref: FileRef, chunks: Uint8Array[] }> {
  const chunks: Uint8Array[] = []
  const s = await sealFile(crypto, pieces(bytes), 1 << 30, async (i, data) => { chunks[i] = data })
  return { ref: { ...s, name: 'f.bin', type: 'application/octet-stream', chunkSize: CHUNK_BYTES }, chunks }
}

describe('files: the chunk format', () => {
  it('opens what it sealed, and the root and hash describe it', async () => {
    const bytes = randomBytes(3 * CHUNK_BYTES + 123)
    const { ref, chunks } = await seal(bytes)
    assert.equal(ref.chunks, 4)
    assert.equal(chunks.length, 4)
    const opened = Buffer.concat(await Promise.all(chunks.map(async (c, i) => openChunk(crypto, ref, i, c))))
    assert.deepEqual(opened, bytes)
    assert.equal(Buffer.from(ref.sha256).toString('hex'), createHash('sha256').update(bytes).digest('hex'))
  })

  it('refuses a flipped bit, a chunk of another file, a chunk moved, a missing final chunk and a file bigger than announced', async () => {
    const a = await seal(randomBytes(2 * CHUNK_BYTES + 10))
    const b = await seal(randomBytes(2 * CHUNK_BYTES + 10))
    const flipped = a.chunks[1].slice()
    flipped[100] ^= 1
    await assert.rejects(openChunk(crypto, a.ref, 1, flipped), ChunkError, 'a flipped bit')
    await assert.rejects(openChunk(crypto, a.ref, 1, b.chunks[1]), ChunkError, 'the same index of another file')
    await assert.rejects(openChunk(crypto, a.ref, 0, a.chunks[1]), ChunkError, 'a chunk moved to another index')
    // truncation: announced as two chunks, the second full-size chunk lacks the final flag
    const cut = { ...a.ref, size: 2 * CHUNK_BYTES, chunks: 2 }
    await assert.rejects(openChunk(crypto, cut, 1, a.chunks[1]), ChunkError, 'a file cut before its final chunk')
    // bigger than announced: a chunk past the last, or a last chunk longer than the size says
    await assert.rejects(openChunk(crypto, a.ref, 3, a.chunks[2]), /outside a file of 3 chunks/)
    const small = { ...a.ref, size: 2 * CHUNK_BYTES + 5 }
    await assert.rejects(openChunk(crypto, small, 2, a.chunks[2]), /not the 21 announced/)
  })

  it('refuses a file over the limit while reading it, keeping nothing', async () => {
    const kept: number[] = []
    await assert.rejects(sealFile(crypto, pieces(randomBytes(3 * CHUNK_BYTES)), 2 * CHUNK_BYTES, async i => { kept.push(i) }), /larger than 131072 bytes/)
    assert.ok(kept.length <= 2)
  })
})

describe('files: a holder sending bad chunks', function () {
  this.timeout(60_000)
  const net = memoryFerries('files')
  after(async () => { await net.stop() })

  const storeOf = (f: Ferry): FileStore => (f as any).stores.files
  const incoming = async (f: Ferry): Promise<any[]> => (await f.files?.withFiles(await f.conversations.history()) ?? []).filter(m => m.direction === 'in' && m.file != null)

  async function pair (): Promise<[Ferry, Ferry]> {
    const [alice, bob] = await Promise.all([net.node(`alice${Math.random()}`.slice(0, 12)), net.node(`bob${Math.random()}`.slice(0, 10))])
    await alice.roster.add('bob', await bob.roster.invite())
    await bob.roster.add('alice', await alice.roster.invite())
    return [alice, bob]
  }

  async function waitFile (f: Ferry, ok: (m: any) => boolean, what: string): Promise<any> {
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      const m = (await incoming(f)).find(ok)
      if (m != null) return m
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    throw new Error(`timed out waiting for ${what}: ${JSON.stringify((await incoming(f)).map(m => m.file))}`)
  }

  for (const [what, tamper] of [
    ['a chunk of another file', async (store: FileStore, root: string, other: string) => { await store.putChunks(root, [{ index: 1, data: await store.chunk(other, 1) as Uint8Array }]) }],
    ['a flipped bit', async (store: FileStore, root: string) => {
      const c = await store.chunk(root, 1) as Uint8Array
      c[7] ^= 0x80
      await store.putChunks(root, [{ index: 1, data: c }])
    }],
    ['a truncated file (the final chunk cut short)', async (store: FileStore, root: string) => {
      const c = await store.chunk(root, 2) as Uint8Array
      await store.putChunks(root, [{ index: 2, data: c.subarray(0, 5) }])
    }]
  ] as const) {
    it(`refuses ${what}, keeps the good chunks, says why, and completes once a holder sends the right one`, async () => {
      const [alice, bob] = await pair()
      const store = storeOf(alice)
      const bytes = randomBytes(2 * CHUNK_BYTES + 999)
      // another file alice holds, for "a chunk of another file"
      await alice.files?.send('bob', pieces(randomBytes(2 * CHUNK_BYTES + 999)), { name: 'other.bin' })
      const other = await waitFile(bob, m => m.file.status === 'complete', 'the first file')
      const otherRoot = Buffer.from((await storeOf(bob).getFile(other.id, 'in'))?.ref.root as Uint8Array).toString('hex')
      // seal the real file, tamper with alice's copy before bob asks for it
      const realChunks = new Map<number, Uint8Array>()
      const fetching = new Promise<void>(resolve => {
        const original = store.putFile.bind(store)
        store.putFile = async f => {
          await original(f)
          if (f.direction === 'out' && f.ref.name === 'real.bin') {
            const root = Buffer.from(f.ref.root).toString('hex')
            for (let i = 0; i < f.ref.chunks; i++) realChunks.set(i, await store.chunk(root, i) as Uint8Array)
            await tamper(store, root, otherRoot)
            resolve()
          }
        }
      })
      const sent = await alice.files?.send('bob', pieces(bytes), { name: 'real.bin' })
      await fetching
      const refused = await waitFile(bob, m => m.id === sent?.id && typeof m.file.error === 'string' && /bad chunk/.test(m.file.error), 'the refusal')
      assert.equal(refused.file.status, 'fetching', 'not complete with a bad chunk')
      const root = Buffer.from((await storeOf(bob).getFile(refused.id, 'in'))?.ref.root as Uint8Array).toString('hex')
      assert.ok(!(await storeOf(bob).held(root)).includes(what.includes('truncated') ? 2 : 1), 'the bad chunk is not kept')
      // the holder mends its copy (as another holder would have it); bob fetches only what is missing
      const before = alice.files?.stats.servedChunks ?? 0
      const aliceRoot = Buffer.from(sent?.file == null ? [] : (await store.getFile(sent.id, 'out'))?.ref.root as Uint8Array).toString('hex')
      await store.putChunks(aliceRoot, [...realChunks].map(([index, data]) => ({ index, data })))
      bob.files?.retry()
      const done = await waitFile(bob, m => m.id === sent?.id && m.file.status === 'complete', 'completion')
      assert.equal(done.file.sha256, createHash('sha256').update(bytes).digest('hex'))
      const chunks: Uint8Array[] = []
      for await (const c of bob.files?.open(done.id) ?? []) chunks.push(c)
      assert.deepEqual(Buffer.concat(chunks), bytes)
      assert.ok((alice.files?.stats.servedChunks ?? 0) - before <= 2, 'only the missing chunk (and at most one more) was sent again')
    })
  }
})

describe('files: /ferry/blob/1.0.0 on the wire, and strangers', function () {
  this.timeout(60_000)
  const net = memoryFerries('blobwire')
  after(async () => { await net.stop() })

  it('resets a request with an oversized length prefix, too many indices, or a bad root, and still serves a good one', async () => {
    const [holder, asker] = await Promise.all([net.node('holder'), net.node('asker')])
    await holder.roster.add('asker', await asker.roster.invite())
    await asker.roster.add('holder', await holder.roster.invite())
    const sent = await holder.files?.send('asker', pieces(randomBytes(CHUNK_BYTES + 1)), { name: 'x.bin' })
    const root = (await storeOfHolder(holder).getFile(sent?.id ?? '', 'out'))?.ref.root as Uint8Array
    const connection = await asker.libp2p.dial(holder.libp2p.getMultiaddrs()[0])
    const answer = async (write: (s: any, frames: ReturnType<typeof frameStream>) => Promise<void>): Promise<string> => {
      const stream = await connection.newStream(BLOB_PROTOCOL)
      const frames = frameStream(stream, { maxDataLength: CHUNK_BYTES + 100 })
      await write(stream, frames)
      try {
        const c = await frames.read(BlobChunk, { signal: AbortSignal.timeout(5_000) })
        return `chunk ${c.index} of ${c.data.byteLength} bytes`
      } catch (err: any) {
        return `reset: ${err.name as string}`
      }
    }
    // a length prefix naming a 1 GiB frame
    assert.match(await answer(async s => { s.send(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x04])) }), /^reset/)
    // 33 indices
    assert.match(await answer(async (_s, f) => { await f.write({ root, indices: Array.from({ length: 33 }, (_, i) => i) }, BlobRequest) }), /^reset/)
    // a root of the wrong length
    assert.match(await answer(async (_s, f) => { await f.write({ root: root.subarray(0, 8), indices: [0] }, BlobRequest) }), /^reset/)
    // a chunk not held: an empty answer; a held one: the chunk
    assert.equal(await answer(async (_s, f) => { await f.write({ root: new Uint8Array(32), indices: [0] }, BlobRequest) }), 'chunk 0 of 0 bytes')
    assert.equal(await answer(async (_s, f) => { await f.write({ root, indices: [1] }, BlobRequest) }), 'chunk 1 of 17 bytes')
  })

  it('refuses a file announced by someone who is not a contact: nothing kept, the sender told', async () => {
    const [stranger, target] = await Promise.all([net.node('stranger'), net.node('target')])
    await stranger.roster.add('target', await target.roster.invite()) // the target never adds the stranger
    const sent = await stranger.files?.send('target', pieces(randomBytes(1000)), { name: 'y.bin', caption: 'look' })
    const deadline = Date.now() + 20_000
    let status = ''
    while (Date.now() < deadline && status !== 'failed') {
      status = (await stranger.conversations.history()).find(m => m.id === sent?.id)?.status ?? ''
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    const m = (await stranger.conversations.history()).find(x => x.id === sent?.id)
    assert.equal(m?.status, 'failed')
    assert.match(m?.error ?? '', /files from someone who is not a contact are refused/)
    assert.deepEqual(await target.roster.requests(), [])
    assert.equal(await storeOfHolder(target).getFile(sent?.id ?? '', 'in'), undefined)
  })

  it('counts chunks that come before their announcement instead of re-reading all that wait for each (a mailbox round is linear)', async () => {
    const [alice, bob] = await Promise.all([net.node('orphan-alice'), net.node('orphan-bob')])
    await bob.roster.add('alice', await alice.roster.invite())
    const store = storeOfHolder(bob)
    let reads = 0
    const orphanBytes = store.orphanBytes.bind(store)
    store.orphanBytes = async () => { reads++; return await orphanBytes() }
    const root = randomBytes(32)
    const now = Date.now()
    for (let index = 0; index < 40; index++) {
      const env = { version: 1, id: randomBytes(16), recipient: new Uint8Array(0), recipientDevice: new Uint8Array(0), created: now, expiresAt: now + 60_000, payload: pad(randomBytes(1000)), chunk: { root, index } }
      await bob.files?.acceptChunk(env, alice.libp2p.peerId)
    }
    assert.equal((await store.held(root.toString('hex'))).length, 40, 'every chunk waits')
    assert.equal(reads, 1, 'what waits is read once, then counted')
    assert.equal(await store.orphanBytes(), 40 * 1000)
  })
})

function storeOfHolder (f: Ferry): FileStore { return (f as any).stores.files }
