/**
 * `ferry passphrase change`: the old passphrase stops working and the new one opens the keys;
 * a wrong current passphrase, a mistyped confirmation (in a real terminal) and a missing new one
 * change nothing. A passphrase can be set on keys that had none, and removed. And
 * `ferry backup import` in a terminal: the recovery phrase asked hidden, the new passphrase twice.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { AtRestDecryptError } from '../../node/at-rest.js'
import { loadKeyFile, readPublic } from '../../node/keyfile.js'
import { cli, tempDir } from './harness.js'
import { SCRIPT, Terminal } from './pty.js'

describe('ferry passphrase change', function () {
  this.timeout(120_000)
  const dirs: string[] = []
  const dir = (): string => { const d = tempDir('ferry-pass-'); dirs.push(d); return d }
  after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

  async function init (passphrase: string): Promise<string> {
    const d = dir()
    const r = await cli(['init', '--name', 'p', '--data-dir', d], { FERRY_PASSPHRASE: passphrase })
    assert.equal(r.code, 0, r.stderr)
    return d
  }
  const keyOf = (d: string): string => join(d, 'identity.key')
  const opens = async (d: string, pass?: string): Promise<boolean> => {
    try {
      await loadKeyFile(keyOf(d), () => pass)
      return true
    } catch (err) {
      if (err instanceof AtRestDecryptError) return false
      throw err
    }
  }

  it('the old passphrase stops working, the new one opens the same keys', async () => {
    const d = await init('old one')
    const identity = readPublic(keyOf(d)).identity
    const r = await cli(['passphrase', 'change', '--data-dir', d], { FERRY_PASSPHRASE: 'old one', FERRY_NEW_PASSPHRASE: 'new one' })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /passphrase changed/)
    assert.equal(await opens(d, 'old one'), false)
    assert.equal(await opens(d, 'new one'), true)
    assert.equal(readPublic(keyOf(d)).identity, identity)
  })

  it('a wrong current passphrase is refused and changes nothing', async () => {
    const d = await init('right')
    const before = readFileSync(keyOf(d), 'utf8')
    const r = await cli(['passphrase', 'change', '--data-dir', d], { FERRY_PASSPHRASE: 'wrong', FERRY_NEW_PASSPHRASE: 'new' })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /wrong passphrase/)
    assert.equal(readFileSync(keyOf(d), 'utf8'), before)
  })

  it('without a terminal and without FERRY_NEW_PASSPHRASE: a clear error, nothing changed', async () => {
    const d = await init('right')
    const before = readFileSync(keyOf(d), 'utf8')
    const r = await cli(['passphrase', 'change', '--data-dir', d], { FERRY_PASSPHRASE: 'right' })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /set FERRY_NEW_PASSPHRASE/)
    assert.equal(readFileSync(keyOf(d), 'utf8'), before)
  })

  it('sets a passphrase on keys that had none, and removes it again', async () => {
    const d = await init('')
    assert.equal(readPublic(keyOf(d)).protection, 'keyfile')
    assert.equal((await cli(['passphrase', 'change', '--data-dir', d], { FERRY_NEW_PASSPHRASE: 'now one' })).code, 0)
    assert.equal(readPublic(keyOf(d)).protection, 'passphrase')
    assert.equal(await opens(d, 'now one'), true)
    const r = await cli(['passphrase', 'change', '--data-dir', d], { FERRY_PASSPHRASE: 'now one', FERRY_NEW_PASSPHRASE: '' })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /passphrase removed/)
    assert.equal(readPublic(keyOf(d)).protection, 'keyfile')
    assert.equal(await opens(d), true)
  })

  describe('in a terminal', () => {
    before(function () {
      if (!existsSync(SCRIPT)) this.skip()
    })

    /** `ferry passphrase change` in a terminal: the current passphrase, then the new one and its repeat. */
    async function change (d: string, current: string, first: string, repeat: string): Promise<Terminal> {
      const t = new Terminal(['passphrase', 'change', '--data-dir', d])
      await t.shows(/Current passphrase: /)
      t.type(`${current}\r`)
      await t.shows(/New passphrase \(empty for none\): /)
      t.type(`${first}\r`)
      await t.shows(/Repeat new passphrase: /)
      t.type(`${repeat}\r`)
      return t
    }

    it('asks for the current passphrase, then the new one twice; a mismatch changes nothing', async () => {
      const d = await init('old one')
      const before = readFileSync(keyOf(d), 'utf8')
      const t = await change(d, 'old one', 'new one', 'new onf')
      assert.equal(await t.exit(), 1)
      assert.match(t.out, /the new passphrases differ; nothing was changed/)
      assert.doesNotMatch(t.out, /new one|old one/, 'nothing typed is echoed')
      assert.equal(readFileSync(keyOf(d), 'utf8'), before)
    })

    it('the same, typed right: changed', async () => {
      const d = await init('old one')
      const t = await change(d, 'old one', 'new one', 'new one')
      assert.equal(await t.exit(), 0, t.out)
      assert.equal(await opens(d, 'new one'), true)
    })

    it('a wrong current passphrase is refused before a new one is asked for', async () => {
      const d = await init('old one')
      const before = readFileSync(keyOf(d), 'utf8')
      const t = new Terminal(['passphrase', 'change', '--data-dir', d])
      await t.shows(/Current passphrase: /)
      t.type('not it\r')
      assert.equal(await t.exit(), 1)
      assert.match(t.out, /wrong passphrase/)
      assert.doesNotMatch(t.out, /New passphrase/)
      assert.equal(readFileSync(keyOf(d), 'utf8'), before)
    })

    it('backup import asks for the phrase hidden and the new passphrase twice; a mismatch imports nothing', async () => {
      const from = await init('')
      const file = join(from, '..', `${from.split('/').at(-1) as string}.ferry-backup`)
      dirs.push(file)
      const r = await cli(['backup', 'export', file, '--json', '--data-dir', from])
      assert.equal(r.code, 0, r.stderr)
      const { phrase } = JSON.parse(r.stdout)
      const target = join(dir(), 'data')
      const t = new Terminal(['backup', 'import', file, '--data-dir', target])
      await t.shows(/Recovery phrase \(24 words\): /)
      t.type(`${phrase as string}\r`)
      await t.shows(/New passphrase \(empty for none\): /, 60_000)
      t.type('first\r')
      await t.shows(/Repeat passphrase: /)
      t.type('frist\r')
      assert.equal(await t.exit(), 1)
      assert.match(t.out, /the passphrases differ/)
      assert.doesNotMatch(t.out, new RegExp(phrase.split(' ')[0] + ' ' + phrase.split(' ')[1]), 'the phrase is not echoed')
      assert.equal(existsSync(target), false)
      const again = new Terminal(['backup', 'import', file, '--data-dir', target])
      await again.shows(/Recovery phrase \(24 words\): /)
      again.type(`${phrase as string}\r`)
      await again.shows(/New passphrase \(empty for none\): /, 60_000)
      again.type('first\r')
      await again.shows(/Repeat passphrase: /)
      again.type('first\r')
      assert.equal(await again.exit(), 0, again.out)
      assert.equal(await opens(target, 'first'), true)
      assert.equal(readPublic(join(target, 'identity.key')).identity, readPublic(keyOf(from)).identity)
    })
  })
})
