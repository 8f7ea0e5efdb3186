/**
 * The identity key file (0600). Holds the identity key, the device (libp2p) key, the device
 * certificate and the keychain pass that protects the WebRTC-direct certificate key.
 * Encryption of this file with a passphrase arrives with the encryption issue; until then the file
 * mode is the protection: anyone who can read the data dir as this user can impersonate the node.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { createIdentity } from '../protocol/index.js'
import type { Identity } from '../protocol/index.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'

export interface KeyFile {
  identity: Identity
  name: string
  keychainPass: string
}

interface KeyFileJson { version: 1, name: string, identityKey: string, deviceKey: string, deviceSignature: string, keychainPass: string }

/** Write a file atomically with the given mode. */
export function writeSecretFile (path: string, data: string, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, data, { mode })
  renameSync(tmp, path)
}

/**
 * Create a new identity in `path`.
 *
 * @throws Error when an identity exists there already
 */
export async function createKeyFile (path: string, name: string): Promise<KeyFile> {
  if (existsSync(path)) throw new Error(`an identity exists already in ${path}; not overwriting it`)
  const identity = await createIdentity()
  const file: KeyFile = { identity, name, keychainPass: randomBytes(32).toString('hex') }
  const json: KeyFileJson = {
    version: 1,
    name,
    identityKey: Buffer.from(privateKeyToProtobuf(identity.identityKey)).toString('base64'),
    deviceKey: Buffer.from(privateKeyToProtobuf(identity.deviceKey)).toString('base64'),
    deviceSignature: Buffer.from(identity.deviceSignature).toString('base64'),
    keychainPass: file.keychainPass
  }
  writeSecretFile(path, JSON.stringify(json, null, 2) + '\n')
  return file
}

/**
 * Load the identity from `path`.
 *
 * @throws Error when missing or unreadable
 */
export function loadKeyFile (path: string): KeyFile {
  let json: KeyFileJson
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err: any) {
    if (err.code === 'ENOENT') throw new Error(`no identity in ${path}; run \`ferry init\` first`)
    throw new Error(`identity file ${path} is unreadable: ${err.message}`)
  }
  const key = (b64: string): Ed25519PrivateKey => privateKeyFromProtobuf(Buffer.from(b64, 'base64')) as Ed25519PrivateKey
  return {
    identity: { identityKey: key(json.identityKey), deviceKey: key(json.deviceKey), deviceSignature: new Uint8Array(Buffer.from(json.deviceSignature, 'base64')) },
    name: json.name,
    keychainPass: json.keychainPass
  }
}
