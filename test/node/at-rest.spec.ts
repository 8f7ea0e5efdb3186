/**
 * Encryption at rest: the key file with and without a passphrase, the sealed
 * message store, and no plaintext in the database files.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { AtRestCipher, AtRestDecryptError } from '../../node/at-rest.js'
import { createKeyFile, loadKeyFile, PassphraseRequiredError, readPublic } from '../../node/keyfile.js'
import { SqliteMessageStore } from '../../node/store/messages.js'
import { openDatabase } from '../../node/store/sqlite.js'
import { createIdentity, identityToString } from '../../protocol/index.js'
import { heldIdentityKey } from '../../protocol/crypto/identity.js'
import { addOut } from '../protocol/helpers.js'
import { storeCompliance } from '../protocol/stores.suite.js'
import { SqliteContactStore } from '../../node/store/contacts.js'
import { SqlitePrekeyStore } from '../../node/store/prekeys.js'

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ferry-at-rest-'))

/** Every byte of every file in `dir` (database, WAL, key file...). */
function allBytes (dir: string): Buffer {
  return Buffer.concat(readdirSync(dir).map(f => readFileSync(join(dir, f))))
}

describe('encryption at rest', function () {
  this.timeout(30_000)
  const dirs: string[] = []
  const dir = (): string => { const d = tmp(); dirs.push(d); return d }
  after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

  it('AtRestCipher opens what it sealed, and refuses a wrong key, altered bytes or another row', () => {
    const c = new AtRestCipher(AtRestCipher.generateKey())
    const aad = new TextEncoder().encode('in:01')
    const sealed = c.sealText('secret text', aad)
    assert.equal(c.openText(sealed, aad), 'secret text')
    assert.throws(() => new AtRestCipher(AtRestCipher.generateKey()).open(sealed, aad), AtRestDecryptError)
    const altered = sealed.slice(); altered[20] ^= 1
    assert.throws(() => c.open(altered, aad), AtRestDecryptError)
    assert.throws(() => c.open(sealed, new TextEncoder().encode('in:02')), AtRestDecryptError)
  })

  it('a passphrase-protected key file opens only with the passphrase, and holds no private key in the clear', async () => {
    const path = join(dir(), 'identity.key')
    const made = await createKeyFile(path, 'alice', 'correct horse')
    const text = readFileSync(path, 'utf8')
    for (const key of [heldIdentityKey(made.identity.identityKey), made.identity.deviceKey]) {
      assert.ok(!text.includes(Buffer.from(privateKeyToProtobuf(key)).toString('base64')), 'private key not in the clear')
      assert.ok(!text.includes(Buffer.from(key.raw).toString('base64').slice(0, 40)))
    }
    assert.ok(!text.includes(made.keychainPass))
    assert.equal(readPublic(path).identity, identityToString(made.identity.identityKey.publicKey.raw), 'public parts readable without it')
    await assert.rejects(loadKeyFile(path), PassphraseRequiredError)
    await assert.rejects(loadKeyFile(path, async () => 'wrong'), AtRestDecryptError)
    const loaded = await loadKeyFile(path, async () => 'correct horse')
    assert.deepEqual(loaded.identity.deviceKey.raw, made.identity.deviceKey.raw)
    assert.deepEqual(loaded.storageKey, made.storageKey)
  })

  it('without a passphrase the key file works on its own; a version 1 file is upgraded', async () => {
    const path = join(dir(), 'identity.key')
    const made = await createKeyFile(path, 'bob')
    assert.equal((await loadKeyFile(path)).protection, 'keyfile')
    assert.deepEqual(heldIdentityKey((await loadKeyFile(path)).identity.identityKey).raw, heldIdentityKey(made.identity.identityKey).raw)

    const v1 = join(dir(), 'identity.key')
    const id = await createIdentity()
    const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
    writeFileSync(v1, JSON.stringify({ version: 1, name: 'old', identityKey: b64(privateKeyToProtobuf(heldIdentityKey(id.identityKey))), deviceKey: b64(privateKeyToProtobuf(id.deviceKey)), deviceSignature: b64(id.deviceSignature), keychainPass: 'k' }))
    assert.deepEqual((await loadKeyFile(v1)).identity.deviceKey.raw, id.deviceKey.raw)
    assert.equal(JSON.parse(readFileSync(v1, 'utf8')).version, 2, 'rewritten in the new format')
    assert.deepEqual((await loadKeyFile(v1)).identity.deviceKey.raw, id.deviceKey.raw)
  })

  it('sealed message store: no message text or envelope in the database, WAL or journal files', async () => {
    const d = dir()
    const db = openDatabase(join(d, 'ferry.db'))
    const store = new SqliteMessageStore(db, new AtRestCipher(AtRestCipher.generateKey()))
    const marker = `MARKER-${Math.random().toString(36).slice(2)}`
    await addOut(store, { id: '01'.repeat(16), peer: 'p', text: `${marker} out`, status: 'queued', createdAt: 1, expiresAt: 2, envelope: new TextEncoder().encode(`${marker} envelope`) })
    await store.storeIncoming([{ id: '02'.repeat(16), peer: 'p', text: `${marker} in`, createdAt: 1, expiresAt: 2, receivedAt: 3 }])
    assert.deepEqual((await store.list()).map(m => m.text), [`${marker} out`, `${marker} in`])
    assert.equal(new TextDecoder().decode((await store.queued())[0].envelope), `${marker} envelope`)
    assert.ok(!allBytes(d).includes(marker), 'plaintext found in the data dir')
    db.close()
  })

  it('rows written in the clear before are sealed when the store opens with a key', async () => {
    const d = dir()
    const path = join(d, 'ferry.db')
    const plain = openDatabase(path)
    await new SqliteMessageStore(plain).storeIncoming([{ id: '03'.repeat(16), peer: 'p', text: 'LEGACY-PLAINTEXT', createdAt: 1, expiresAt: 2, receivedAt: 3 }])
    plain.close()
    const key = AtRestCipher.generateKey()
    const db = openDatabase(path)
    const store = new SqliteMessageStore(db, new AtRestCipher(key))
    assert.equal((await store.list())[0].text, 'LEGACY-PLAINTEXT')
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    db.exec('VACUUM')
    assert.ok(!allBytes(d).includes('LEGACY-PLAINTEXT'))
    db.close()
  })

  describe('compliance with a cipher', () => {
    const opened: Array<{ close(): void }> = []
    after(() => { for (const db of opened) db.close() })
    storeCompliance('SQLite sealed', () => {
      const db = openDatabase(join(dir(), 'ferry.db'))
      opened.push(db)
      const cipher = new AtRestCipher(AtRestCipher.generateKey())
      return { contacts: new SqliteContactStore(db), messages: new SqliteMessageStore(db, cipher), prekeys: new SqlitePrekeyStore(db, cipher) }
    })
  })
})
