/**
 * The IndexedDB stores (browser/store/) in real headless Chromium: the shared compliance suites
 * (stores, prekeys, mailbox, rooms) and the browser-only checks run inside a page
 * (test/browser/pages/stores.page.mts); a crash test kills Chromium with SIGKILL right after
 * writes resolved and reads them back after a relaunch on the same profile (invariant 3).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { haveChromium, launchChromium } from './chromium.js'
import { assertPassed, runPage, servePage, summary } from './pages.js'

/** Processes this test process started whose command line names `profile`: the browser. */
function browserPids (profile: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (ppid === process.pid && cmdline.includes(`--user-data-dir=${profile}`)) pids.push(Number(entry))
    } catch {} // the process ended while we looked
  }
  return pids
}

describe('IndexedDB stores in Chromium', function () {
  this.timeout(600_000)

  before(function () {
    if (!haveChromium()) {
      console.log('    (skipped: /usr/bin/chromium is not installed)')
      this.skip()
    }
  })

  it('pass the store, prekey, mailbox, room and file compliance suites and the browser-only checks', async () => {
    const page = await servePage('test/browser/pages/stores.page.mts')
    const chromium = await launchChromium()
    try {
      const results = await runPage(chromium.context, page.url)
      console.log(`      in Chromium: ${summary(results)}`)
      assertPassed(results, 79)
      for (const suite of ['IndexedDB stores (compliance)', 'IndexedDB PrekeyStore (compliance)', 'IndexedDB MailboxStore (compliance)', 'IndexedDB RoomStore (compliance)', 'IndexedDB FileStore (compliance)', 'IndexedDB stores (browser only)']) {
        assert.ok(results.some(r => r.title.startsWith(suite)), `no test of "${suite}" ran`)
      }
    } finally {
      await chromium.close()
      await page.close()
    }
  })

  it('keeps every write that resolved when Chromium is killed (SIGKILL) right after', async () => {
    const page = await servePage('test/browser/pages/crash.page.mts') // one server: one origin, one IndexedDB
    const profile = mkdtempSync(join(tmpdir(), 'ferry-chromium-crash-'))
    try {
      const first = await launchChromium({ profile })
      const before = await runPage(first.context, page.url, { grep: 'before the crash', keepOpen: true })
      const pids = browserPids(profile)
      assert.equal(pids.length, 1, `one browser process for the profile, found ${pids.join(', ')}`)
      process.kill(pids[0], 'SIGKILL')
      await first.close()
      assertPassed(before)

      const second = await launchChromium({ profile })
      try {
        assertPassed(await runPage(second.context, page.url, { grep: 'after the crash' }))
      } finally {
        await second.close()
      }
    } finally {
      await page.close()
      rmSync(profile, { recursive: true, force: true })
    }
  })
})
