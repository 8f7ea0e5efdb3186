/**
 * The backup file on Node (the format is protocol/backup/file.ts): scrypt from node:crypto, which
 * is several times faster than the pure-JS one a browser uses, over the same bytes.
 */
import { randomBytes, scrypt } from 'node:crypto'
import { generatePhrase as phraseFrom, openBackup as open, sealBackup as seal } from '../../protocol/backup/file.js'
import { nodeCrypto } from '../crypto.js'
import type { BackupCrypto } from '../../protocol/backup/file.js'

export { BACKUP_SCRYPT, BackupError, DamagedBackupError, HEADER_BYTES, InvalidPhraseError, MAGIC, NewerBackupError, NotABackupError, phraseEntropy, readHeader, TruncatedBackupError, WrongPhraseError } from '../../protocol/backup/file.js'

/** The backup's crypto on Node. */
export function nodeBackupCrypto (): BackupCrypto {
  const crypto = nodeCrypto()
  return {
    aeadSeal: crypto.aeadSeal,
    aeadOpen: crypto.aeadOpen,
    randomBytes: crypto.randomBytes,
    scrypt: async (password, salt, { N, r, p, dkLen }) => await new Promise((resolve, reject) => {
      scrypt(password, salt, dkLen, { N, r, p, maxmem: 256 * N * r + 16 * 1024 * 1024 }, (err, key) => { err == null ? resolve(new Uint8Array(key)) : reject(err) })
    })
  }
}

/** A new recovery phrase: 24 words from 32 random bytes. */
export function generatePhrase (random: (n: number) => Uint8Array = n => new Uint8Array(randomBytes(n))): string {
  return phraseFrom(random)
}

/** Seal `plaintext` for `phrase` (protocol/backup/file.ts sealBackup). */
export async function sealBackup (plaintext: Uint8Array, phrase: string, salt?: Uint8Array): Promise<Uint8Array> {
  return await seal(nodeBackupCrypto(), plaintext, phrase, salt)
}

/** Open a backup file with its phrase (protocol/backup/file.ts openBackup). */
export async function openBackup (file: Uint8Array, phrase: string): Promise<Uint8Array> {
  return await open(nodeBackupCrypto(), file, phrase)
}
