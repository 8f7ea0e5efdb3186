/**
 * The control API never fails open: an empty or blank `api-token` file is replaced at start by a
 * fresh token (0600), and a request without the token is refused.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { BIN, cli, LOOPBACK, tempDir, waitFor } from './harness.js'

/** GET /v1/status with exactly these headers (fetch would normalise them). */
async function status (port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/v1/status', method: 'GET', headers }, res => { res.resume(); resolve(res.statusCode ?? 0) }).on('error', reject).end()
  })
}

describe('control API token', function () {
  this.timeout(60_000)

  for (const [label, content] of [['an empty', ''], ['a blank', ' \n\t\n']]) {
    it(`${label} token file is replaced at start, and an empty bearer is refused`, async () => {
      const dir = tempDir('ferry-token-')
      assert.equal((await cli(['init', '--name', 'tess', '--data-dir', dir])).code, 0)
      const file = join(dir, 'api-token')
      writeFileSync(file, content, { mode: 0o644 })
      // started by hand: the harness would wait for the API to answer its (now empty) token
      const proc = spawn(process.execPath, [BIN, 'start', '--data-dir', dir, '--no-mdns', '--no-web', ...LOOPBACK.flatMap(l => ['--listen', l])], { stdio: 'ignore' })
      try {
        await waitFor('api.json', () => existsSync(join(dir, 'api.json')))
        const { port } = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8'))
        for (const headers of [{}, { authorization: 'Bearer ' }, { authorization: 'Bearer' }, { authorization: '' }] as Array<Record<string, string>>) {
          assert.equal(await status(port, headers), 401, JSON.stringify(headers))
        }
        const token = readFileSync(file, 'utf8')
        assert.match(token, /^[0-9a-f]{64}$/, 'a fresh token')
        assert.equal(statSync(file).mode & 0o777, 0o600)
        assert.equal(await status(port, { authorization: `Bearer ${token}` }), 200)
        assert.equal(await status(port, { authorization: `Bearer ${token.slice(0, -1)}` }), 401)
      } finally {
        if (proc.exitCode == null && proc.signalCode == null) {
          const exited = new Promise(resolve => proc.once('exit', resolve))
          proc.kill('SIGTERM')
          await exited
        }
        rmSync(dir, { recursive: true, force: true })
      }
    })
  }
})
