/**
 * FileStore: the files this node sent or received (protocol/files/) and the sealed chunks it
 * holds. A file row holds the announcement with the file's key (sealed at rest where the
 * platform seals); chunks are stored as they travel, sealed under that key, and are named by the
 * file's root (its content address), so a file sent to several devices is held once.
 */
import type { FileRef } from '../pb/ferry.js'

/** 'fetching': chunks are missing; 'complete': every chunk is held and checked; 'failed': given up (error says why). */
export type FileStatus = 'fetching' | 'complete' | 'failed'

export interface StoredFile {
  /** the message that announced it (lower-case hex) */
  id: string
  direction: 'in' | 'out'
  /** the sender's device ('in'), or the contact's first device ('out') */
  peer: string
  ref: FileRef
  status: FileStatus
  error?: string
  createdAt: number
  /** deleted with its chunks at this time (the message disappears then); none: kept */
  expiresAt?: number
}

/** A sealed chunk, as stored and served. */
export interface StoredChunk { index: number, data: Uint8Array }

export interface FileStore {
  /** Add or replace a file row (by direction, id and peer). */
  putFile(file: StoredFile): Promise<void>
  /** A file row; without `peer`, the first with that id. */
  getFile(id: string, direction: 'in' | 'out', peer?: string): Promise<StoredFile | undefined>
  /** Every file row announced by one of these message ids. */
  filesOf(ids: string[]): Promise<StoredFile[]>
  /** The file row (either direction) whose root (hex) this is. */
  fileByRoot(root: string): Promise<StoredFile | undefined>
  /** File rows whose status is 'fetching'. */
  fetching(): Promise<StoredFile[]>
  /**
   * Keep chunks of the file `root` (hex). Chunks live while a file row names their root; chunks
   * no row names (they came before their announcement) are swept at `expiresAt`, or at once
   * when it is absent.
   */
  putChunks(root: string, chunks: StoredChunk[], expiresAt?: number): Promise<void>
  /** Chunks kept under `from` are now those of `to` (a sender names a file once it has sealed it all). */
  moveChunks(from: string, to: string): Promise<void>
  chunk(root: string, index: number): Promise<Uint8Array | undefined>
  /** Indices of the chunks of `root` held, ascending. */
  held(root: string): Promise<number[]>
  /** Bytes held in chunks no file row claims. */
  orphanBytes(): Promise<number>
  /** Delete chunks of `root` (all when `indices` is absent). */
  dropChunks(root: string, indices?: number[]): Promise<void>
  /** Delete a file row, and its chunks when no other row names the same root. */
  dropFile(id: string, direction: 'in' | 'out', peer: string): Promise<void>
  /** Delete file rows and chunks whose time has come; @returns how many rows went. */
  sweep(now: number): Promise<number>
  nextExpiry(): Promise<number | undefined>
}
