/**
 * The repository's docs stay true where a machine can tell: the README's bundle size is the one
 * the build measured (dist/web/size.json, written by browser/build.mjs), ARCHITECTURE.md's API
 * table lists every endpoint node/daemon/api.ts serves, and nothing in the repository points at
 * files outside it.
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { ROOT } from './harness.js'

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')
const kib = (n: number): string => (n / 1024).toFixed(1)

/** Text files of the repository (not dependencies, build output or test artifacts). */
function * sources (dir = ROOT): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'dist', 'test-artifacts', 'out', '.git'].includes(e.name)) continue
    const path = join(dir, e.name)
    if (e.isDirectory()) yield * sources(path)
    else if (/\.(ts|tsx|mjs|js|md|proto|sh|json|yaml|yml)$|^run$/.test(e.name) && e.name !== 'package-lock.json') yield path
  }
}

describe('docs match the code', () => {
  it("README's bundle size is the build's", function () {
    const sizeFile = join(ROOT, 'dist', 'web', 'size.json')
    if (!existsSync(sizeFile)) this.skip() // the web app was not built (npm test always builds it)
    const size = JSON.parse(readFileSync(sizeFile, 'utf8'))
    const section = /<!-- bundle-size:[^\n]*-->\n([\s\S]*?)\n<!-- \/bundle-size -->/.exec(read('README.md'))
    assert.ok(section != null, 'README.md has a generated bundle-size section')
    const expected = `**app.js ${kib(size.bytes)} KiB, ${kib(size.gzip)} KiB gzipped; budget ${size.budgetKiB} KiB gzipped**; loaded only when used (first run, backup, QR codes, files, calls, the rarer screens, and NAT services a browser never starts): ${kib(size.lazyGzip)} KiB gzipped`
    assert.equal(section[1], expected, 'the README figure is stale: run `node browser/build.mjs --readme` and commit README.md')
  })

  it('ARCHITECTURE.md lists every control API endpoint', () => {
    const endpoints = [...read('node/daemon/api.ts').matchAll(/case '((?:GET|POST|PUT|DELETE) \/v1\/[^']*)'/g)].map(m => m[1])
    assert.ok(endpoints.length >= 25, `found ${endpoints.length} endpoints in api.ts`)
    const table = read('ARCHITECTURE.md')
    const missing = endpoints.filter(e => !table.includes(`| \`${e}`))
    assert.deepEqual(missing, [], 'endpoints missing from the API table in ARCHITECTURE.md')
  })

  it('nothing points at files outside the repository', () => {
    // written in pieces so this file does not match itself
    const outside = [['..', '/shared'].join(''), ['DEVELOPERS', '.md'].join(''), ['STYLE', '.md'].join(''), ["project's ", 'DESIGN.md'].join('')]
    const found: string[] = []
    for (const file of sources()) {
      const text = readFileSync(file, 'utf8')
      for (const s of outside) if (text.includes(s)) found.push(`${relative(ROOT, file)}: ${s}`)
    }
    assert.deepEqual(found, [])
  })
})
