/**
 * The CLI is a thin client of the daemon's API: a command such as `ferry status`, `ferry send` or
 * `ferry messages` loads no libp2p, no protocol code and no package at all — only Node's own
 * modules and the CLI's few files — so it costs little more than starting Node (the bench's
 * cli.status row measures it). A module loader hook in a child process records every module the
 * command loads.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, tempDir } from './harness.js'

const MAIN = join(ROOT, 'dist', 'node', 'cli', 'main.js')

/** The modules (file URLs) `ferry ARGS` loads, run against `dir`, a data dir with no daemon. */
function loadedBy (args: string[], dir: string): string[] {
  const script = `
    import { registerHooks } from 'node:module'
    const loaded = []
    registerHooks({ load (url, context, nextLoad) { loaded.push(url); return nextLoad(url, context) } })
    const { main } = await import(${JSON.stringify(MAIN)})
    const write = process.stdout.write.bind(process.stdout)
    process.stdout.write = () => true
    process.stderr.write = () => true
    await main(${JSON.stringify(args)}).catch(() => {})
    write(JSON.stringify(loaded))`
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, FERRY_DATA_DIR: dir, FERRY_PASSPHRASE: '' } }))
}

describe('the CLI is a thin API client', function () {
  this.timeout(60_000)
  const dir = tempDir('ferry-cli-thin-')
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  for (const args of [['status', '--json'], ['send', 'bob', 'hello'], ['messages', '--json'], ['contact', 'list'], ['--help']]) {
    it(`\`ferry ${args.join(' ')}\` loads no protocol code and no package`, () => {
      const loaded = loadedBy(args, join(dir, 'none'))
      assert.ok(loaded.some(u => u.endsWith('/cli/main.js')), 'the probe saw the CLI load')
      const heavy = loaded.filter(u => /\/node_modules\/|\/protocol\/|\/daemon\/daemon\.js|\/sim\//.test(u))
      assert.deepEqual(heavy, [], 'nothing beyond the CLI\'s own files')
      assert.ok(loaded.length < 20, `${loaded.length} modules`)
    })
  }

  it('loads the daemon, the protocol and libp2p for the commands that need them (ferry init)', () => {
    const loaded = loadedBy(['init', '--name', 'x'], join(dir, 'init'))
    assert.ok(loaded.some(u => /\/protocol\/crypto\/identity\.js$/.test(u)), 'init loads what makes keys')
  })
})
