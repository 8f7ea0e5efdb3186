/**
 * `ferry start --api-socket`: the control API also on `<data dir>/api.sock` (what `ferry sim`'s
 * netns mode drives daemons through, from outside their network namespace). Same token, mode
 * 0600, the 127.0.0.1 API unchanged, the CLI prefers the socket, a stale socket after a crash is
 * replaced, and a clean stop removes it.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { ApiClient } from '../../node/cli/client.js'
import { cli, DaemonProcess, tempDir } from './harness.js'

/** A raw GET over a Unix socket: status and body. */
async function rawGet (socketPath: string, path: string, token?: string): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, headers: token == null ? {} : { authorization: `Bearer ${token}` } }, res => {
      let body = ''
      res.on('data', d => { body += String(d) })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('ferry start --api-socket', function () {
  this.timeout(60_000)
  const dir = tempDir('ferry-sock-')
  const daemon = new DaemonProcess(dir, 'sock')
  const socket = join(dir, 'api.sock')

  before(async () => {
    assert.equal((await cli(['init', '--name', 'sock', '--data-dir', dir])).code, 0)
    await daemon.start(undefined, ['--api-socket'])
  })

  after(async () => {
    await daemon.stop('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves the same API on the socket (0600, token required) and keeps the 127.0.0.1 API', async () => {
    const api = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8'))
    assert.equal(api.socket, socket)
    assert.ok(Number.isInteger(api.port) && api.port > 0, 'the TCP API is still there')
    assert.equal(statSync(socket).mode & 0o777, 0o600)
    const token = readFileSync(join(dir, 'api-token'), 'utf8').trim()
    assert.equal((await rawGet(socket, '/v1/status')).status, 401)
    const ok = await rawGet(socket, '/v1/id', token)
    assert.equal(ok.status, 200)
    const viaTcp = await fetch(`http://127.0.0.1:${api.port as number}/v1/id`, { headers: { authorization: `Bearer ${token}` } })
    assert.deepEqual(JSON.parse(ok.body), await viaTcp.json())
  })

  it('ApiClient and the CLI use the socket when api.json names one (a wrong TCP port does not matter)', async () => {
    const file = join(dir, 'api.json')
    const saved = readFileSync(file, 'utf8')
    writeFileSync(file, JSON.stringify({ ...JSON.parse(saved), port: 1 }))
    try {
      const client = new ApiClient(dir)
      assert.ok(Array.isArray((await client.get('/v1/status')).connections))
      // the body arrived and was parsed: an unknown contact (404), not invalid JSON (400)
      await assert.rejects(client.post('/v1/messages', { contact: 'nobody', text: 'hi' }), (err: any) => err.status === 404 && err.code === 'UnknownContactError')
      const status = await cli(['status', '--json', '--data-dir', dir])
      assert.equal(status.code, 0, status.stderr)
      assert.ok(Array.isArray(JSON.parse(status.stdout).connections))
      await assert.rejects(client.get('/v1/nope'), (err: any) => err.name === 'ApiError' && err.status === 404)
    } finally {
      writeFileSync(file, saved)
    }
  })

  it('replaces a stale socket after a crash, and a clean stop removes it', async () => {
    await daemon.stop('SIGKILL')
    assert.ok(existsSync(socket), 'a killed daemon leaves its socket behind')
    rmSync(join(dir, 'api.json'), { force: true })
    await daemon.start(undefined, ['--api-socket'])
    assert.equal((await new ApiClient(dir).get('/v1/id')).peerId.length > 0, true)
    assert.equal(await daemon.stop(), 0)
    assert.equal(existsSync(socket), false)
  })
})
