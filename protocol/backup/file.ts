/**
 * The backup file (docs/BACKUP.md): one file sealed with a key derived from a 24-word recovery
 * phrase (BIP-39 English word list, 256 bits of entropy and an 8-bit checksum). Written once for
 * both platforms: Node derives with node:crypto's scrypt, a browser with @noble/hashes' (the
 * platform passes it in), and both seal with the crypto backend's ChaCha20-Poly1305.
 *
 * Layout (every header byte is the AEAD's associated data, so none can change unnoticed):
 *
 *   magic    8   "FERRYBK\n"
 *   version  1   FORMAT_VERSION
 *   kdf      1   1 = scrypt
 *   log2 N   1,  r 1,  p 1
 *   salt     16  random per file
 *   check    16  bytes 32..47 of the KDF output: tells a wrong phrase from an altered file
 *   length   4   big-endian: bytes of sealed body that follow
 *   body         nonce (12) || ChaCha20-Poly1305 ciphertext || tag (16), key = KDF output 0..31
 *
 * The KDF is scrypt over the phrase's 32 bytes of entropy (not its text: spelling, spaces and case
 * cannot matter), with the salt, N = 2^17, r = 8, p = 1 and 64 bytes out. The entropy alone is
 * 256 bits, beyond guessing; scrypt is there for a phrase written down only in part.
 */
import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { equalBytes } from '../util/bytes.js'
import type { CryptoBackend } from '../crypto/backend.js'

export const FORMAT_VERSION = 1
export const MAGIC = new TextEncoder().encode('FERRYBK\n')
/** scrypt parameters of files this Ferry writes; files carry their own */
export const BACKUP_SCRYPT = { log2N: 17, r: 8, p: 1 } as const
export const PHRASE_WORDS = 24
const KDF_SCRYPT = 1
const SALT_BYTES = 16
const CHECK_BYTES = 16
const NONCE_BYTES = 12
export const HEADER_BYTES = MAGIC.byteLength + 1 + 1 + 3 + SALT_BYTES + CHECK_BYTES + 4
/** what a file may ask of the KDF: beyond, it was altered (or made to exhaust this machine) */
const LIMITS = { log2N: [14, 20], r: [1, 16], p: [1, 4] } as const

/** scrypt as the platform has it: `dkLen` bytes from `password` and `salt`. */
export type Scrypt = (password: Uint8Array, salt: Uint8Array, params: { N: number, r: number, p: number, dkLen: number }) => Promise<Uint8Array>

/** What sealing and opening a backup needs from the platform. */
export type BackupCrypto = Pick<CryptoBackend, 'aeadSeal' | 'aeadOpen' | 'randomBytes'> & { scrypt: Scrypt }

/** Why a backup could not be read. Every subclass leaves the stores as they were. */
export class BackupError extends Error {
  override name = 'BackupError'
}
export class NotABackupError extends BackupError {
  override name = 'NotABackupError'
}
export class NewerBackupError extends BackupError {
  override name = 'NewerBackupError'
}
export class TruncatedBackupError extends BackupError {
  override name = 'TruncatedBackupError'
}
/** The file was altered: its header's values are impossible, or its body fails authentication. */
export class DamagedBackupError extends BackupError {
  override name = 'DamagedBackupError'
}
/** Not a recovery phrase at all: wrong length, a word not in the list, a failing checksum. */
export class InvalidPhraseError extends BackupError {
  override name = 'InvalidPhraseError'
}
/** A valid phrase, but not this file's. */
export class WrongPhraseError extends BackupError {
  override name = 'WrongPhraseError'
}

/** A new recovery phrase: 24 words from 32 random bytes. */
export function generatePhrase (random: (n: number) => Uint8Array): string {
  return entropyToMnemonic(random(32), wordlist)
}

/**
 * The 32 bytes of entropy a phrase stands for. Case and spacing do not matter.
 *
 * @throws InvalidPhraseError naming what is wrong (never echoing a word)
 */
export function phraseEntropy (phrase: string): Uint8Array {
  const words = phrase.normalize('NFKD').toLowerCase().trim().split(/\s+/).filter(w => w !== '')
  if (words.length !== PHRASE_WORDS) throw new InvalidPhraseError(`a recovery phrase has ${PHRASE_WORDS} words; this one has ${words.length}`)
  const unknown = words.findIndex(w => !wordlist.includes(w))
  if (unknown >= 0) throw new InvalidPhraseError(`word ${unknown + 1} of the recovery phrase is not in the word list (misspelled?)`)
  try {
    return mnemonicToEntropy(words.join(' '), wordlist)
  } catch {
    throw new InvalidPhraseError('the recovery phrase\'s checksum does not match: a word is wrong or out of order')
  }
}

async function derive (crypto: BackupCrypto, entropy: Uint8Array, salt: Uint8Array, kdf: { log2N: number, r: number, p: number }): Promise<{ key: Uint8Array, check: Uint8Array }> {
  const out = await crypto.scrypt(entropy, salt, { N: 2 ** kdf.log2N, r: kdf.r, p: kdf.p, dkLen: 64 })
  return { key: out.subarray(0, 32), check: out.subarray(32, 32 + CHECK_BYTES) }
}

/**
 * Seal `plaintext` for `phrase`.
 *
 * @throws InvalidPhraseError
 */
export async function sealBackup (crypto: BackupCrypto, plaintext: Uint8Array, phrase: string, salt: Uint8Array = crypto.randomBytes(SALT_BYTES)): Promise<Uint8Array> {
  if (salt.byteLength !== SALT_BYTES) throw new TypeError(`"salt" must be ${SALT_BYTES} bytes`)
  const { key, check } = await derive(crypto, phraseEntropy(phrase), salt, BACKUP_SCRYPT)
  const header = new Uint8Array(HEADER_BYTES)
  header.set(MAGIC)
  let at = MAGIC.byteLength
  header.set([FORMAT_VERSION, KDF_SCRYPT, BACKUP_SCRYPT.log2N, BACKUP_SCRYPT.r, BACKUP_SCRYPT.p], at)
  at += 5
  header.set(salt, at)
  header.set(check, at + SALT_BYTES)
  const nonce = crypto.randomBytes(NONCE_BYTES)
  const sealed = await crypto.aeadSeal(key, nonce, plaintext, header.subarray(0, HEADER_BYTES - 4))
  new DataView(header.buffer).setUint32(HEADER_BYTES - 4, NONCE_BYTES + sealed.byteLength)
  const file = new Uint8Array(HEADER_BYTES + NONCE_BYTES + sealed.byteLength)
  file.set(header)
  file.set(nonce, HEADER_BYTES)
  file.set(sealed, HEADER_BYTES + NONCE_BYTES)
  return file
}

/** The header's values, checked before any key is derived. */
interface Header { version: number, kdf: { log2N: number, r: number, p: number }, salt: Uint8Array, check: Uint8Array, aad: Uint8Array, body: Uint8Array }

/**
 * Read a file's header: the checks that need no phrase (so a wrong file is told before a prompt).
 *
 * @throws NotABackupError | NewerBackupError | TruncatedBackupError | DamagedBackupError
 */
export function readHeader (file: Uint8Array): Header {
  const magic = file.subarray(0, MAGIC.byteLength)
  const magicMatches = magic.every((b, i) => b === MAGIC[i])
  if (!magicMatches || file.byteLength === 0) throw new NotABackupError('this is not a Ferry backup file')
  if (file.byteLength < HEADER_BYTES) throw new TruncatedBackupError(`the backup file is truncated: ${file.byteLength} bytes, not even its ${HEADER_BYTES}-byte header`)
  const [version, kdfId, log2N, r, p] = file.subarray(MAGIC.byteLength, MAGIC.byteLength + 5)
  if (version > FORMAT_VERSION) throw new NewerBackupError(`the backup was made by a newer Ferry (format version ${version}; this Ferry reads version ${FORMAT_VERSION}): upgrade Ferry to import it`)
  if (version !== FORMAT_VERSION) throw new DamagedBackupError(`the backup file names format version ${version}, which never existed: the file was altered`)
  if (kdfId !== KDF_SCRYPT) throw new DamagedBackupError(`the backup file names an unknown key derivation (${kdfId}): the file was altered`)
  const inRange = (v: number, [lo, hi]: readonly [number, number]): boolean => v >= lo && v <= hi
  if (!inRange(log2N, LIMITS.log2N) || !inRange(r, LIMITS.r) || !inRange(p, LIMITS.p)) throw new DamagedBackupError('the backup file\'s key-derivation parameters are out of range: the file was altered')
  const saltAt = MAGIC.byteLength + 5
  const length = new DataView(file.buffer, file.byteOffset, file.byteLength).getUint32(HEADER_BYTES - 4)
  const have = file.byteLength - HEADER_BYTES
  if (have < length) throw new TruncatedBackupError(`the backup file is truncated: ${file.byteLength} of ${HEADER_BYTES + length} bytes`)
  if (have > length) throw new DamagedBackupError(`the backup file has ${have - length} bytes after its end: the file was altered`)
  if (length < NONCE_BYTES + 16) throw new DamagedBackupError('the backup file\'s body is too short to be sealed: the file was altered')
  return {
    version,
    kdf: { log2N, r, p },
    salt: file.subarray(saltAt, saltAt + SALT_BYTES),
    check: file.subarray(saltAt + SALT_BYTES, saltAt + SALT_BYTES + CHECK_BYTES),
    aad: file.subarray(0, HEADER_BYTES - 4),
    body: file.subarray(HEADER_BYTES)
  }
}

/**
 * Open a backup file with its phrase.
 *
 * @throws every readHeader error | InvalidPhraseError | WrongPhraseError | DamagedBackupError
 */
export async function openBackup (crypto: BackupCrypto, file: Uint8Array, phrase: string): Promise<Uint8Array> {
  const header = readHeader(file)
  const { key, check } = await derive(crypto, phraseEntropy(phrase), header.salt, header.kdf)
  if (!equalBytes(check, header.check)) throw new WrongPhraseError('this recovery phrase does not open this backup: it is a valid phrase, but another backup\'s (or the file\'s header was altered)')
  try {
    return await crypto.aeadOpen(key, header.body.subarray(0, NONCE_BYTES), header.body.subarray(NONCE_BYTES), header.aad)
  } catch {
    throw new DamagedBackupError('the backup file was altered or damaged: the recovery phrase is right, but the contents fail authentication')
  }
}
