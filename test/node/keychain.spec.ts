/**
 * The daemon's keychain (node/daemon/keychain.ts): its keys are sealed with 1,000 PBKDF2 rounds,
 * and a data dir whose keychain was sealed under libp2p's default (10,000) keeps its WebRTC-direct
 * certificate — and so the addresses it handed out — across the upgrade.
 */
import assert from 'node:assert/strict'
import { keychain } from '@libp2p/keychain'
import { Key } from 'interface-datastore'
import { KEYCHAIN_ROUNDS } from '../../node/daemon/keychain.js'
import { loadKeyFile } from '../../node/keyfile.js'
import { dataPaths } from '../../node/paths.js'
import { quietLogger } from '../../node/quiet-logger.js'
import { SqliteDatastore } from '../../node/store/datastore.js'
import { openDatabase } from '../../node/store/sqlite.js'
import { startDaemons, stopAll } from './harness.js'
import type { DaemonProcess } from './harness.js'

const MOVED = new Key('/ferry/keychain-rounds')

describe('the daemon keychain', function () {
  this.timeout(120_000)
  let d: DaemonProcess

  before(async () => { [d] = await startDaemons('keys') })
  after(async () => { await stopAll([d].filter(Boolean)) })

  /** Run `fn` on the stopped daemon's datastore and its keychain pass. */
  async function offline<T> (fn: (datastore: SqliteDatastore, pass: string) => Promise<T>): Promise<T> {
    const db = openDatabase(dataPaths(d.dir).db)
    try {
      return await fn(new SqliteDatastore(db), (await loadKeyFile(dataPaths(d.dir).key)).keychainPass)
    } finally {
      db.close()
    }
  }

  it(`seals its keys with ${KEYCHAIN_ROUNDS} rounds; a keychain sealed under the old default is moved once and keeps the certhash`, async () => {
    const before = (await d.api.get<{ addresses: string[] }>('/v1/id')).addresses.filter(a => a.includes('/certhash/'))
    assert.ok(before.length > 0, 'a webrtc-direct address with a certhash')
    await d.stop()
    const names = await offline(async (datastore, pass) => {
      assert.ok(await datastore.has(MOVED))
      const now = keychain({ pass, dek: { iterationCount: KEYCHAIN_ROUNDS } as any })({ datastore, logger: quietLogger })
      const held = await now.listKeys()
      assert.ok(held.length > 0, 'the certificate key is in the keychain')
      // the default rounds cannot open what is sealed with ours
      await assert.rejects(keychain({ pass })({ datastore, logger: quietLogger }).exportKey(held[0].name))
      // make it a data dir of the release before: keys sealed under the default, no mark
      const old = keychain({ pass })({ datastore, logger: quietLogger })
      for (const k of held) {
        const key = await now.exportKey(k.name)
        await now.removeKey(k.name)
        await old.importKey(k.name, key)
      }
      await datastore.delete(MOVED)
      return held.map(k => k.name)
    })
    await d.start()
    const after = (await d.api.get<{ addresses: string[] }>('/v1/id')).addresses.filter(a => a.includes('/certhash/'))
    assert.deepEqual(after.sort(), before.sort(), 'the same certificate after the move')
    await d.stop()
    await offline(async (datastore, pass) => {
      assert.ok(await datastore.has(MOVED), 'moved once: marked')
      const now = keychain({ pass, dek: { iterationCount: KEYCHAIN_ROUNDS } as any })({ datastore, logger: quietLogger })
      assert.deepEqual((await now.listKeys()).map(k => k.name).sort(), names.sort())
      for (const name of names) await now.exportKey(name)
    })
    await d.start()
  })
})
