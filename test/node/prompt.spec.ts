/**
 * Passphrase prompts in a real terminal: `ferry init`, a first `ferry start` that creates the
 * identity, and `ferry start` unlocking it, each run under a pseudo-terminal (util-linux `script`)
 * and typed at as a person would: hidden input, Backspace, confirmation, Ctrl-C, a wrong passphrase.
 */
import assert from 'node:assert/strict'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ApiClient } from '../../node/cli/client.js'
import { loadKeyFile, readPublic } from '../../node/keyfile.js'
import { tempDir } from './harness.js'
import { SCRIPT, Terminal } from './pty.js'

const PASS = 'correct horse'
const DAEMON = ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-web', '--no-mdns']

describe('passphrase prompts in a terminal', function () {
  this.timeout(120_000)
  const dirs: string[] = []
  const dir = (): string => { const d = tempDir('ferry-tty-'); dirs.push(d); return d }
  let inited: string

  before(function () {
    if (!existsSync(SCRIPT)) this.skip()
  })

  after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

  it('ferry init asks twice without echoing, and Backspace edits', async () => {
    inited = dir()
    const t = new Terminal(['init', '--name', 'tty', '--data-dir', inited])
    await t.shows(/New passphrase \(empty for none\): /)
    t.type('correct horsX\x7fe\r')
    await t.shows(/Repeat passphrase: /)
    t.type(`${PASS}\r`)
    assert.equal(await t.exit(), 0, t.out)
    assert.match(t.out, /keys protected by your passphrase/)
    assert.doesNotMatch(t.out, /correct|hors/, 'nothing typed is echoed')
    const key = join(inited, 'identity.key')
    assert.equal(readPublic(key).protection, 'passphrase')
    assert.equal((await loadKeyFile(key, () => PASS)).name, 'tty')
  })

  it('ferry init refuses two different entries and creates nothing', async () => {
    const d = dir()
    const t = new Terminal(['init', '--data-dir', d])
    await t.shows(/New passphrase/)
    t.type(`${PASS}\r`)
    await t.shows(/Repeat passphrase/)
    t.type('correct hose\r')
    assert.equal(await t.exit(), 1, t.out)
    assert.match(t.out, /passphrases differ/)
    assert.equal(existsSync(join(d, 'identity.key')), false)
  })

  it('Ctrl-C at the prompt cancels cleanly', async () => {
    const d = dir()
    const t = new Terminal(['init', '--data-dir', d])
    await t.shows(/New passphrase/)
    t.type('half typed\x03')
    assert.equal(await t.exit(), 130, t.out)
    assert.match(t.out, /ferry: cancelled/)
    assert.doesNotMatch(t.out, /at .*\.js/, 'no stack trace')
    assert.equal(existsSync(join(d, 'identity.key')), false)
  })

  it('ferry start refuses a wrong passphrase clearly', async () => {
    const t = new Terminal(['start', '--data-dir', inited, ...DAEMON])
    await t.shows(/Passphrase: /)
    t.type('wrong horse\r')
    const code = await t.exit()
    assert.notEqual(code, 0, t.out)
    assert.match(t.out, /wrong passphrase/)
    assert.equal(existsSync(join(inited, 'api.json')), false, 'no daemon started')
  })

  it('ferry start unlocks with the passphrase, runs, and stops on Ctrl-C', async () => {
    const t = new Terminal(['start', '--data-dir', inited, ...DAEMON])
    await t.shows(/Passphrase: /)
    t.type(`${PASS}\r`)
    await t.shows(/running; Ctrl-C to stop/)
    assert.ok((await new ApiClient(inited).get('/v1/status')).peerId != null)
    t.type('\x03')
    assert.equal(await t.exit(), 0, t.out)
    assert.match(t.out, /SIGINT: shutting down/)
  })

  it('a first ferry start creates the identity after asking twice (typed ahead in one go)', async () => {
    const d = dir()
    const t = new Terminal(['start', '--data-dir', d, ...DAEMON])
    await t.shows(/New passphrase \(empty for none\): /)
    t.type(`${PASS}\r${PASS}\r`)
    await t.shows(/running; Ctrl-C to stop/)
    assert.equal(readPublic(join(d, 'identity.key')).protection, 'passphrase')
    assert.doesNotMatch(t.out, /correct/)
    t.type('\x03')
    assert.equal(await t.exit(), 0, t.out)
    assert.equal((await loadKeyFile(join(d, 'identity.key'), () => PASS)).protection, 'passphrase')
  })
})
