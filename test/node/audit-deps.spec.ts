/**
 * `npm run audit:deps` (node/tools/audit-deps.ts) against fixture projects (a package.json and a
 * package-lock.json written here, sometimes an installed node_modules) and a registry served on
 * 127.0.0.1: it fails on an install script the allow-list does not name, whether the lock flags it
 * or only the installed package.json has it, reads release dates in parallel with a timeout, and
 * without a registry says so and still gates. Last, the project itself: every install script
 * reviewed, and react-native gone from the production tree.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { auditDeps, FETCH_CONCURRENCY, formatReport } from '../../node/tools/audit-deps.js'
import { tempDir } from './harness.js'
import type { AddressInfo } from 'node:net'

const REPO = fileURLToPath(new URL('../../../', import.meta.url))
const TOOL = join(REPO, 'dist/node/tools/audit-deps.js')

/** A project with `packages` in its lock (paths under node_modules/) and an optional allow-list. */
function fixture (packages: Record<string, object>, allowScripts?: Record<string, boolean>): string {
  const dir = tempDir('ferry-audit-')
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fixture', version: '1.0.0', ...(allowScripts == null ? {} : { allowScripts }) }))
  const lock = { name: 'fixture', lockfileVersion: 3, packages: { '': { name: 'fixture', version: '1.0.0' }, ...Object.fromEntries(Object.entries(packages).map(([n, p]) => [`node_modules/${n}`, p])) } }
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock))
  return dir
}

/** Install a package's own package.json (and files) into the fixture's node_modules. */
function install (dir: string, name: string, manifest: object, files: Record<string, string> = {}): void {
  const at = join(dir, 'node_modules', name)
  mkdirSync(at, { recursive: true })
  writeFileSync(join(at, 'package.json'), JSON.stringify({ name, ...manifest }))
  for (const [f, text] of Object.entries(files)) writeFileSync(join(at, f), text)
}

async function run (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, [TOOL, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err: any, stdout, stderr) => {
      resolve({ code: err == null ? 0 : (typeof err.code === 'number' ? err.code : 1), stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

const CLEAN = {
  'tiny-lib': { version: '1.2.3', license: 'MIT' },
  'dev-tool': { version: '2.0.0', license: 'ISC', dev: true }
}

describe('npm run audit:deps', function () {
  this.timeout(120_000)
  const dirs: string[] = []
  const make = (...args: Parameters<typeof fixture>): string => { const d = fixture(...args); dirs.push(d); return d }
  after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

  it('lists production packages with their licences and passes when no package has an install script', async () => {
    const r = await run(['--dir', make(CLEAN), '--offline'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /^tiny-lib@1\.2\.3\s+MIT\s+-/m)
    assert.doesNotMatch(r.stdout, /dev-tool/, 'development packages are not listed')
    assert.match(r.stdout, /1 production packages \(2 with development ones\)/)
    assert.match(r.stdout, /release dates not shown: registry not asked/)
  })

  it('fails when a new package has an install script (flagged in the lock) that allowScripts does not name', async () => {
    const evil = { ...CLEAN, 'evil-helper': { version: '6.6.6', license: 'MIT', hasInstallScript: true } }
    const r = await run(['--dir', make(evil), '--offline'])
    assert.equal(r.code, 1, r.stdout)
    assert.match(r.stdout, /FAIL: 1 package\(s\) with an install script not in allowScripts \(package\.json\): evil-helper/)
    // reviewed: allowed by name, allowed at this exact version, or denied; a pin to another version is no review of this one
    for (const [allow, code] of [[{ 'evil-helper': true }, 0], [{ 'evil-helper@6.6.6': true }, 0], [{ 'evil-helper': false }, 0], [{ 'evil-helper@6.6.5': true }, 1]] as const) {
      const again = await run(['--dir', make(evil, allow), '--offline'])
      assert.equal(again.code, code, `${JSON.stringify(allow)}: ${again.stdout}`)
    }
  })

  it('fails on an install script the lock does not flag but the installed package.json has, and on an implicit node-gyp build', async () => {
    const sly = make({ ...CLEAN, sly: { version: '1.0.0', license: 'MIT' } })
    install(sly, 'sly', { version: '1.0.0', scripts: { postinstall: 'node steal.js', test: 'true' } })
    const r = await run(['--dir', sly, '--offline'])
    assert.equal(r.code, 1, r.stdout)
    assert.match(r.stdout, /install script unreviewed: sly@1\.0\.0 — postinstall: node steal\.js/)

    const gyp = make({ ...CLEAN, native: { version: '3.0.0', license: 'MIT', dev: true } })
    install(gyp, 'native', { version: '3.0.0' }, { 'binding.gyp': '{}' })
    const g = await run(['--dir', gyp, '--offline'])
    assert.equal(g.code, 1, g.stdout)
    assert.match(g.stdout, /native@3\.0\.0 \(development\) — install: node-gyp rebuild/)
  })

  it('reads the newest release date from the registry, several packages at a time, and gives up on a silent one after the timeout', async () => {
    let inFlight = 0
    let most = 0
    const server = createServer((req, res) => {
      const name = decodeURIComponent(req.url?.slice(1) ?? '')
      if (name === 'silent') return // never answers
      inFlight++
      most = Math.max(most, inFlight)
      setTimeout(() => {
        inFlight--
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ name, 'dist-tags': { latest: '1.2.4' }, versions: { '1.2.3': { deprecated: 'use 1.2.4' } }, time: { created: '2019-01-01T00:00:00Z', modified: '2030-01-01T00:00:00Z', '1.2.3': '2024-03-01T00:00:00Z', '1.2.4': '2025-06-30T12:00:00Z' } }))
      }, 100)
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    try {
      const packages: Record<string, object> = { silent: { version: '1.0.0', license: 'MIT' } }
      for (let i = 0; i < 12; i++) packages[i === 0 ? 'tiny-lib' : `@scope/lib-${i}`] = { version: '1.2.3', license: 'MIT' }
      const report = await auditDeps({ dir: make(packages), registry: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, timeoutMs: 1_000 })
      const tiny = report.packages.find(p => p.name === 'tiny-lib')
      assert.equal(tiny?.lastRelease, '2025-06-30T12:00:00Z', 'the newest release, not the "modified" stamp')
      assert.equal(tiny?.deprecated, 'use 1.2.4')
      assert.equal(report.packages.find(p => p.name === '@scope/lib-5')?.latest, '1.2.4', 'scoped names are fetched too')
      assert.match(report.packages.find(p => p.name === 'silent')?.registryError ?? '', /no answer within 1000 ms/)
      assert.equal(report.offline, undefined)
      assert.ok(most > 1 && most <= FETCH_CONCURRENCY, `requests in flight at once: ${most}`)
      assert.match(formatReport(report), /tiny-lib@1\.2\.3\s+MIT\s+2025-06-30\s+deprecated: use 1\.2\.4/)
    } finally {
      server.close()
    }
  })

  it('without a registry says so, lists licences and still fails on an unreviewed install script', async () => {
    const closed = createServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise(resolve => closed.close(resolve))
    const dir = make({ ...CLEAN, 'evil-helper': { version: '6.6.6', license: 'MIT', hasInstallScript: true } })
    const r = await run(['--dir', dir], { npm_config_registry: `http://127.0.0.1:${port}/` })
    assert.equal(r.code, 1, r.stdout)
    assert.match(r.stdout, new RegExp(`release dates not shown: the npm registry \\(http://127\\.0\\.0\\.1:${port}/\\) could not be reached: .*ECONNREFUSED`))
    assert.match(r.stdout, /^tiny-lib@1\.2\.3\s+MIT\s+\?/m)
  })

  it('refuses bad usage and a directory without a project, clearly', async () => {
    assert.deepEqual(await run(['--timeout-ms', 'soon']).then(r => [r.code, /--timeout-ms must be a positive integer/.test(r.stderr)]), [2, true])
    const empty = tempDir('ferry-audit-')
    dirs.push(empty)
    const r = await run(['--dir', empty, '--offline'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /no readable package\.json/)
  })

  it('this project: every install script reviewed, and no React Native in production', async () => {
    const report = await auditDeps({ dir: REPO })
    assert.deepEqual(report.unreviewed.map(p => p.name), [])
    const prod = report.packages.filter(p => p.production)
    assert.deepEqual(prod.filter(p => p.name === 'react-native' || p.name.startsWith('@react-native/')).map(p => p.name), [], 'react-native is not installed for production')
    const rnw = prod.find(p => p.name === 'react-native-webrtc')
    assert.ok(rnw?.local === true, 'react-native-webrtc is the local stand-in')
    assert.deepEqual(prod.filter(p => p.scripts.length > 0).map(p => p.name), [], 'no production package runs an install script')
  })
})
