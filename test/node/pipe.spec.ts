/**
 * `ferry messages --json | jq` with a multi-megabyte history: the CLI writes everything to a pipe
 * that is read slowly before it exits (it used to exit with 64 KiB written, the pipe's capacity).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { befriend, BIN, startDaemons, stopAll } from './harness.js'
import type { DaemonProcess } from './harness.js'

const quote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`

/**
 * `ferry ARGS | (sleep HOLD; cat)` in bash: the CLI's stdout is a real pipe that nobody reads for
 * `holdMs`, as when the next command in a pipeline is slow to start.
 */
async function throughSlowPipe (args: string[], holdMs: number): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const ferry = [process.execPath, BIN, ...args].map(quote).join(' ')
  const proc = spawn('bash', ['-c', `set -o pipefail; ${ferry} | (sleep ${holdMs / 1000}; cat)`], { stdio: ['ignore', 'pipe', 'pipe'] })
  const out: Buffer[] = []
  let stderr = ''
  proc.stdout.on('data', (d: Buffer) => out.push(d))
  proc.stderr.on('data', d => { stderr += String(d) })
  const code = await new Promise<number | null>(resolve => proc.once('close', resolve))
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr }
}

describe('CLI output through a pipe', function () {
  this.timeout(300_000)
  let alice: DaemonProcess
  let bob: DaemonProcess
  const COUNT = 2000
  const texts: string[] = []

  before(async () => {
    [alice, bob] = await startDaemons('alice', 'bob')
    await befriend(alice, bob)
    await bob.stop() // alice's messages queue: the history grows without any delivery work
    for (let i = 0; i < COUNT; i++) texts.push(`${i} ${randomBytes(1200).toString('base64')}`)
    for (let i = 0; i < COUNT; i += 50) {
      await Promise.all(texts.slice(i, i + 50).map(async text => alice.api.post('/v1/messages', { contact: 'bob', text })))
    }
  })

  after(async () => stopAll([alice, bob].filter(Boolean)))

  it('ferry messages --json writes a multi-megabyte history whole to a slow reader', async () => {
    const r = await throughSlowPipe(['messages', '--json', '--data-dir', alice.dir], 3000)
    assert.equal(r.code, 0, r.stderr)
    assert.ok(r.stdout.length > 3_000_000, `${r.stdout.length} bytes: a multi-megabyte history`)
    const list = JSON.parse(r.stdout)
    assert.equal(list.length, COUNT)
    assert.deepEqual(list.map((m: any) => m.text).sort(), [...texts].sort())
  })

  it('plain ferry messages too', async () => {
    const r = await throughSlowPipe(['messages', '--data-dir', alice.dir], 2000)
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.split('\n').filter(l => l !== '')
    assert.equal(lines.length, COUNT)
    assert.ok(texts.every(t => r.stdout.includes(t)))
  })

  it('a reader that leaves early ends the CLI quietly', async () => {
    const proc = spawn(process.execPath, [BIN, 'messages', '--json', '--data-dir', alice.dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    proc.stderr.on('data', d => { stderr += String(d) })
    proc.stdout.once('data', () => proc.stdout.destroy())
    const code = await new Promise(resolve => proc.once('close', resolve))
    assert.equal(code, 0)
    assert.equal(stderr, '', 'no stack trace for a closed pipe')
  })
})
