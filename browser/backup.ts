/**
 * The web app's backup (docs/BACKUP.md "In the web app"): the same file `ferry backup export`
 * writes, made from and restored into this browser's IndexedDB stores. Loaded only when asked for
 * (the app imports it dynamically), so the word list and scrypt stay out of the first download.
 * scrypt is @noble/hashes' (WebCrypto has none), run in slices so the page keeps painting.
 */
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { backupKeys, collectStores, decodeContents, encodeContents, restoredDeviceList, restoredIdentity } from '../protocol/backup/contents.js'
import { generatePhrase, openBackup, sealBackup } from '../protocol/backup/file.js'
import { browserCrypto } from './crypto.js'
import type { BackupContents } from '../protocol/backup/contents.js'
import type { BackupCrypto } from '../protocol/backup/file.js'
import type { Identity } from '../protocol/crypto/identity.js'
import type { BrowserStores } from './store/index.js'

/** The browser's own settings a backup carries (app/settings.ts keeps them in localStorage). */
export interface BrowserSettings { daemons: string[], iceServers: unknown[] }

/** Progress of the key derivation, 0 to 1 (it is most of the time an export or import takes). */
export type Progress = (fraction: number) => void

async function backupCrypto (progress?: Progress): Promise<BackupCrypto> {
  const crypto = await browserCrypto()
  return {
    aeadSeal: crypto.aeadSeal.bind(crypto),
    aeadOpen: crypto.aeadOpen.bind(crypto),
    randomBytes: crypto.randomBytes.bind(crypto),
    scrypt: async (password, salt, { N, r, p, dkLen }) => await scryptAsync(password, salt, { N, r, p, dkLen, maxmem: 256 * N * r + 16 * 1024 * 1024, asyncTick: 20, onProgress: progress })
  }
}

/** What an export wrote: the file's bytes, the phrase that opens it (shown once), and what it holds. */
export interface Exported { file: Uint8Array, phrase: string, contacts: number, rooms: number, messages?: number }

/**
 * Seal this browser's identity, contacts, verifications, block list, rooms, mailbox choice and
 * settings (with `history`: its text messages) under a new recovery phrase.
 *
 * @throws Error when this browser has no identity yet
 */
export async function exportBackup (opened: BrowserStores, settings: BrowserSettings, options: { history: boolean, progress?: Progress }): Promise<Exported> {
  const saved = await opened.identity.load()
  if (saved == null) throw new Error('this browser has no identity to back up')
  const crypto = await browserCrypto()
  const contents = await collectStores(backupKeys(saved.identity, saved.name, Date.now()), opened.stores, crypto, options.history)
  contents.settings.mailboxUse = await opened.stores.mailbox.usedHosts()
  contents.settings.browser = settings
  contents.devices = await opened.identity.deviceList().load()
  const phrase = generatePhrase(n => crypto.randomBytes(n))
  const file = await sealBackup(await backupCrypto(options.progress), encodeContents(contents), phrase)
  return { file, phrase, contacts: contents.contacts.length, rooms: contents.rooms.length, messages: contents.history?.length }
}

/** What an import restored. */
export interface Imported { identity: Identity, name: string, contents: BackupContents }

/**
 * Restore a backup into this browser, which must hold no identity. Every check (the file, the
 * phrase, the contents) runs before anything is written, and the identity is written last: a
 * failure leaves this browser without one, as before.
 *
 * @throws BackupError for a bad file or phrase (nothing written); Error when this browser holds an identity
 */
export async function importBackup (opened: BrowserStores, file: Uint8Array, phrase: string, progress?: Progress): Promise<Imported> {
  if (await opened.identity.load() != null) throw new Error('this browser holds an identity already: a backup is restored only into a browser profile that has none')
  const contents = decodeContents(await openBackup(await backupCrypto(progress), file, phrase))
  const identity = restoredIdentity(contents)
  const devices = await restoredDeviceList(contents)
  const { contacts, messages, mailbox } = opened.stores
  const have = new Set((await contacts.list()).map(c => c.peerId)) // left by an import that stopped half-way
  for (const c of contents.contacts) await (have.has(c.peerId) ? contacts.update(c) : contacts.add(c))
  for (const peer of contents.blocked) await contacts.block(peer, contents.createdAt)
  await mailbox.useHosts(contents.settings.mailboxUse)
  if (contents.history != null) await messages.restoreHistory(contents.history)
  if (devices != null) await opened.identity.deviceList().save(devices)
  await opened.identity.save(identity, contents.name)
  return { identity, name: contents.name, contents }
}
