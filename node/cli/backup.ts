/**
 * `ferry backup export|import` and `ferry passphrase change` (docs/BACKUP.md). Export reads the
 * data dir directly, whether or not a daemon runs (SQLite's WAL lets a second process read): the
 * control API gets no endpoint that hands out the identity key, so its token never becomes a way
 * to take the identity.
 */
import { existsSync, linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { identityToString } from '../../protocol/index.js'
import { collect, decodeContents, encodeContents, occupied, restore } from '../backup/contents.js'
import { generatePhrase, openBackup, readHeader, sealBackup } from '../backup/file.js'
import { changePassphrase, loadKeyFile } from '../keyfile.js'
import { newPassphrase, passphrase, recoveryPhrase, replacementPassphrase } from '../passphrase.js'
import { dataPaths } from '../paths.js'
import { UsageError } from './commands.js'
import { plain, safeJson } from './terminal.js'
import type { Flags } from './commands.js'

const out = (s: string): void => { process.stdout.write(s + '\n') }

/**
 * Write `data` to `path` (0600) atomically, refusing to replace anything there: a temporary file
 * is written in full, then hard-linked to the name (link fails when the name exists).
 *
 * @throws Error when `path` exists
 */
function writeNewFile (path: string, data: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' })
  try {
    linkSync(tmp, path)
  } catch (err: any) {
    if (err.code === 'EEXIST') throw new Error(`${path} exists already; not overwriting it (choose another file name)`)
    throw err
  } finally {
    rmSync(tmp, { force: true })
  }
}

/** `ferry backup export FILE [--history] [--json]` and `ferry backup import FILE`. */
export async function backup (f: Flags, args: string[]): Promise<void> {
  const [sub, file, ...rest] = args
  if ((sub !== 'export' && sub !== 'import') || file == null || rest.length > 0) throw new UsageError('usage: ferry backup export FILE [--history] [--json] | ferry backup import FILE')
  return sub === 'export' ? await exportBackup(f, file) : await importBackup(f, file)
}

async function exportBackup (f: Flags, file: string): Promise<void> {
  if (existsSync(file)) throw new Error(`${file} exists already; not overwriting it (choose another file name)`)
  const keys = await loadKeyFile(dataPaths(f.dataDir).key, passphrase)
  const contents = await collect(f.dataDir, keys, { history: f.history === true })
  const phrase = generatePhrase()
  writeNewFile(file, await sealBackup(encodeContents(contents), phrase))
  if (f.json) return out(safeJson({ phrase }, 2))
  const counts = [`${contents.contacts.length} contact${contents.contacts.length === 1 ? '' : 's'}`, `${contents.rooms.length} team room${contents.rooms.length === 1 ? '' : 's'}`]
  if (contents.history != null) counts.push(`${contents.history.length} messages`)
  out(plain`wrote ${file}: your identity, ${counts.join(', ')}.`)
  out('It opens only with this recovery phrase, shown this once: write it down and keep it apart from the file.')
  out(phrase) // last line: scripts read it from there
}

async function importBackup (f: Flags, file: string): Promise<void> {
  // every check that needs no secret comes first, and nothing is written until all have passed
  const taken = occupied(f.dataDir)
  if (taken != null) throw new Error(`${taken}: import only into a new data dir (--data-dir DIR); nothing was changed`)
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(readFileSync(file))
  } catch (err: any) {
    throw new Error(err.code === 'ENOENT' ? `no file ${file}` : `cannot read ${file}: ${err.message}`)
  }
  readHeader(bytes)
  const contents = decodeContents(await openBackup(bytes, await recoveryPhrase()))
  const keys = await restore(f.dataDir, contents, await newPassphrase())
  const identity = identityToString(keys.identity.identityKey.publicKey.raw)
  if (f.json) return out(safeJson({ identity, peerId: keys.identity.deviceKey.publicKey.toString(), dataDir: f.dataDir, contacts: contents.contacts.length, rooms: contents.rooms, messages: contents.history?.length ?? 0, protection: keys.protection }, 2))
  out(plain`restored identity ${identity}\npeer id ${keys.identity.deviceKey.publicKey.toString()}\ndata dir ${f.dataDir}`)
  out(plain`${contents.contacts.length} contacts` + (contents.history != null ? plain`, ${contents.history.length} messages` : ''))
  for (const r of contents.rooms) out(plain`team room ${r.name} (${r.id}): ask one of its admins to remove you and add you again`)
  out('next: ferry start — it announces this device again and starts new encrypted sessions with every contact')
}

/** `ferry passphrase change`: a new at-rest passphrase (or none), the current one proven first. */
export async function passphraseCommand (f: Flags, args: string[]): Promise<void> {
  if (args.length !== 1 || args[0] !== 'change') throw new UsageError('usage: ferry passphrase change')
  const keys = await changePassphrase(dataPaths(f.dataDir).key, async () => await passphrase('Current passphrase: '), replacementPassphrase)
  if (f.json) return out(safeJson({ protection: keys.protection }, 2))
  out(keys.protection === 'passphrase' ? 'passphrase changed' : 'passphrase removed: the keys are protected by file permissions only')
}
