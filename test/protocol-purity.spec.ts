/**
 * docs/DESIGN.md invariant 1: protocol/ runs unchanged in Node.js and browsers. It imports no node:*
 * builtins (nor their bare names), nothing from node/ or browser/, and never touches `process`.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { ROOT } from './node/harness.js'

const BUILTINS = ['fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http', 'https', 'url', 'util', 'stream', 'events', 'buffer', 'dgram', 'worker_threads', 'sqlite']

function sources (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [])
}

/** Every module specifier a file imports (static, dynamic and require). */
export function importsOf (code: string): string[] {
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g
  return [...code.matchAll(re)].map(m => m[1] ?? m[2] ?? m[3] ?? m[4])
}

/** What is wrong with one protocol/ file, if anything. */
export function impurities (file: string, code: string): string[] {
  const problems: string[] = []
  for (const spec of importsOf(code)) {
    if (spec.startsWith('node:') || BUILTINS.includes(spec)) problems.push(`${file} imports ${spec}`)
    if (spec.startsWith('.') && /\/(node|browser)\//.test('/' + relative(join(ROOT, 'protocol'), join(file, '..', spec)))) problems.push(`${file} imports ${spec}`)
  }
  if (/\bprocess\.(env|argv|exit|cwd|platform|version)/.test(code)) problems.push(`${file} uses process`)
  if (/\b(window|document|localStorage)\./.test(code)) problems.push(`${file} uses the DOM`)
  return problems
}

describe('protocol/ is pure', () => {
  it('imports nothing from node:*, node/ or browser/ and uses no process or DOM', () => {
    const files = sources(join(ROOT, 'protocol'))
    assert.ok(files.length > 10, 'found the protocol sources')
    const problems = files.flatMap(f => impurities(f, readFileSync(f, 'utf8')))
    assert.deepEqual(problems, [])
  })

  it('the check itself catches each kind of impurity', () => {
    const f = join(ROOT, 'protocol', 'x.ts')
    assert.equal(impurities(f, "import { readFileSync } from 'node:fs'").length, 1)
    assert.equal(impurities(f, "import os from 'os'").length, 1)
    assert.equal(impurities(f, "import { x } from '../node/store/sqlite.js'").length, 1)
    assert.equal(impurities(f, "const m = await import('../browser/app.js')").length, 1)
    assert.equal(impurities(f, 'const d = process.env.HOME').length, 1)
    assert.equal(impurities(f, "import { peerIdFromString } from '@libp2p/peer-id'").length, 0)
    assert.equal(impurities(f, "import { pad } from './envelope.js'").length, 0)
  })
})
