/**
 * The FileStore compliance suite: the behaviours every implementation must show, run against the
 * in-memory store (test/protocol/file-store.spec.ts), SQLite plain and sealed
 * (test/node/file-store-sqlite.spec.ts) and IndexedDB in Chromium (test/browser/stores.spec.ts).
 * Only the assert methods equal, deepEqual, ok, rejects and notEqual are used: the browser shim
 * has exactly those.
 */
import assert from 'node:assert/strict'
import type { FileStore, StoredFile } from '../../protocol/stores/stores.js'

const hex = (b: Uint8Array): string => Array.from(b, x => x.toString(16).padStart(2, '0')).join('')

/** A file row numbered `n` (its root is n repeated). */
function file (n: number, over: Partial<StoredFile> = {}): StoredFile {
  return {
    id: `${n}`.padStart(32, '0'),
    direction: 'in',
    peer: 'peer-a',
    ref: { id: new Uint8Array(16).fill(n), key: new Uint8Array(32).fill(n + 1), name: `f${n}.bin`, size: 100, type: 'application/octet-stream', chunkSize: 65536, chunks: 1, root: new Uint8Array(32).fill(n), sha256: new Uint8Array(32).fill(n + 2) },
    status: 'fetching',
    createdAt: 1000,
    ...over
  }
}

const chunk = (index: number, fill: number, size = 300): { index: number, data: Uint8Array } => ({ index, data: Uint8Array.from({ length: size }, (_, i) => (fill + i) & 0xff) })

export function fileStoreCompliance (name: string, make: () => Promise<FileStore> | FileStore): void {
  describe(`${name} FileStore (compliance)`, () => {
    let store: FileStore

    beforeEach(async () => {
      store = await make()
    })

    it('keeps file rows by direction, id and peer, and finds them by id, root and status', async () => {
      assert.equal(await store.getFile(file(1).id, 'in'), undefined)
      await store.putFile(file(1))
      await store.putFile(file(2, { status: 'complete' }))
      await store.putFile(file(1, { direction: 'out', peer: 'peer-b', status: 'complete' }))
      const got = await store.getFile(file(1).id, 'in')
      assert.deepEqual(got?.ref, file(1).ref)
      assert.equal(got?.status, 'fetching')
      assert.equal((await store.getFile(file(1).id, 'out'))?.peer, 'peer-b')
      assert.equal(await store.getFile(file(1).id, 'out', 'peer-a'), undefined)
      assert.deepEqual((await store.filesOf([file(1).id, file(2).id, 'nope'])).map(f => `${f.direction}/${f.id.slice(-1)}`).sort(), ['in/1', 'in/2', 'out/1'])
      assert.equal((await store.fileByRoot(hex(file(2).ref.root)))?.id, file(2).id)
      assert.deepEqual((await store.fetching()).map(f => f.id), [file(1).id])
      // a row put again replaces the first: status, error, expiry
      await store.putFile(file(1, { status: 'complete', error: 'mended', expiresAt: 5000 }))
      const again = await store.getFile(file(1).id, 'in', 'peer-a')
      assert.deepEqual([again?.status, again?.error, again?.expiresAt], ['complete', 'mended', 5000])
      assert.deepEqual(await store.fetching(), [])
    })

    it('holds chunks by root and index, moves them to another root, and drops some or all', async () => {
      const root = hex(file(1).ref.root)
      assert.deepEqual(await store.held(root), [])
      await store.putChunks('scratch', [chunk(2, 2), chunk(0, 0)], 10_000)
      await store.putChunks('scratch', [chunk(1, 1)], 10_000)
      assert.deepEqual(await store.held('scratch'), [0, 1, 2])
      await store.moveChunks('scratch', root)
      assert.deepEqual(await store.held('scratch'), [])
      assert.deepEqual(await store.held(root), [0, 1, 2])
      assert.deepEqual(await store.chunk(root, 1), chunk(1, 1).data)
      assert.equal(await store.chunk(root, 7), undefined)
      // moving onto a root that holds chunks already merges them
      await store.putChunks('more', [chunk(3, 3)])
      await store.moveChunks('more', root)
      assert.deepEqual(await store.held(root), [0, 1, 2, 3])
      await store.dropChunks(root, [1, 3])
      assert.deepEqual(await store.held(root), [0, 2])
      await store.dropChunks(root)
      assert.deepEqual(await store.held(root), [])
    })

    it('counts chunks no file row names, and sweeps them at their time, not before', async () => {
      const root = hex(file(3).ref.root)
      await store.putChunks(root, [chunk(0, 0, 500), chunk(1, 1, 250)], 2000)
      assert.equal(await store.orphanBytes(), 750)
      assert.equal(await store.nextExpiry(), 2000)
      await store.sweep(1999)
      assert.deepEqual(await store.held(root), [0, 1])
      await store.sweep(2000)
      assert.deepEqual(await store.held(root), [])
      assert.equal(await store.orphanBytes(), 0)
      // named by a row, chunks stay past their orphan time
      await store.putChunks(root, [chunk(0, 0)], 2000)
      await store.putFile(file(3))
      assert.equal(await store.orphanBytes(), 0)
      await store.sweep(3000)
      assert.deepEqual(await store.held(root), [0])
    })

    it('deletes an expired file row with its chunks, and a dropped one, keeping chunks another row names', async () => {
      const root = hex(file(4).ref.root)
      await store.putFile(file(4, { expiresAt: 4000 }))
      await store.putFile(file(4, { direction: 'out', peer: 'peer-b', status: 'complete' })) // the same root, no expiry
      await store.putChunks(root, [chunk(0, 9)])
      assert.equal(await store.nextExpiry(), 4000)
      assert.equal(await store.sweep(4000), 1)
      assert.equal(await store.getFile(file(4).id, 'in'), undefined)
      assert.deepEqual(await store.held(root), [0], 'the other row still names the chunks')
      await store.dropFile(file(4).id, 'out', 'peer-b')
      assert.deepEqual(await store.held(root), [])
      assert.equal(await store.nextExpiry(), undefined)
      // the last row swept takes its chunks
      await store.putFile(file(5, { expiresAt: 100 }))
      await store.putChunks(hex(file(5).ref.root), [chunk(0, 1)])
      await store.sweep(100)
      assert.deepEqual(await store.held(hex(file(5).ref.root)), [])
    })
  })
}
