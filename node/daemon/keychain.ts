/**
 * The daemon's libp2p keychain. It holds the WebRTC-direct certificate's key (so a restarted
 * daemon keeps its certhash and the addresses it handed out), sealed under a key the keychain
 * derives from the data dir's keychain pass: 32 random bytes made by `ferry init`, kept in the key
 * file. libp2p derives it with PBKDF2, 10,000 rounds of SHA-512 by default, in JavaScript and
 * synchronously on every start: ~180 ms of a daemon's start-up on this machine kind, which buys
 * nothing for a random 256-bit pass (stretching helps only a guessable one). Ferry asks for the
 * fewest rounds the keychain accepts (1,000, NIST SP 800-132's floor) and moves keys sealed under
 * the old default once, on the first start after the change.
 */
import { keychain } from '@libp2p/keychain'
import { Key } from 'interface-datastore'
import { quietLogger } from '../quiet-logger.js'
import type { Keychain, KeychainComponents, KeychainInit } from '@libp2p/keychain'
import type { Datastore } from 'interface-datastore'

/** PBKDF2 rounds of the keychain's key: the least @libp2p/keychain accepts. */
export const KEYCHAIN_ROUNDS = 1000
/** Present once the keychain's keys are sealed with KEYCHAIN_ROUNDS. */
const MOVED = new Key('/ferry/keychain-rounds')

/**
 * The keychain service for `createLibp2p`, after moving any key sealed under libp2p's default
 * rounds to KEYCHAIN_ROUNDS.
 */
export async function daemonKeychain (datastore: Datastore, pass: string): Promise<(components: KeychainComponents) => Keychain> {
  const init: KeychainInit = { pass, dek: { iterationCount: KEYCHAIN_ROUNDS } as KeychainInit['dek'] }
  if (!await datastore.has(MOVED)) {
    const components = { datastore, logger: quietLogger }
    const old = keychain({ pass })(components)
    const names = (await old.listKeys()).map(k => k.name)
    if (names.length > 0) {
      const keys = await Promise.all(names.map(async name => ({ name, key: await old.exportKey(name) })))
      const moved = keychain(init)(components)
      for (const { name, key } of keys) {
        await old.removeKey(name)
        await moved.importKey(name, key)
      }
    }
    await datastore.put(MOVED, new TextEncoder().encode(String(KEYCHAIN_ROUNDS)))
  }
  return keychain(init)
}
