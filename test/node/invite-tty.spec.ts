/**
 * `ferry invite` on a terminal (util-linux `script` gives it a pseudo-terminal): the QR code
 * comes first and the link last, so the ~80-line QR does not scroll the link out of sight;
 * `--no-qr` prints the link alone. Piped, the output is the link alone, as scripts expect.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { BIN, cli, startDaemons, stopAll } from './harness.js'
import type { DaemonProcess } from './harness.js'

const SCRIPT = '/usr/bin/script'
const QR_BLOCKS = /[█▀▄]/
const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`

/** Run the CLI under a pseudo-terminal; resolves with its exit code and the lines it showed. */
async function onTerminal (args: string[]): Promise<{ code: number | null, lines: string[] }> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ')
  const proc = spawn(SCRIPT, ['-qefc', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout.on('data', d => { out += String(d) })
  proc.stderr.on('data', d => { out += String(d) })
  const code = await new Promise<number | null>(resolve => proc.once('close', resolve))
  proc.stdin.end()
  return { code, lines: out.split(/\r?\n/).map(l => l.trimEnd()).filter(l => l !== '') }
}

describe('ferry invite on a terminal', function () {
  this.timeout(60_000)
  let bob: DaemonProcess

  before(async function () {
    if (!existsSync(SCRIPT)) this.skip()
    ;[bob] = await startDaemons('bob')
  })

  after(async () => { if (bob != null) await stopAll([bob]) })

  it('prints the QR code first and the link last', async () => {
    const { code, lines } = await onTerminal(['invite', '--data-dir', bob.dir])
    assert.equal(code, 0, lines.join('\n'))
    assert.ok(lines.filter(l => QR_BLOCKS.test(l)).length > 10, 'a QR code is shown')
    assert.match(lines[lines.length - 1], /^ferry:\/\/invite\/\S+$/)
    assert.equal(lines.filter(l => l.startsWith('ferry://')).length, 1)
  })

  it('--no-qr prints the link alone', async () => {
    const { code, lines } = await onTerminal(['invite', '--no-qr', '--data-dir', bob.dir])
    assert.equal(code, 0, lines.join('\n'))
    assert.equal(lines.length, 1, lines.join('\n'))
    assert.match(lines[0], /^ferry:\/\/invite\/\S+$/)
  })

  it('piped, the output is the link alone; --json is unchanged', async () => {
    const piped = await cli(['invite', '--data-dir', bob.dir])
    assert.equal(piped.code, 0, piped.stderr)
    assert.match(piped.stdout, /^ferry:\/\/invite\/\S+\n$/)
    const json = await cli(['invite', '--json', '--data-dir', bob.dir])
    assert.deepEqual(Object.keys(JSON.parse(json.stdout)), ['invite'])
  })
})
