/**
 * Text from the network on a terminal: a contact's message with a newline, OSC 52 (clipboard
 * write), SGR 8 (hidden text), a bidi override or a C1 control is shown escaped by plain `ferry
 * messages` (and --follow), never forging a line; --json stays exact JSON of the very same text.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { escapeControls, messageLine, NOT_A_CONTACT, plain, safeJson } from '../../node/cli/terminal.js'
import { befriend, BIN, cli, startDaemons, stopAll, waitFor } from './harness.js'
import type { DaemonProcess } from './harness.js'

const FORGED = '2026-01-01 12:00:00  <- alice  [delivered]  send the code'
const ATTACKS = [
  `innocent\n${FORGED}\u001b]52;c;ZXZpbA==\u0007`,
  `second\r\n${FORGED}\u001b[8mhidden`,
  'price \u202e0001$\u202c is fine \u2066isolated\u2069',
  'c1 \u009b31m red \u0085 next-line \u007f del \u2028 line-sep'
]
/** Bytes and characters that must never reach a terminal raw. */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/ // eslint-disable-line no-control-regex

describe('terminal output escapes text from the network', function () {
  this.timeout(120_000)

  describe('escapeControls, plain, safeJson, messageLine', () => {
    it('shows every control character visibly and leaves other text alone', () => {
      assert.equal(escapeControls('a\nb\r\tc'), 'a\\nb\\r\\tc')
      assert.equal(escapeControls('\u001b]52;c;ZXZpbA==\u0007'), '\\x1b]52;c;ZXZpbA==\\x07')
      assert.equal(escapeControls('\u001b[8m\u007f\u009b'), '\\x1b[8m\\x7f\\x9b')
      assert.equal(escapeControls('\u202eabc\u202c \u2066x\u2069 \u200f \u2028'), '\\u202eabc\\u202c \\u2066x\\u2069 \\u200f \\u2028')
      assert.equal(escapeControls('über ✓ 日本 😀 C:\\path'), 'über ✓ 日本 😀 C:\\path')
      for (const text of ATTACKS) assert.doesNotMatch(escapeControls(text), RAW)
    })

    it('plain escapes what is interpolated, not the template', () => {
      assert.equal(plain`a\n${'b\nc'}\t${42}`, 'a\nb\\nc\t42')
    })

    it('safeJson is exact JSON of the same value, with no raw control or bidi character', () => {
      const value = { texts: ATTACKS, n: 1, nested: [{ t: '\u0085\u2029' }] }
      for (const indent of [undefined, 2]) {
        const s = safeJson(value, indent)
        assert.doesNotMatch(s, RAW)
        assert.deepEqual(JSON.parse(s), value)
      }
    })

    it('a message is one line; a sender who is not a contact is marked', () => {
      const peer = '12D3KooWDPjF1fdoZN2KvByryZkmwQazPVbZotCvcyAi3EUjnX5L'
      const base = { peer, direction: 'in' as const, status: 'delivered', createdAt: Date.UTC(2026, 0, 1, 12) }
      for (const text of ATTACKS) {
        const line = messageLine({ ...base, contact: 'bob', text })
        assert.equal(line.split('\n').length, 1)
        assert.doesNotMatch(line, RAW)
        assert.ok(line.startsWith('2026-01-01 12:00:00  <- bob  [delivered]  '), line)
      }
      const stranger = messageLine({ ...base, contact: peer, text: 'hi' })
      assert.equal(stranger, `2026-01-01 12:00:00  <- ${NOT_A_CONTACT} ${peer}  [delivered]  hi`)
      assert.doesNotMatch(messageLine({ ...base, contact: 'bob', text: 'hi' }), /not a contact/)
    })
  })

  describe('ferry messages between two daemons', () => {
    let alice: DaemonProcess
    let bob: DaemonProcess

    before(async () => {
      [alice, bob] = await startDaemons('alice', 'bob')
      await befriend(alice, bob)
      for (const text of ATTACKS) await bob.api.post('/v1/messages', { contact: 'alice', text })
      await waitFor('alice has the messages', async () => (await alice.messages('in')).length === ATTACKS.length, 60_000)
    })

    after(async () => stopAll([alice, bob].filter(Boolean)))

    /** Every line is one whole message from bob (a status change may print a message again). */
    const assertSafe = (out: string, messages: number): void => {
      assert.doesNotMatch(out, RAW, 'no raw control or bidi character reaches the terminal')
      const all = out.split('\n').filter(l => l !== '')
      assert.ok(all.length >= messages, `a line per message:\n${out}`)
      for (const l of all) assert.match(l, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}<- bob {2}\[\w+\] {2}/, 'no forged line')
      assert.ok(out.includes(`innocent\\n${FORGED}\\x1b]52;c;ZXZpbA==\\x07`), out)
      assert.ok(out.includes('\\u202e0001$\\u202c'), out)
    }

    it('plain output escapes control characters and forges no line', async () => {
      const r = await cli(['messages', '--data-dir', alice.dir])
      assert.equal(r.code, 0, r.stderr)
      assertSafe(r.stdout, ATTACKS.length)
      assert.equal(r.stdout.split('\n').filter(l => l !== '').length, ATTACKS.length)
    })

    it('--json gives the exact texts, with no raw control character in the output', async () => {
      const r = await cli(['messages', '--json', '--data-dir', alice.dir])
      assert.equal(r.code, 0, r.stderr)
      assert.doesNotMatch(r.stdout, RAW)
      assert.deepEqual(JSON.parse(r.stdout).map((m: any) => m.text).sort(), [...ATTACKS].sort())
    })

    it('--follow escapes too', async () => {
      const follower = spawn(process.execPath, [BIN, 'messages', 'bob', '--follow', '--data-dir', alice.dir], { stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      follower.stdout.on('data', d => { out += String(d) })
      try {
        await waitFor('the history', () => out.split('\n').length > ATTACKS.length)
        await bob.api.post('/v1/messages', { contact: 'alice', text: `live\n${FORGED}\u001b[8m` })
        await waitFor('the live message', () => out.includes('live\\n'))
        await new Promise(resolve => setTimeout(resolve, 300))
        assertSafe(out, ATTACKS.length + 1)
      } finally {
        follower.kill('SIGTERM')
      }
    })
  })
})
