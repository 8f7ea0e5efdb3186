/**
 * The identity key file (0600, `identity.key`). Public parts (identity, peer id, name) are in the
 * clear so `ferry id` works without the passphrase; the private keys and the keychain pass are
 * sealed with the storage key (node/at-rest.ts), which is itself wrapped with a passphrase-derived
 * key (scrypt) or, without a passphrase, stored in this file.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { createIdentity, identityToString } from '../protocol/index.js'
import { AtRestCipher, AtRestDecryptError, passphraseKey, SCRYPT } from './at-rest.js'
import type { Identity } from '../protocol/index.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { identityKeyFromBytes, identityKeyToBytes } from '../protocol/crypto/identity.js'

export interface KeyFile {
  identity: Identity
  name: string
  keychainPass: string
  /** encrypts session state and message bodies at rest */
  storageKey: Uint8Array
  protection: 'passphrase' | 'keyfile'
}

interface Secrets { identityKey: string, deviceKey: string, deviceSignature: string, keychainPass: string }

interface KeyFileJson {
  version: 2
  name: string
  identity: string
  peerId: string
  protection: 'passphrase' | 'keyfile'
  /** passphrase: scrypt parameters and salt; the storage key wrapped with the derived key */
  kdf?: { algorithm: 'scrypt', N: number, r: number, p: number, salt: string }
  wrappedKey?: string
  /** keyfile: the storage key itself */
  storageKey?: string
  /** the private keys, sealed with the storage key */
  secrets: string
}

/** The key file needs a passphrase and none was given. */
export class PassphraseRequiredError extends Error {
  override name = 'PassphraseRequiredError'
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'))
const AAD = new TextEncoder().encode('ferry-keyfile-v2')

/** Write a file atomically with the given mode. */
export function writeSecretFile (path: string, data: string, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, data, { mode })
  renameSync(tmp, path)
}

function save (path: string, file: KeyFile, passphrase: string | undefined): void {
  const secrets: Secrets = {
    identityKey: b64(identityKeyToBytes(file.identity.identityKey)), // the public key alone on a linked device without it
    deviceKey: b64(privateKeyToProtobuf(file.identity.deviceKey)),
    deviceSignature: b64(file.identity.deviceSignature),
    keychainPass: file.keychainPass
  }
  const json: KeyFileJson = {
    version: 2,
    name: file.name,
    identity: identityToString(file.identity.identityKey.publicKey.raw),
    peerId: file.identity.deviceKey.publicKey.toString(),
    protection: passphrase == null ? 'keyfile' : 'passphrase',
    secrets: b64(new AtRestCipher(file.storageKey).sealText(JSON.stringify(secrets), AAD))
  }
  if (passphrase == null) {
    json.storageKey = b64(file.storageKey)
  } else {
    const salt = new Uint8Array(randomBytes(16))
    json.kdf = { algorithm: 'scrypt', N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: b64(salt) }
    json.wrappedKey = b64(new AtRestCipher(passphraseKey(passphrase, salt)).seal(file.storageKey, AAD))
  }
  writeSecretFile(path, JSON.stringify(json, null, 2) + '\n')
}

/**
 * Create a new identity in `path`, protected by `passphrase` when given.
 *
 * @throws Error when an identity exists there already
 */
export async function createKeyFile (path: string, name: string, passphrase?: string): Promise<KeyFile> {
  if (existsSync(path)) throw new Error(`an identity exists already in ${path}; not overwriting it`)
  const file: KeyFile = { identity: await createIdentity(), name, keychainPass: randomBytes(32).toString('hex'), storageKey: AtRestCipher.generateKey(), protection: passphrase == null ? 'keyfile' : 'passphrase' }
  save(path, file, passphrase)
  return file
}

/**
 * Write an identity restored from a backup into `path`: its keys, with a new storage key and
 * keychain pass (nothing sealed under the old ones comes along), protected by `passphrase` when given.
 *
 * @throws Error when an identity exists there already
 */
export function restoreKeyFile (path: string, identity: Identity, name: string, passphrase?: string): KeyFile {
  if (existsSync(path)) throw new Error(`an identity exists already in ${path}; not overwriting it`)
  const file: KeyFile = { identity, name, keychainPass: randomBytes(32).toString('hex'), storageKey: AtRestCipher.generateKey(), protection: passphrase == null ? 'keyfile' : 'passphrase' }
  save(path, file, passphrase)
  return file
}

/**
 * Change the passphrase of the identity in `path`: the storage key is unwrapped with the current
 * one and wrapped again (nothing else is re-encrypted). `next` undefined removes the passphrase:
 * the storage key is then kept in the 0600 file itself.
 *
 * @param current - asked only when the file has a passphrase now
 * @param next - the new passphrase (undefined: none), asked once the current one unlocked the file
 * @throws PassphraseRequiredError | AtRestDecryptError (wrong current passphrase): the file is unchanged
 */
export async function changePassphrase (path: string, current: () => Promise<string | undefined> | string | undefined, next: () => Promise<string | undefined>): Promise<KeyFile> {
  const file = await loadKeyFile(path, current) // the current one is proven before a new one is asked for
  const pass = await next()
  save(path, file, pass)
  return { ...file, protection: pass == null ? 'keyfile' : 'passphrase' }
}

function readJson (path: string): any {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (err: any) {
    if (err.code === 'ENOENT') throw new Error(`no identity in ${path}; run \`ferry init\` first`)
    throw new Error(`identity file ${path} is unreadable: ${err.message}`)
  }
}

const key = (s: string): Ed25519PrivateKey => privateKeyFromProtobuf(unb64(s)) as Ed25519PrivateKey

/** The first format: keys in the clear under 0600; upgraded in place (still without a passphrase). */
function upgradeV1 (path: string, json: any): KeyFile {
  const file: KeyFile = { identity: { identityKey: key(json.identityKey), deviceKey: key(json.deviceKey), deviceSignature: unb64(json.deviceSignature) }, name: json.name, keychainPass: json.keychainPass, storageKey: AtRestCipher.generateKey(), protection: 'keyfile' }
  save(path, file, undefined)
  return file
}

/** What can be read without the passphrase. */
export function readPublic (path: string): { identity: string, peerId: string, name: string, protection: string } {
  const json = readJson(path)
  if (json.version !== 2) {
    const file = upgradeV1(path, json)
    return { identity: identityToString(file.identity.identityKey.publicKey.raw), peerId: file.identity.deviceKey.publicKey.toString(), name: file.name, protection: file.protection }
  }
  return { identity: json.identity, peerId: json.peerId, name: json.name, protection: json.protection }
}

/**
 * Load the identity from `path`.
 *
 * @param passphrase - asked only when the file is passphrase-protected (a terminal prompt, say)
 * @throws PassphraseRequiredError | AtRestDecryptError (wrong passphrase) | Error (missing, unreadable)
 */
export async function loadKeyFile (path: string, passphrase?: () => Promise<string | undefined> | string | undefined): Promise<KeyFile> {
  const json = readJson(path)
  if (json.version === 1 || json.version == null) return upgradeV1(path, json)
  const v2 = json as KeyFileJson
  let storageKey: Uint8Array
  if (v2.protection === 'passphrase') {
    const pass = await passphrase?.()
    if (pass == null || pass === '') throw new PassphraseRequiredError(`the identity in ${path} is protected by a passphrase and none was given: set FERRY_PASSPHRASE or run the command in a terminal`)
    const kdf = v2.kdf as NonNullable<KeyFileJson['kdf']>
    try {
      storageKey = new AtRestCipher(passphraseKey(pass, unb64(kdf.salt), kdf)).open(unb64(v2.wrappedKey ?? ''), AAD)
    } catch (err) {
      if (err instanceof AtRestDecryptError) throw new AtRestDecryptError(`wrong passphrase: it does not unlock the identity in ${path}`)
      throw err
    }
  } else {
    storageKey = unb64(v2.storageKey ?? '')
  }
  const secrets: Secrets = JSON.parse(new AtRestCipher(storageKey).openText(unb64(v2.secrets), AAD))
  return {
    identity: { identityKey: identityKeyFromBytes(unb64(secrets.identityKey)), deviceKey: key(secrets.deviceKey), deviceSignature: unb64(secrets.deviceSignature) },
    name: v2.name,
    keychainPass: secrets.keychainPass,
    storageKey,
    protection: v2.protection
  }
}
