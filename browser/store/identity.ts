/**
 * This browser's identity in IndexedDB: the identity key, the device (libp2p peer) key, the device
 * certificate and the user's display name, as one record sealed with the at-rest key (the browser
 * counterpart of the Node key file, node/keyfile.ts).
 */
import { privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { request, STORES } from './idb.js'
import { recordName } from './at-rest.js'
import type { Database } from './idb.js'
import type { AtRestKey } from './at-rest.js'
import { identityKeyFromBytes, identityKeyToBytes } from '../../protocol/crypto/identity.js'
import type { Identity } from '../../protocol/crypto/identity.js'
import type { DeviceListStore } from '../../protocol/devices/devices.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'

/** The identity record holds something other than Ed25519 keys: it was not written by Ferry. */
export class InvalidIdentityRecordError extends Error {
  override name = 'InvalidIdentityRecordError'
}

/** An identity with the name the user goes by. */
export interface StoredIdentity {
  identity: Identity
  /** display name, shown to contacts in invites */
  name: string
}

/** Where a browser keeps its own identity. */
export interface IdentityStore {
  /** Replace the stored identity and display name; resolves once durable. */
  save(identity: Identity, name: string): Promise<void>
  /**
   * The stored identity, or undefined when this browser has none yet.
   *
   * @throws AtRestDecryptError when the record does not open with the at-rest key
   * @throws InvalidIdentityRecordError when it holds keys of another type
   */
  load(): Promise<StoredIdentity | undefined>
  /** where the identity's signed device list is kept (public: signed, not sealed) */
  deviceList(): DeviceListStore
}

const KEY = 'self'
const DEVICES_KEY = 'devices'
const AAD = recordName(STORES.identity, KEY)

interface IdentityJson { identityKey: Uint8Array, deviceKey: Uint8Array, deviceSignature: Uint8Array, name: string }

/** IdentityStore on IndexedDB, sealed at rest. */
export class IdbIdentityStore implements IdentityStore {
  constructor (private readonly db: Database, private readonly key: AtRestKey) {}

  async save (identity: Identity, name: string): Promise<void> {
    if (typeof name !== 'string') throw new TypeError('"name" must be a string')
    const json: IdentityJson = {
      identityKey: identityKeyToBytes(identity.identityKey), // the public key alone on a linked device without it
      deviceKey: privateKeyToProtobuf(identity.deviceKey),
      deviceSignature: identity.deviceSignature,
      name
    }
    const sealed = await this.key.sealJson(json, AAD)
    await this.db.write([STORES.identity], tx => { tx.objectStore(STORES.identity).put(sealed, KEY) })
  }

  deviceList (): DeviceListStore {
    return {
      load: async () => {
        const bytes: unknown = await this.db.read([STORES.identity], async tx => request(tx.objectStore(STORES.identity).get(DEVICES_KEY)))
        return bytes instanceof Uint8Array ? bytes : undefined
      },
      save: async bytes => { await this.db.write([STORES.identity], tx => { tx.objectStore(STORES.identity).put(bytes.slice(), DEVICES_KEY) }) }
    }
  }

  async load (): Promise<StoredIdentity | undefined> {
    const sealed: unknown = await this.db.read([STORES.identity], async tx => request(tx.objectStore(STORES.identity).get(KEY)))
    if (sealed == null) return undefined
    if (!(sealed instanceof Uint8Array)) throw new InvalidIdentityRecordError('the stored identity is not a sealed record')
    const json = await this.key.openJson<IdentityJson>(sealed, AAD)
    return {
      identity: { identityKey: identityKeyFromBytes(json.identityKey), deviceKey: ed25519(json.deviceKey, 'device'), deviceSignature: json.deviceSignature },
      name: json.name
    }
  }
}

function ed25519 (bytes: Uint8Array, which: string): Ed25519PrivateKey {
  const key = privateKeyFromProtobuf(bytes)
  if (key.type !== 'Ed25519') throw new InvalidIdentityRecordError(`the stored ${which} key is ${key.type}, not Ed25519`)
  return key
}
