/**
 * `ferry backup import` refuses what it cannot trust, each time with its own clear reason, a
 * non-zero exit and nothing written: a phrase that is no recovery phrase (checksum, length, an
 * unknown word), a valid phrase of another backup, a truncated file, a flipped byte anywhere
 * (fixed positions in every header field and the body, and random ones: the seed is printed), a
 * file that is no backup, a newer format, and a data dir that has an identity already.
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { validateMnemonic } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { generatePhrase, HEADER_BYTES } from '../../node/backup/file.js'
import { createRandom } from '../../node/sim/random.js'
import { cli, tempDir } from './harness.js'

describe('ferry backup import: bad phrases and bad files', function () {
  this.timeout(300_000)
  let root: string
  let original: string
  let file: string
  let bytes: Uint8Array
  let phrase: string

  before(async () => {
    root = tempDir('ferry-backup-errors-')
    original = join(root, 'original')
    assert.equal((await cli(['init', '--name', 'alice', '--data-dir', original], { FERRY_PASSPHRASE: '' })).code, 0)
    file = join(root, 'alice.ferry-backup')
    const r = await cli(['backup', 'export', file, '--json', '--data-dir', original])
    assert.equal(r.code, 0, r.stderr)
    phrase = JSON.parse(r.stdout).phrase
    bytes = new Uint8Array(readFileSync(file))
  })

  after(() => { rmSync(root, { recursive: true, force: true }) })

  let n = 0
  /** Import `data` (or the good file) into a new dir: must fail with `pattern` and leave nothing behind. */
  async function refused (pattern: RegExp, options: { data?: Uint8Array, phrase?: string, into?: string } = {}): Promise<void> {
    const at = join(root, `case-${++n}`)
    let path = file
    if (options.data != null) {
      path = join(root, `input-${n}`)
      writeFileSync(path, options.data)
    }
    const target = options.into ?? join(at, 'data')
    const r = await cli(['backup', 'import', path, '--data-dir', target], { FERRY_RECOVERY_PHRASE: options.phrase ?? phrase, FERRY_PASSPHRASE: '' })
    assert.notEqual(r.code, 0, `case ${n} must fail: ${r.stdout}`)
    assert.match(r.stderr, pattern)
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line')
    if (options.into == null) {
      assert.equal(existsSync(at), false, `case ${n}: nothing written (${existsSync(at) ? readdirSync(at).join(', ') : ''})`)
    }
    assert.deepEqual(readdirSync(root).filter(f => f.includes('.import-')), [], 'no staging folder left')
  }

  it('export writes the file 0600 and never replaces one', async () => {
    assert.equal(statSync(file).mode & 0o777, 0o600)
    const r = await cli(['backup', 'export', file, '--data-dir', original])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /exists already; not overwriting it/)
    assert.deepEqual(new Uint8Array(readFileSync(file)), bytes)
    assert.deepEqual(readdirSync(root).filter(f => f.includes('.tmp-')), [], 'no temporary file left')
  })

  it('the good file and phrase import (the cases below differ in one thing)', async () => {
    const target = join(root, 'good')
    const r = await cli(['backup', 'import', file, '--data-dir', target], { FERRY_RECOVERY_PHRASE: phrase, FERRY_PASSPHRASE: '' })
    assert.equal(r.code, 0, r.stderr)
    assert.ok(existsSync(join(target, 'identity.key')))
  })

  it('a phrase whose checksum fails, of the wrong length, or with an unknown word: not a recovery phrase', async () => {
    const words = phrase.split(' ')
    const last = wordlist.find(w => w !== words[23] && !validateMnemonic([...words.slice(0, 23), w].join(' '), wordlist)) as string
    await refused(/checksum does not match/, { phrase: [...words.slice(0, 23), last].join(' ') })
    await refused(/has 24 words; this one has 23/, { phrase: words.slice(0, 23).join(' ') })
    await refused(/word 5 of the recovery phrase is not in the word list/, { phrase: [...words.slice(0, 4), 'ferryboat', ...words.slice(5)].join(' ') })
  })

  it('a valid phrase that is not this backup\'s', async () => {
    await refused(/valid phrase, but another backup's/, { phrase: generatePhrase() })
  })

  it('accepts the phrase in capitals and with extra spaces', async () => {
    const target = join(root, 'spaced')
    const r = await cli(['backup', 'import', file, '--data-dir', target], { FERRY_RECOVERY_PHRASE: `  ${phrase.toUpperCase().split(' ').join('   ')} \n`, FERRY_PASSPHRASE: '' })
    assert.equal(r.code, 0, r.stderr)
  })

  it('a truncated file', async () => {
    for (const length of [5, HEADER_BYTES - 1, HEADER_BYTES, HEADER_BYTES + 20, Math.floor(bytes.byteLength / 2), bytes.byteLength - 1]) {
      await refused(/truncated/, { data: bytes.subarray(0, length) })
    }
  })

  it('one flipped byte in each header field and in the body', async () => {
    const flipped = (at: number): Uint8Array => { const b = bytes.slice(); b[at] ^= 0x01; return b }
    await refused(/not a Ferry backup/, { data: flipped(0) }) // magic
    await refused(/version 0, which never existed: the file was altered/, { data: flipped(8) })
    await refused(/unknown key derivation .*altered/, { data: flipped(9) })
    await refused(/does not open this backup|altered/, { data: flipped(10) }) // log2 N: 17 -> 16, in range
    await refused(/out of range: the file was altered/, { data: flipped(12) }) // p: 1 -> 0
    await refused(/does not open this backup.*header was altered/, { data: flipped(13) }) // salt
    await refused(/does not open this backup.*header was altered/, { data: flipped(29) }) // check
    await refused(/truncated|after its end/, { data: flipped(HEADER_BYTES - 1) }) // length
    for (const at of [HEADER_BYTES, HEADER_BYTES + 12, HEADER_BYTES + 100, bytes.byteLength - 1]) { // nonce, ciphertext, tag
      await refused(/altered or damaged: the recovery phrase is right/, { data: flipped(at) })
    }
  })

  it('flipped bytes at random positions (seeded)', async () => {
    const seed = Number(process.env.BACKUP_SEED ?? Math.floor(Math.random() * 2 ** 32))
    console.log(`      seed ${seed} (BACKUP_SEED=${seed} repeats it)`)
    const random = createRandom(seed, 'flips')
    for (let i = 0; i < 5; i++) {
      const b = bytes.slice()
      const at = random.int(b.byteLength)
      b[at] ^= 1 << random.int(8)
      await refused(/not a Ferry backup|altered|truncated|does not open this backup|newer Ferry/, { data: b })
    }
  })

  it('a file that is not a backup, a newer format, a missing file', async () => {
    await refused(/not a Ferry backup/, { data: readFileSync(join(original, 'identity.key')) })
    await refused(/not a Ferry backup/, { data: new Uint8Array(0) })
    const newer = bytes.slice()
    newer[8] = 2
    await refused(/made by a newer Ferry \(format version 2.*upgrade Ferry/, { data: newer })
    const r = await cli(['backup', 'import', join(root, 'nope'), '--data-dir', join(root, 'nope-data')], { FERRY_RECOVERY_PHRASE: phrase })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /no file/)
    assert.equal(existsSync(join(root, 'nope-data')), false)
  })

  it('a data dir that has an identity: refused, and the identity is untouched', async () => {
    const before = readFileSync(join(original, 'identity.key'), 'utf8')
    await refused(/holds an identity already.*import only into a new data dir/, { into: original })
    assert.equal(readFileSync(join(original, 'identity.key'), 'utf8'), before)
  })

  it('no phrase and no terminal: a clear error, no prompt', async () => {
    const r = await cli(['backup', 'import', file, '--data-dir', join(root, 'no-phrase')], { FERRY_RECOVERY_PHRASE: '' })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /no recovery phrase: set FERRY_RECOVERY_PHRASE or run the command in a terminal/)
    assert.equal(existsSync(join(root, 'no-phrase')), false)
  })
})
