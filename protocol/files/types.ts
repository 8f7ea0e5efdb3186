/** The shapes Files (files.ts) hands out and takes. */
import type { StoredFile } from '../stores/files.js'

/** What a sender says of a file besides its bytes. */
export interface SendMeta { name: string, type?: string, caption?: string, ttlMs?: number, thumbnail?: Uint8Array }

/** A file as the history shows it. */
export interface FileView {
  name: string
  size: number
  type: string
  /** plaintext SHA-256, lower-case hex */
  sha256: string
  status: StoredFile['status']
  /** bytes held so far */
  received: number
  error?: string
  thumbnail?: Uint8Array
}

/** What leaves this node: chunks served over /ferry/blob. */
export interface FileStats { servedChunks: number, servedBytes: number, fetchedChunks: number }
