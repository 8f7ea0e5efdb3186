/**
 * The web app's backup, in real headless Chromium (the web lab's namespaces): carol, a browser
 * peer talking with bob's daemon, exports a backup with history from Settings (a real download)
 * and writes down the phrase; her browser profile is then deleted. A fresh profile refuses a
 * tampered file, a truncated one, another backup's phrase and a misspelled phrase, each with a
 * clear error and no identity made; with the right phrase it becomes carol again (same identity,
 * same device) with bob and the history, and messages flow both ways again (the restored browser
 * offers bob a new session). One format both ways: the browser's file imports with `ferry backup
 * import`, and bob's daemon's backup restores in a browser.
 */
import assert from 'node:assert/strict'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generatePhrase } from '../../node/backup/file.js'
import { cli, tempDir, waitFor } from '../node/harness.js'
import { AppPage, screenshot } from './app-driver.js'
import { WebLab } from './lab.js'
import type { NsDaemon as Daemon } from '../node/netns.js'
import type { Chromium } from './chromium.js'

describe('web app backup: export in one browser, restore in a fresh one', function () {
  this.timeout(300_000)
  let lab: WebLab
  let bob: Daemon & { webUrl: string }
  let carol: { identity: string, peerId: string }
  const dir = tempDir('ferry-web-backup-')
  const file = join(dir, 'carol.backup')
  let phrase = ''

  before(async function () {
    lab = WebLab.setupOrSkip(this)
    bob = await lab.daemon('bob')
  })

  after(async () => {
    await lab?.destroy()
    rmSync(dir, { recursive: true, force: true })
  })

  it('carol exports from Settings: a download, and the recovery phrase shown once', async () => {
    const profile = lab.profile()
    const browser: Chromium = await lab.browser(profile)
    const page = await new AppPage(await browser.context.newPage()).open(bob.webUrl)
    await page.createIdentity('carol')
    await page.addContact('bob', (await bob.json<{ invite: string }>(['invite'])).invite)
    assert.equal((await bob.run(['contact', 'add', 'carol', await page.invite()])).code, 0)
    await page.openChat('bob')
    await page.send('before the backup')
    await waitFor('bob has carol\'s message', async () => (await bob.json<any[]>(['messages'])).some(m => m.text === 'before the backup'), 60_000)
    assert.equal((await bob.run(['send', 'carol', 'hello carol'])).code, 0)
    await page.until('carol has bob\'s message', ms => ms.some(m => m.text === 'hello carol' && m.dir === 'in'))
    carol = { identity: await page.page.evaluate(() => (globalThis as any).ferryTab.ferry.status().then((s: any) => s.identity)), peerId: await page.peerId() }

    await page.page.locator('[data-test=nav-settings]').click()
    await page.page.locator('[data-test=backup-history]').check()
    const [download] = await Promise.all([page.page.waitForEvent('download', { timeout: 120_000 }), page.page.locator('[data-test=backup-export]').click()])
    assert.match(download.suggestedFilename(), /^ferry-\d{4}-\d\d-\d\d\.backup$/)
    await download.saveAs(file)
    phrase = (await page.page.locator('[data-test=backup-phrase]').textContent()) ?? ''
    assert.equal(phrase.split(' ').length, 24)
    assert.match(await page.page.locator('[data-test=backup-done]').textContent() ?? '', /1 contact and \d+ messages/)
    await page.page.locator('[data-test=backup-done]').scrollIntoViewIfNeeded()
    await screenshot(page.page, '33-backup-exported')
    await page.page.locator('[data-test=backup-hide]').click()
    assert.equal(await page.page.locator('[data-test=backup-phrase]').count(), 0, 'the phrase is shown once, then gone')
    assert.deepEqual(page.errors, [])
    // the original is gone: the browser closed and its profile deleted
    await browser.close()
    rmSync(profile, { recursive: true, force: true })
  })

  it('the browser\'s file imports with `ferry backup import` too', async () => {
    const r = await cli(['backup', 'import', file, '--json', '--data-dir', join(dir, 'node')], { FERRY_RECOVERY_PHRASE: phrase, FERRY_PASSPHRASE: '' })
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    assert.deepEqual([out.identity, out.peerId, out.contacts], [carol.identity, carol.peerId, 1])
    assert.ok(out.messages >= 2, `history: ${out.messages as number}`)
  })

  it('a fresh browser refuses a tampered file, a truncated one, another phrase and a misspelled one, and then restores carol', async () => {
    const page = await new AppPage(await (await lab.browser(lab.profile())).context.newPage()).open(bob.webUrl)
    await page.page.getByText('Restore from a backup').click()
    const bytes = readFileSync(file)
    const tampered = join(dir, 'tampered.backup')
    const flipped = Buffer.from(bytes)
    flipped[flipped.length - 40] ^= 1
    writeFileSync(tampered, flipped)
    const truncated = join(dir, 'truncated.backup')
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 100))
    const words = phrase.split(' ')
    const cases: Array<[string, string, RegExp]> = [
      [tampered, phrase, /altered or damaged/],
      [truncated, phrase, /truncated/],
      [file, generatePhrase(), /does not open this backup/],
      [file, [...words.slice(0, 3), 'notaword', ...words.slice(4)].join(' '), /word 4 of the recovery phrase is not in the word list/]
    ]
    for (const [f, p, expected] of cases) {
      await page.page.locator('[data-test=restore-file]').setInputFiles(f)
      await page.page.getByLabel('Recovery phrase').fill(p)
      await page.page.locator('[data-test=restore-submit]').click()
      const alert = page.page.locator('[data-test=restore] [role=alert]')
      await alert.waitFor({ timeout: 120_000 })
      assert.match(await alert.textContent() ?? '', expected)
      assert.match(await alert.textContent() ?? '', /^Could not restore: /)
      assert.equal(await page.page.evaluate(() => (globalThis as any).ferryTab == null), true, 'no peer started')
      assert.equal(await page.page.getByRole('button', { name: 'Create my identity' }).count(), 1, 'still on the first screen')
    }
    await screenshot(page.page, '34-restore-refused')
    await page.page.locator('[data-test=restore-file]').setInputFiles(file)
    await page.page.getByLabel('Recovery phrase').fill(phrase.toUpperCase())
    await page.page.locator('[data-test=restore-submit]').click()
    await page.page.locator('[data-test=net]').waitFor({ timeout: 120_000 })
    assert.equal(await page.peerId(), carol.peerId, 'the same device')
    assert.equal(await page.page.evaluate(() => (globalThis as any).ferryTab.ferry.status().then((s: any) => s.identity)), carol.identity)

    await page.openChat('bob')
    await page.until('the history came back', ms => ms.some(m => m.text === 'before the backup' && m.dir === 'out') && ms.some(m => m.text === 'hello carol' && m.dir === 'in'))
    await screenshot(page.page, '35-restored')
    // messages flow both ways again: bob takes the restored browser's new session
    await page.send('from the restored browser')
    await waitFor('bob has the restored browser\'s message', async () => (await bob.json<any[]>(['messages'])).some(m => m.text === 'from the restored browser'), 90_000)
    assert.equal((await bob.run(['send', 'carol', 'after the restore'])).code, 0)
    await page.until('carol has bob\'s message after the restore', ms => ms.filter(m => m.text === 'after the restore' && m.dir === 'in').length === 1, 90_000)
    assert.deepEqual(page.errors, [])
  })

  it('a daemon\'s backup restores in a browser: the same identity and device, with its contacts', async () => {
    const daemonFile = join(dir, 'bob.backup')
    const exported = await bob.run(['backup', 'export', daemonFile, '--json'])
    assert.equal(exported.code, 0, exported.stderr)
    const bobId = await bob.json<{ identity: string, peerId: string }>(['id'])
    await bob.stop() // one peer per device key: the daemon goes before the browser becomes it
    const dave = await lab.daemon('dave') // serves the page
    const page = await new AppPage(await (await lab.browser(lab.profile())).context.newPage()).open(dave.webUrl)
    await page.page.getByText('Restore from a backup').click()
    await page.page.locator('[data-test=restore-file]').setInputFiles(daemonFile)
    await page.page.getByLabel('Recovery phrase').fill(JSON.parse(exported.stdout).phrase)
    await page.page.locator('[data-test=restore-submit]').click()
    await page.page.locator('[data-test=net]').waitFor({ timeout: 120_000 })
    assert.equal(await page.peerId(), bobId.peerId, 'the same device')
    assert.equal(await page.page.evaluate(() => (globalThis as any).ferryTab.ferry.status().then((s: any) => s.identity)), bobId.identity)
    await page.page.locator('[data-test="contact-carol"]').first().waitFor()
    assert.deepEqual(page.errors, [])
  })
})
