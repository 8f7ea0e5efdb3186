/**
 * Mocha test pages in real Chromium: bundle a page entry with esbuild, serve it from
 * http://127.0.0.1:<port 0> (a secure-context origin, so IndexedDB and crypto.subtle work; a
 * page on about:blank has neither), run its mocha tests in a Chromium page and hand back one
 * result per test.
 *
 * A page entry is a module that defines mocha tests with the `describe`/`it` globals, as a Node
 * spec would, importing any shared suite (test/protocol/*.suite.ts). `node:assert` and
 * `node:assert/strict` are bundled as test/browser/pages/assert-shim.ts. Page entries are named
 * `*.page.mts` so the Node build (tsconfig.json includes test/**\/*.ts) skips them: they use DOM
 * types. `npx tsc -p test/browser/pages` type-checks them with the DOM library instead.
 *
 * @example
 * const page = await servePage('test/browser/pages/stores.page.mts')
 * const results = await runPage(chromium.context, page.url)
 * await page.close()
 * assertPassed(results)
 */
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { isAbsolute, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { BrowserContext } from 'playwright-core'
import type { AddressInfo } from 'node:net'

/** The repository root (this file runs from dist/test/browser/). */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url))

const SHIM = join(REPO, 'test/browser/pages/assert-shim.ts')
const MOCHA = join(REPO, 'node_modules/mocha/mocha.js')

/** One mocha test (or failed hook) of a page. */
export interface PageTestResult {
  /** the full title: describe blocks and the test */
  title: string
  state: 'passed' | 'failed' | 'pending'
  /** `name: message` of the failure */
  error?: string
  /** the failure's stack, for reading when it is not clear */
  stack?: string
}

/** A page entry bundled and served; close() stops the server. */
export interface ServedPage {
  url: string
  close(): Promise<void>
}

/**
 * Bundle a page entry for the browser (ESM, one file, inline source map).
 *
 * @param entry - the entry's path, relative to the repository root or absolute
 */
export async function bundlePage (entry: string): Promise<string> {
  const result = await build({
    entryPoints: [isAbsolute(entry) ? entry : join(REPO, entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    sourcemap: 'inline',
    write: false,
    logLevel: 'silent',
    plugins: [{
      name: 'assert-shim',
      setup (b) {
        b.onResolve({ filter: /^(node:)?assert(\/strict)?$/ }, () => ({ path: SHIM }))
      }
    }]
  })
  return result.outputFiles[0].text
}

/** The page: mocha's browser build, then the entry; results land in `window.__mochaPage`. */
function indexHtml (timeout: number): string {
  return `<!doctype html>
<meta charset="utf-8">
<title>Ferry browser tests</title>
<div id="mocha"></div>
<script src="/mocha.js"></script>
<script>mocha.setup({ ui: 'bdd', timeout: ${timeout}, reporter: 'html' })</script>
<script type="module">
  const state = window.__mochaPage = { done: false, results: [] }
  const title = t => t.fullTitle()
  try {
    await import('/entry.js')
  } catch (err) {
    state.loadError = String(err && err.stack || err)
    state.done = true
    throw err
  }
  const grep = new URLSearchParams(location.search).get('grep')
  if (grep != null) mocha.grep(grep)
  const runner = mocha.run()
  runner.on('pass', t => state.results.push({ title: title(t), state: 'passed' }))
  runner.on('pending', t => state.results.push({ title: title(t), state: 'pending' }))
  runner.on('fail', (t, err) => state.results.push({ title: title(t), state: 'failed', error: (err && err.name || 'Error') + ': ' + (err && err.message), stack: err && err.stack }))
  runner.on('end', () => { state.done = true })
</script>
`
}

/**
 * Bundle `entry` and serve it with mocha on 127.0.0.1 (port 0).
 *
 * @param options.timeout - mocha's per-test timeout in the page (ms)
 */
export async function servePage (entry: string, options: { timeout?: number } = {}): Promise<ServedPage> {
  const files: Record<string, { type: string, body: string | Buffer }> = {
    '/': { type: 'text/html', body: indexHtml(options.timeout ?? 60_000) },
    '/mocha.js': { type: 'text/javascript', body: await readFile(MOCHA) },
    '/entry.js': { type: 'text/javascript', body: await bundlePage(entry) }
  }
  const server = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://x').pathname]
    if (file == null) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': `${file.type}; charset=utf-8`, 'cache-control': 'no-store' }).end(file.body)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}

/**
 * Open `url` (a served page) in a new tab of `context`, run its mocha tests and return one result
 * per test and per failed hook. The tab is closed afterwards.
 *
 * @param options.grep - run only tests whose full title matches this (mocha's grep)
 * @param options.timeout - how long the whole run may take (ms)
 * @param options.keepOpen - leave the tab open (it closes with the browser), e.g. to crash the
 *   browser while the page still holds its database
 * @throws Error when the entry fails to load or the run does not end in time
 */
export async function runPage (context: BrowserContext, url: string, options: { grep?: string, timeout?: number, keepOpen?: boolean } = {}): Promise<PageTestResult[]> {
  const page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', err => { pageErrors.push(err.message) })
  try {
    await page.goto(options.grep == null ? url : `${url}?grep=${encodeURIComponent(options.grep)}`)
    try {
      await page.waitForFunction(() => (globalThis as any).__mochaPage?.done === true, undefined, { timeout: options.timeout ?? 300_000, polling: 100 })
    } catch (err) {
      throw new Error(`the test page did not finish: ${(err as Error).message}${pageErrors.length > 0 ? `\npage errors:\n${pageErrors.join('\n')}` : ''}`)
    }
    const state = await page.evaluate(() => (globalThis as any).__mochaPage) as { loadError?: string, results: PageTestResult[] }
    if (state.loadError != null) throw new Error(`the test page entry failed to load:\n${state.loadError}`)
    return state.results
  } finally {
    if (options.keepOpen !== true) await page.close()
  }
}

/**
 * Fail (with every failing title and error) unless at least `atLeast` tests ran and all passed.
 *
 * @throws Error listing the failures
 */
export function assertPassed (results: PageTestResult[], atLeast = 1): void {
  const failed = results.filter(r => r.state === 'failed')
  const passed = results.filter(r => r.state === 'passed').length
  if (failed.length > 0) {
    const list = failed.map((r, i) => `  ${i + 1}) ${r.title}\n     ${(r.error ?? '').split('\n').join('\n     ')}`).join('\n')
    throw new Error(`${failed.length} of ${results.length} browser tests failed:\n${list}`)
  }
  if (passed < atLeast) throw new Error(`only ${passed} browser tests passed; expected at least ${atLeast}`)
}

/** "N passing, N pending" for a test's log line. */
export function summary (results: PageTestResult[]): string {
  const count = (state: PageTestResult['state']): number => results.filter(r => r.state === state).length
  return `${count('passed')} passing, ${count('failed')} failing, ${count('pending')} pending`
}
