/** An in-memory FileStore (protocol/stores/files.ts) for tests and simulation: same contract, not durable. */
import type { FileStore, StoredChunk, StoredFile } from '../files.js'

const fileKey = (direction: string, id: string, peer: string): string => `${direction}/${id}/${peer}`
const rootHex = (f: StoredFile): string => Array.from(f.ref.root, b => b.toString(16).padStart(2, '0')).join('')

export class MemoryFileStore implements FileStore {
  private readonly files = new Map<string, StoredFile>()
  /** root -> index -> sealed chunk */
  private readonly chunks = new Map<string, Map<number, Uint8Array>>()
  /** root -> when chunks no file row names go */
  private readonly orphanUntil = new Map<string, number>()

  async putFile (file: StoredFile): Promise<void> {
    this.files.set(fileKey(file.direction, file.id, file.peer), structuredClone(file))
  }

  async getFile (id: string, direction: 'in' | 'out', peer?: string): Promise<StoredFile | undefined> {
    const f = peer == null ? [...this.files.values()].find(f => f.id === id && f.direction === direction) : this.files.get(fileKey(direction, id, peer))
    return f == null ? undefined : structuredClone(f)
  }

  async filesOf (ids: string[]): Promise<StoredFile[]> {
    const wanted = new Set(ids)
    return [...this.files.values()].filter(f => wanted.has(f.id)).map(f => structuredClone(f))
  }

  async fileByRoot (root: string): Promise<StoredFile | undefined> {
    const f = [...this.files.values()].find(f => rootHex(f) === root)
    return f == null ? undefined : structuredClone(f)
  }

  async moveChunks (from: string, to: string): Promise<void> {
    const held = this.chunks.get(from)
    if (held == null) return
    this.chunks.delete(from)
    const existing = this.chunks.get(to) ?? new Map()
    for (const [i, d] of held) existing.set(i, d)
    this.chunks.set(to, existing)
    const until = this.orphanUntil.get(from)
    this.orphanUntil.delete(from)
    if (until != null) this.orphanUntil.set(to, until)
  }

  async fetching (): Promise<StoredFile[]> {
    return [...this.files.values()].filter(f => f.status === 'fetching').map(f => structuredClone(f))
  }

  async putChunks (root: string, chunks: StoredChunk[], expiresAt?: number): Promise<void> {
    let held = this.chunks.get(root)
    if (held == null) this.chunks.set(root, held = new Map())
    for (const c of chunks) held.set(c.index, c.data.slice())
    if (expiresAt != null) this.orphanUntil.set(root, Math.max(this.orphanUntil.get(root) ?? 0, expiresAt))
  }

  async chunk (root: string, index: number): Promise<Uint8Array | undefined> {
    return this.chunks.get(root)?.get(index)?.slice()
  }

  async held (root: string): Promise<number[]> {
    return [...this.chunks.get(root)?.keys() ?? []].sort((a, b) => a - b)
  }

  async orphanBytes (): Promise<number> {
    let n = 0
    for (const [root, held] of this.chunks) if (!this.claimed(root)) for (const c of held.values()) n += c.byteLength
    return n
  }

  async dropChunks (root: string, indices?: number[]): Promise<void> {
    if (indices == null) {
      this.chunks.delete(root)
      this.orphanUntil.delete(root)
      return
    }
    for (const i of indices) this.chunks.get(root)?.delete(i)
  }

  async dropFile (id: string, direction: 'in' | 'out', peer: string): Promise<void> {
    const f = this.files.get(fileKey(direction, id, peer))
    if (f == null) return
    this.files.delete(fileKey(direction, id, peer))
    if (!this.claimed(rootHex(f))) await this.dropChunks(rootHex(f))
  }

  async sweep (now: number): Promise<number> {
    const gone = new Set<string>()
    for (const [key, f] of this.files) {
      if (f.expiresAt != null && f.expiresAt <= now) {
        this.files.delete(key)
        gone.add(rootHex(f))
      }
    }
    // chunks live while a file row names them (and go with the last); chunks no row ever named, until their own time
    for (const root of [...this.chunks.keys()]) if (!this.claimed(root) && (gone.has(root) || (this.orphanUntil.get(root) ?? 0) <= now)) await this.dropChunks(root)
    const n = gone.size
    return n
  }

  async nextExpiry (): Promise<number | undefined> {
    const times = [...[...this.files.values()].flatMap(f => f.expiresAt == null ? [] : [f.expiresAt]), ...[...this.orphanUntil].flatMap(([root, t]) => this.claimed(root) ? [] : [t])]
    return times.length === 0 ? undefined : Math.min(...times)
  }

  private claimed (root: string): boolean {
    return [...this.files.values()].some(f => rootHex(f) === root)
  }
}
