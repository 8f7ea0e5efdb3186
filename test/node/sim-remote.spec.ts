/**
 * `ferry sim agent` and remote mode, on loopback: three agents as separate
 * processes, each owning a `ferry start` daemon, driven by `simulate(scenario, { remote })` over
 * HTTP the way the k8s Job drives pods — and by `ferry sim run --remote` against the same agents
 * (which only works if reset gives every node a fresh identity). Also the agent's guard: the
 * token, bad input, and refusing to start without what it needs.
 */
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MAX_BODY_BYTES } from '../../node/daemon/api.js'
import { readRemoteFile, RemoteConfigError } from '../../node/sim/remote.js'
import { validateScenario } from '../../node/sim/scenario.js'
import { simulate } from '../../node/sim/simulate.js'
import { BIN, cli, sleep, tempDir, waitFor } from './harness.js'
import type { ChildProcess } from 'node:child_process'

const TOKEN = 'loopback-agent-token-0123456789'

/** A mailbox host and two units; unit-1 crashes and comes back; a partition is asked for. */
const scenario = validateScenario({
  name: 'ci-remote-3',
  mode: 'processes',
  durationMs: 24_000,
  timeScale: 1,
  seed: 4,
  groups: [
    { name: 'host', count: 1, roles: ['mailbox-host', 'always-on'] },
    { name: 'unit', count: 2, roles: ['always-on'] }
  ],
  contacts: { kind: 'teams', size: 3 },
  traffic: { rate: 1, sizes: [100, 2_000], ttlMs: 3_600_000, quietMs: 10_000 },
  events: [
    { at: 3_000, kind: 'crash', nodes: ['unit-1'] },
    { at: 6_000, kind: 'restart', nodes: ['unit-1'] },
    { at: 8_000, kind: 'partition', nodes: ['unit-0'] },
    { at: 10_000, kind: 'heal' }
  ]
}, 'ci-remote-3')

interface RunningAgent { name: string, proc: ChildProcess, url: string, log: string }

/** `ferry sim agent` on 127.0.0.1, any free port; resolves once it prints its URL. */
async function startAgent (name: string, dir: string, tokenFile: string): Promise<RunningAgent> {
  const proc = spawn(process.execPath, [BIN, 'sim', 'agent', '--data-dir', join(dir, name), '--token-file', tokenFile, '--name', name, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const agent: RunningAgent = { name, proc, url: '', log: '' }
  const keep = (d: Buffer): void => { agent.log += String(d) }
  proc.stdout?.on('data', keep)
  proc.stderr?.on('data', keep)
  await waitFor(`agent ${name}`, () => {
    if (proc.exitCode != null) throw new Error(`agent ${name} exited: ${agent.log}`)
    agent.url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(agent.log)?.[1] ?? ''
    return agent.url !== ''
  })
  return agent
}

async function call (url: string, path: string, init: { method?: string, token?: string | null, body?: string } = {}): Promise<{ status: number, json: any }> {
  const token = init.token === undefined ? TOKEN : init.token
  const res = await fetch(url + path, { method: init.method ?? 'POST', headers: token == null ? {} : { authorization: `Bearer ${token}` }, body: init.body })
  return { status: res.status, json: await res.json() }
}

/** The CLI with room for a whole run (harness cli() gives up after 30 s). */
async function longCli (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, [BIN, ...args], { timeout: 240_000 }, (err: any, stdout, stderr) => {
      resolve({ code: err == null ? 0 : (typeof err.code === 'number' ? err.code : 1), stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

const isAlive = (pid: number): boolean => { try { process.kill(pid, 0); return true } catch { return false } }

describe('ferry sim agent and remote mode (loopback)', function () {
  this.timeout(300_000)
  const dir = tempDir('ferry-sim-remote-')
  const tokenFile = join(dir, 'token')
  const agents: RunningAgent[] = []
  const endpoints = (): Record<string, string> => Object.fromEntries(agents.map(a => [a.name, a.url]))

  before(async () => {
    writeFileSync(tokenFile, TOKEN + '\n', { mode: 0o600 })
    for (const name of ['host-0', 'unit-0', 'unit-1']) agents.push(await startAgent(name, dir, tokenFile))
  })

  after(async () => {
    const daemons: number[] = []
    for (const a of agents) {
      const info = await call(a.url, '/v1/node', { method: 'GET' }).catch(() => undefined)
      if (typeof info?.json.pid === 'number') daemons.push(info.json.pid)
      const exited = new Promise(resolve => a.proc.once('exit', resolve))
      if (a.proc.exitCode == null && a.proc.signalCode == null) a.proc.kill('SIGTERM')
      await Promise.race([exited, sleep(20_000).then(() => a.proc.kill('SIGKILL'))])
    }
    // an agent stops its daemon on SIGTERM; a daemon still alive here is a bug, but not left behind
    const left = daemons.filter(isAlive)
    for (const pid of left) process.kill(pid, 'SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    assert.deepEqual(left, [], 'every agent stopped its daemon')
  })

  it('plays a scenario against the agents: the checker passes and every sent message is delivered', async () => {
    const out = join(dir, 'out-api')
    const lines: string[] = []
    const run = await simulate(scenario, { out, remote: { endpoints: endpoints(), token: TOKEN }, log: l => lines.push(l) })
    const r = run.results
    assert.equal(r.ok, true, `checker: ${r.failures.join('; ')}`)
    assert.ok(r.sent >= 5, `enough traffic (${r.sent})`)
    assert.equal(r.delivered, r.sent, `delivered ${r.delivered} of ${r.sent}`)
    assert.equal(r.lost + r.duplicated, 0)
    assert.ok(run.applied.some(e => e.kind === 'crash') && run.applied.some(e => e.kind === 'restart'), 'the crash and restart went over the wire')
    assert.match(String(r.metrics.runner), /^remote: 3 ferry sim agents/)
    assert.match(String((r.metrics.partitionsNotApplied as string[])[0]), /^partition of 1 node \(unit-0\) not applied/)
    assert.ok(lines.some(l => /partition .* not applied/.test(l)), 'the run says the partition was not applied')
    assert.equal(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).delivered, r.delivered)
    // the nodes are stopped at the end, the agents still up
    for (const a of agents) assert.deepEqual((await call(a.url, '/v1/node', { method: 'GET' })).json.running, false)
  })

  it('runs again through `ferry sim run --remote FILE` on the same agents (reset gives fresh nodes)', async () => {
    const scenarioFile = join(dir, 'scenario.json')
    writeFileSync(scenarioFile, JSON.stringify({ ...scenario, events: [], durationMs: 14_000, traffic: { ...scenario.traffic, quietMs: 6_000 } }))
    mkdirSync(join(dir, 'remote'))
    const remoteFile = join(dir, 'remote', 'endpoints.json')
    writeFileSync(remoteFile, JSON.stringify({ tokenFile: '../token', endpoints: endpoints() }))
    const r = await longCli(['sim', 'run', scenarioFile, '--remote', remoteFile, '--out', join(dir, 'out-cli')])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    const results = JSON.parse(readFileSync(join(dir, 'out-cli', 'results.json'), 'utf8'))
    assert.equal(results.ok, true)
    assert.ok(results.sent > 0)
    assert.equal(results.delivered, results.sent)
  })

  it('refuses endpoints that name the wrong node, miss one, or carry the wrong token', async () => {
    const [h, u0, u1] = agents.map(a => a.url)
    await assert.rejects(simulate(scenario, { remote: { endpoints: { 'host-0': h, 'unit-0': u1, 'unit-1': u0 }, token: TOKEN } }), /runs node "unit-[01]", not "unit-[01]"/)
    await assert.rejects(simulate(scenario, { remote: { endpoints: { 'host-0': h, 'unit-0': u0 }, token: TOKEN } }), (err: any) => err instanceof RemoteConfigError && /no endpoint for node unit-1/.test(err.message))
    await assert.rejects(simulate(scenario, { remote: { endpoints: endpoints(), token: 'x'.repeat(TOKEN.length) } }), /wrong agent token/)
  })

  it('answers 401 without the token or with a wrong one, and /healthz without one', async () => {
    const url = agents[0].url
    assert.equal((await call(url, '/v1/node/stop')).status, 200)
    assert.equal((await call(url, '/v1/node', { method: 'GET', token: null })).status, 401)
    assert.equal((await call(url, '/v1/node', { method: 'GET', token: 'y'.repeat(TOKEN.length) })).status, 401)
    assert.equal((await call(url, '/v1/node', { method: 'GET', token: TOKEN.slice(0, -1) })).status, 401)
    const denied = await call(url, '/v1/node/start', { token: null })
    assert.deepEqual(denied, { status: 401, json: { error: 'missing or wrong agent token', code: 'Unauthorized' } })
    assert.equal((await call(url, '/v1/node', { method: 'GET' })).json.running, false, 'an unauthorized start started nothing')
    assert.deepEqual(await call(url, '/healthz', { method: 'GET', token: null }), { status: 200, json: { ok: true } })
    assert.deepEqual((await call(url, '/v1/node', { method: 'GET' })).json.name, 'host-0')
  })

  it('answers bad input with 4xx and a clear JSON error', async () => {
    const url = agents[0].url
    assert.equal((await call(url, '/v1/node/stop')).status, 200)
    const expect = async (path: string, init: Parameters<typeof call>[2], status: number, error: RegExp): Promise<void> => {
      const r = await call(url, path, init)
      assert.equal(r.status, status, `${path} ${init?.body?.slice(0, 40) ?? ''}: ${JSON.stringify(r.json)}`)
      assert.match(r.json.error, error)
    }
    await expect('/v1/node/changes', { body: '{"afterRev": ' }, 400, /not valid JSON/)
    await expect('/v1/node/changes', { body: '[0]' }, 400, /must be a JSON object/)
    await expect('/v1/node/changes', { body: '{"afterRev": "0"}' }, 400, /"afterRev" must be a whole number/)
    await expect('/v1/node/changes', { body: '{"afterRev": 0, "limit": 5}' }, 400, /changes takes afterRev; not limit/)
    await expect('/v1/node/useMailboxes', { body: '{"hosts": "host-0"}' }, 400, /"hosts" must be a list/)
    await expect('/v1/node/send', { body: '{"to": "unit-0", "text": ""}' }, 400, /"text" must be a non-empty string/)
    await expect('/v1/node/reboot', {}, 404, /no such endpoint/)
    await expect('/v1/node/start', { method: 'GET' }, 405, /takes POST/)
    await expect('/v1/node/invite', {}, 409, /not running/)
    await expect('/v1/node/send', { body: JSON.stringify({ to: 'x', text: 'y'.repeat(MAX_BODY_BYTES) }) }, 413, /exceeds/)
    // a stopped node's changes are not readable: null, not an error
    assert.deepEqual(await call(url, '/v1/node/changes', { body: '{"afterRev": 0}' }), { status: 200, json: { result: null } })
  })

  it('will not start without a token, with a short one, or in a directory that holds something else', async () => {
    const base = ['sim', 'agent', '--name', 'n', '--port', '0']
    const noToken = await cli([...base, '--data-dir', join(dir, 'a1')])
    assert.equal(noToken.code, 2)
    assert.match(noToken.stderr, /needs --token-file/)
    const short = join(dir, 'short')
    writeFileSync(short, 'abc\n')
    const shortRun = await cli([...base, '--data-dir', join(dir, 'a2'), '--token-file', short])
    assert.equal(shortRun.code, 2)
    assert.match(shortRun.stderr, /at least 16 characters/)
    const foreign = join(dir, 'foreign')
    mkdirSync(foreign)
    writeFileSync(join(foreign, 'notes.txt'), 'mine')
    const foreignRun = await cli([...base, '--data-dir', foreign, '--token-file', tokenFile])
    assert.equal(foreignRun.code, 2)
    assert.match(foreignRun.stderr, /not empty and was not made by ferry sim agent/)
    assert.equal(readFileSync(join(foreign, 'notes.txt'), 'utf8'), 'mine')
    const noDir = await cli(['sim', 'agent', '--name', 'n', '--token-file', tokenFile])
    assert.equal(noDir.code, 2)
    assert.match(noDir.stderr, /needs --data-dir/)
  })

  it('reads a remote file and lists every problem in it', () => {
    const file = join(dir, 'bad-remote.json')
    writeFileSync(file, JSON.stringify({ token: 't', tokenFile: 'x', endpoints: { a: 'ftp://a', b: 'http://127.0.0.1:1' }, extra: 1 }))
    assert.throws(() => readRemoteFile(file), (err: any) => {
      assert.ok(err instanceof RemoteConfigError)
      assert.match(err.message, /extra: unknown key/)
      assert.match(err.message, /exactly one of token and tokenFile/)
      assert.match(err.message, /endpoints\.a: must be an http/)
      assert.doesNotMatch(err.message, /endpoints\.b/)
      return true
    })
    writeFileSync(file, JSON.stringify({ tokenFile: 'token', endpoints: { a: 'http://127.0.0.1:1' } }))
    assert.deepEqual(readRemoteFile(file), { endpoints: { a: 'http://127.0.0.1:1' }, token: TOKEN, waitMs: undefined })
  })
})
