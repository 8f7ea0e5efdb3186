#!/usr/bin/env node
/**
 * Build the web app into dist/web with esbuild: an ES module bundle (app.js), the chunks it loads
 * only when a feature is used (first run, backup, QR codes: chunk-*.js), its CSS and index.html. Prints the sizes,
 * writes them to dist/web/size.json, and fails when what the first screen loads (app.js and any
 * chunk it imports statically) is over the budget, gzipped. `--inputs` lists the biggest inputs
 * by package. `--readme` also writes the figures into README.md's generated "bundle-size"
 * section, which test/node/docs.spec.ts compares with dist/web/size.json (so a stale figure
 * fails the suite).
 */
import { build } from 'esbuild'
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'

const ROOT = join(import.meta.dirname, '..')
const OUT = join(ROOT, 'dist', 'web')

/** Gzipped size limit of app.js, in KiB: libp2p, noise, yamux, WebRTC, kad-dht, ML-KEM, team rooms (DCGKA, the membership log: about 26 KiB gzipped) and the app. */
export const BUDGET_KIB = 350

function kib (n) { return (n / 1024).toFixed(1) }

mkdirSync(OUT, { recursive: true })
for (const f of readdirSync(OUT)) if (f.startsWith('chunk-')) rmSync(join(OUT, f)) // an earlier build's
const result = await build({
  // frames-worker: a call's media frame cipher, a worker of its own (loaded by a call only)
  entryPoints: { app: join(ROOT, 'browser', 'app', 'main.tsx'), 'frames-worker': join(ROOT, 'browser', 'app', 'calls', 'frames-worker.ts') },
  outdir: OUT,
  splitting: true,
  chunkNames: 'chunk-[hash]',
  absWorkingDir: ROOT, // the metafile's paths are relative to it
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'chrome120',
  minify: true,
  sourcemap: 'linked',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [{
    // kad-dht's 97 KiB table of precomputed bucket keys: found when asked instead (browser/kad-prefixes.ts)
    name: 'kad-prefixes',
    setup (b) { b.onResolve({ filter: /\/generated-prefix-list(-browser)?\.js$/ }, () => ({ path: join(ROOT, 'browser', 'kad-prefixes.ts') })) }
  }]
})
copyFileSync(join(ROOT, 'browser', 'app', 'index.html'), join(OUT, 'index.html'))
copyFileSync(join(ROOT, 'browser', 'app', 'style.css'), join(OUT, 'style.css'))

// what the first screen loads: app.js and the chunks it imports statically; the rest loads on demand
const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'))
const initial = new Set()
const visit = file => {
  if (initial.has(file)) return
  initial.add(file)
  for (const i of result.metafile.outputs[file].imports) if (i.kind === 'import-statement') visit(i.path)
}
visit(outputs.find(([file]) => basename(file) === 'app.js')[0])
const measure = files => files.reduce((s, f) => {
  const js = readFileSync(join(ROOT, f))
  return { bytes: s.bytes + js.byteLength, gzip: s.gzip + gzipSync(js, { level: 9 }).byteLength }
}, { bytes: 0, gzip: 0 })
const first = measure([...initial])
const lazy = measure(outputs.map(([f]) => f).filter(f => !initial.has(f)))
const size = { bytes: first.bytes, gzip: first.gzip, budgetKiB: BUDGET_KIB, lazyGzip: lazy.gzip }
writeFileSync(join(OUT, 'size.json'), JSON.stringify(size) + '\n')
/** The README's bundle-size line for `size` (test/node/docs.spec.ts builds the same line). */
export function bundleSizeLine (size) {
  return `**app.js ${kib(size.bytes)} KiB, ${kib(size.gzip)} KiB gzipped; budget ${size.budgetKiB} KiB gzipped**; loaded only when used (first run, backup, QR codes, files, calls, the rarer screens, and NAT services a browser never starts): ${kib(size.lazyGzip)} KiB gzipped`
}
console.log(`web app: dist/web/app.js ${kib(size.bytes)} KiB, ${kib(size.gzip)} KiB gzipped (budget ${BUDGET_KIB} KiB); loaded when used ${kib(lazy.bytes)} KiB, ${kib(lazy.gzip)} KiB gzipped`)
if (process.argv.includes('--readme')) {
  const readme = join(ROOT, 'README.md')
  const section = /(<!-- bundle-size:[^\n]*-->\n)[\s\S]*?(\n<!-- \/bundle-size -->)/
  const text = readFileSync(readme, 'utf8')
  if (!section.test(text)) throw new Error('README.md has no <!-- bundle-size: --> ... <!-- /bundle-size --> section')
  writeFileSync(readme, text.replace(section, `$1${bundleSizeLine(size)}$2`))
  console.log('web app: README.md bundle-size section written')
}
if (process.argv.includes('--inputs')) {
  const inputs = Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs).find(k => k.endsWith('app.js'))].inputs)
  const byPackage = new Map()
  for (const [file, { bytesInOutput }] of inputs) {
    const m = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)
    const key = m == null ? dirname(file) : m[1]
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput)
  }
  for (const [k, v] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${kib(v).padStart(8)} KiB  ${k}`)
}
if (size.gzip > BUDGET_KIB * 1024) {
  console.error(`web app: over the bundle budget (${kib(size.gzip)} > ${BUDGET_KIB} KiB gzipped)`)
  process.exit(1)
}
