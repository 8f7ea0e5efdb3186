/**
 * The house in order, checked over the built JS in dist/ (what actually runs, with type-only
 * imports already erased by the compiler):
 * - no import circle among dist/protocol, dist/node and dist/browser;
 * - no import runs back up the layers: protocol/ imports nothing from node/ or browser/, node/ and
 *   browser/ import nothing from each other, and inside protocol/ only the composition root
 *   (create-ferry) and the public index import the Ferry façade (ferry.js) or create-ferry.js;
 * - protocol/ files stay small: no hand-written .ts file over 400 lines (pb/ is generated), and
 *   the median under 150; the Ferry façade (protocol/ferry.ts) within 200: it hands work to the
 *   parts createFerry builds, and holds none itself.
 * The graph is read with a regex over the .js files (relative specifiers only: packages cannot
 * form a circle with our files), so the check needs no dependency.
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { ROOT } from './harness.js'

const DIST = join(ROOT, 'dist')
const LAYERS = ['protocol', 'node', 'browser']
const MAX_LINES = 400
const MAX_MEDIAN = 150
const MAX_FACADE_LINES = 200
/**
 * Circles known and being removed elsewhere (none today). The test fails once a listed circle is
 * gone, so the entry goes with it.
 */
const KNOWN_CIRCLES: string[] = []

/** An import graph: file (relative to its root, '/'-separated) → the files it imports. */
export type ImportGraph = Map<string, string[]>

function filesUnder (dir: string, ext: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap(e =>
    e.isDirectory() ? filesUnder(join(dir, e.name), ext) : ext(e.name) ? [join(dir, e.name)] : [])
}

/**
 * The relative module specifiers a JS file loads: `import … from '…'`, `import '…'`,
 * `export … from '…'` and `import('…')`. `import type` / `export type` are skipped (tsc never
 * emits them; they load nothing).
 */
export function relativeImports (code: string): string[] {
  const re = /(?:^|[\s;}])(?:import|export)(?!\s+type\s)\s+(?:[\w*${},\s]+?\s+from\s*)?['"](\.{1,2}\/[^'"]+)['"]|\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g
  return [...code.matchAll(re)].map(m => m[1] ?? m[2])
}

/** The import graph of the .js files under `dirs` (each relative to `root`); edges leaving them are dropped. */
export function importGraph (root: string, dirs: string[], read: (file: string) => string = f => readFileSync(f, 'utf8')): ImportGraph {
  const files = dirs.flatMap(d => filesUnder(join(root, d), n => n.endsWith('.js')))
  const known = new Set(files)
  const name = (f: string): string => relative(root, f).split('\\').join('/')
  const graph: ImportGraph = new Map()
  for (const f of files) {
    const targets = relativeImports(read(f)).map(s => resolve(dirname(f), s)).filter(t => known.has(t))
    graph.set(name(f), [...new Set(targets.map(name))])
  }
  return graph
}

/** Every circle in the graph, each as the path that closes it (a → b → a), one per back edge. */
export function circles (graph: ImportGraph): string[][] {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const found: string[][] = []
  const visit = (node: string): void => {
    state.set(node, 'open')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      const s = state.get(next)
      if (s === 'open') found.push([...stack.slice(stack.indexOf(next)), next])
      else if (s == null) visit(next)
    }
    stack.pop()
    state.set(node, 'done')
  }
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node)
  return found
}

/** The imports that run back up the layers, as "from → to". */
export function layerViolations (graph: ImportGraph): string[] {
  const top = (f: string): string => f.split('/')[0]
  const facade = new Set(['protocol/ferry.js', 'protocol/create-ferry.js'])
  const mayUseFacade = new Set(['protocol/index.js', 'protocol/ferry.js', 'protocol/create-ferry.js'])
  const bad: string[] = []
  for (const [from, tos] of graph) {
    for (const to of tos) {
      const a = top(from)
      const b = top(to)
      if (a === 'protocol' && b !== 'protocol') bad.push(`${from} → ${to} (protocol/ imports ${b}/)`)
      if ((a === 'node' && b === 'browser') || (a === 'browser' && b === 'node')) bad.push(`${from} → ${to} (${a}/ imports ${b}/)`)
      if (a === 'protocol' && facade.has(to) && !mayUseFacade.has(from)) bad.push(`${from} → ${to} (only the composition root and the index use the Ferry façade)`)
    }
  }
  return bad.sort()
}

/** Hand-written protocol/ sources over the line limit, and the median line count. */
export function sizes (files: Array<{ file: string, lines: number }>): { over: string[], median: number } {
  const counts = files.map(f => f.lines).sort((a, b) => a - b)
  return {
    over: files.filter(f => f.lines > MAX_LINES).map(f => `${f.file} ${f.lines}`).sort(),
    median: counts.length === 0 ? 0 : counts[Math.floor((counts.length - 1) / 2)]
  }
}

describe('the house in order', () => {
  let graph: ImportGraph
  before(() => {
    graph = importGraph(DIST, LAYERS)
    for (const d of LAYERS) assert.ok([...graph.keys()].some(f => f.startsWith(`${d}/`)), `dist/${d} is built (npm run build)`)
  })

  it('has no import circle in the built JS of protocol/, node/ and browser/', () => {
    const found = circles(graph).map(c => c.join(' → '))
    assert.deepEqual(found.filter(c => !KNOWN_CIRCLES.includes(c)), [])
    assert.deepEqual(KNOWN_CIRCLES.filter(c => !found.includes(c)), [], 'a known circle is gone: take it off KNOWN_CIRCLES')
  })

  it('has no import that runs back up the layers', () => {
    assert.deepEqual(layerViolations(graph), [])
  })

  it(`keeps protocol/ files under ${MAX_LINES} lines, the median under ${MAX_MEDIAN}, the façade within ${MAX_FACADE_LINES}`, () => {
    const files = filesUnder(join(ROOT, 'protocol'), n => n.endsWith('.ts') && !n.endsWith('.d.ts'))
      .map(f => relative(ROOT, f).split('\\').join('/'))
      .filter(f => !f.split('/').includes('pb'))
      .map(file => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length - 1 }))
    assert.ok(files.length > 10, 'found the protocol sources')
    const { over, median } = sizes(files)
    assert.deepEqual(over, [], `protocol files over ${MAX_LINES} lines`)
    assert.ok(median < MAX_MEDIAN, `median protocol file has ${median} lines (≥ ${MAX_MEDIAN})`)
    const facade = files.find(f => f.file === 'protocol/ferry.ts')
    assert.ok(facade != null && facade.lines <= MAX_FACADE_LINES, `protocol/ferry.ts has ${facade?.lines ?? '?'} lines (> ${MAX_FACADE_LINES})`)
  })

  describe('the checks themselves', () => {
    it('read every kind of import and skip packages and type-only imports', () => {
      const code = [
        "import { a } from './a.js';",
        "import b, { c as d } from '../b.js'",
        'import {\n  e,\n  f\n} from "./multi.js";',
        "import './side-effect.js';",
        "import * as ns from './ns.js';",
        "export * from './reexport.js';",
        "export { g } from './named.js';",
        "const h = await import('./dynamic.js');",
        "import type { T } from './type-only.js';",
        "export type { U } from './type-only-export.js';",
        "import { peerIdFromString } from '@libp2p/peer-id';",
        "import { x } from 'node:fs';"
      ].join('\n')
      assert.deepEqual(relativeImports(code), ['./a.js', '../b.js', './multi.js', './side-effect.js', './ns.js', './reexport.js', './named.js', './dynamic.js'])
    })

    it('find a circle and the way up the layers', () => {
      const g: ImportGraph = new Map([
        ['protocol/a.js', ['protocol/b.js']],
        ['protocol/b.js', ['protocol/c.js']],
        ['protocol/c.js', ['protocol/a.js', 'protocol/ferry.js']],
        ['protocol/ferry.js', []],
        ['protocol/index.js', ['protocol/ferry.js', 'protocol/create-ferry.js']],
        ['protocol/create-ferry.js', ['protocol/ferry.js']],
        ['protocol/d.js', ['node/x.js']],
        ['node/x.js', ['browser/y.js']],
        ['browser/y.js', []]
      ])
      assert.deepEqual(circles(g), [['protocol/a.js', 'protocol/b.js', 'protocol/c.js', 'protocol/a.js']])
      assert.deepEqual(layerViolations(g), [
        'node/x.js → browser/y.js (node/ imports browser/)',
        'protocol/c.js → protocol/ferry.js (only the composition root and the index use the Ferry façade)',
        'protocol/d.js → node/x.js (protocol/ imports node/)'
      ])
      assert.deepEqual(circles(new Map([['a.js', ['b.js']], ['b.js', []]])), [])
    })

    it('count a file over the limit and the median', () => {
      assert.deepEqual(sizes([{ file: 'a.ts', lines: 401 }, { file: 'b.ts', lines: 10 }, { file: 'c.ts', lines: 20 }]), { over: ['a.ts 401'], median: 20 })
      assert.deepEqual(sizes([{ file: 'a.ts', lines: 400 }]), { over: [], median: 400 })
    })

    it('build the graph from the files on disk, resolving relative specifiers', () => {
      const real = importGraph(DIST, ['protocol'])
      assert.ok(real.size > 10)
      assert.ok((real.get('protocol/index.js') ?? []).includes('protocol/ferry.js'), 'index.js → ferry.js')
      assert.ok((real.get('protocol/crypto/prekeys.js') ?? []).includes('protocol/constants.js'), 'crypto/prekeys.js → ../constants.js')
    })
  })
})
