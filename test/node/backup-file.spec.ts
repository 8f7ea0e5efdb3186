/**
 * The backup file (node/backup/file.ts) in process: the phrase is BIP-39 (a known answer), and
 * a file this Ferry writes opens with pure-JS scrypt and ChaCha20-Poly1305 from @noble, so a
 * browser can derive the same key and read the same file.
 */
import assert from 'node:assert/strict'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { scrypt } from '@noble/hashes/scrypt.js'
import { BACKUP_SCRYPT, generatePhrase, HEADER_BYTES, InvalidPhraseError, openBackup, phraseEntropy, sealBackup, WrongPhraseError } from '../../node/backup/file.js'

const ZERO_PHRASE = `${'abandon '.repeat(23)}art` // BIP-39's vector for 32 zero bytes

describe('backup file', function () {
  this.timeout(60_000)

  it('a phrase is 24 BIP-39 words from 32 random bytes, and stands for them', () => {
    assert.equal(generatePhrase(n => new Uint8Array(n)), ZERO_PHRASE)
    assert.deepEqual(phraseEntropy(ZERO_PHRASE), new Uint8Array(32))
    assert.deepEqual(phraseEntropy(` ${ZERO_PHRASE.toUpperCase().replace(/ /g, '\t ')} `), new Uint8Array(32))
    assert.throws(() => phraseEntropy(`${'abandon '.repeat(23)}abandon`), InvalidPhraseError) // checksum
    const phrase = generatePhrase()
    assert.equal(phrase.split(' ').length, 24)
    assert.notEqual(phrase, generatePhrase())
  })

  it('seals and opens; another valid phrase is told apart from an altered file', async () => {
    const plaintext = new TextEncoder().encode('{"kind":"ferry-backup"}')
    const file = await sealBackup(plaintext, ZERO_PHRASE)
    assert.deepEqual(await openBackup(file, ZERO_PHRASE), plaintext)
    await assert.rejects(openBackup(file, generatePhrase()), WrongPhraseError)
  })

  it('opens with @noble scrypt and ChaCha20-Poly1305 (what a browser has)', async () => {
    const plaintext = new TextEncoder().encode('the same in a browser')
    const salt = new Uint8Array(16).fill(7)
    const file = await sealBackup(plaintext, ZERO_PHRASE, salt)
    assert.deepEqual([...file.subarray(8, 13)], [1, 1, BACKUP_SCRYPT.log2N, BACKUP_SCRYPT.r, BACKUP_SCRYPT.p])
    const out = scrypt(new Uint8Array(32), salt, { N: 2 ** BACKUP_SCRYPT.log2N, r: BACKUP_SCRYPT.r, p: BACKUP_SCRYPT.p, dkLen: 64 })
    assert.deepEqual(file.subarray(29, 45), out.subarray(32, 48), 'the check bytes')
    const body = file.subarray(HEADER_BYTES)
    const opened = chacha20poly1305(out.subarray(0, 32), body.subarray(0, 12), file.subarray(0, HEADER_BYTES - 4)).decrypt(body.subarray(12))
    assert.deepEqual(opened, plaintext)
  })
})
