/**
 * Files in the web app, in real headless Chromium (two browser pages and a daemon in the test's
 * own network namespace, as test/browser/app.spec.ts): a picture attached on one page shows as a
 * thumbnail on the other and opens full size; a file a daemon user sends with `ferry send --file`
 * downloads in the page with the same SHA-256. Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { crc32, deflateSync } from 'node:zlib'
import { waitFor } from '../node/harness.js'
import { screenshot } from './app-driver.js'
import type { AppPage } from './app-driver.js'
import { WebLab } from './lab.js'
import type { NsDaemon } from '../node/netns.js'

/** A real PNG of `w` x `h` pixels: a colour gradient (so the thumbnail and the full picture can be told apart by size). */
function png (w: number, h: number): Buffer {
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) raw.set([Math.floor(255 * x / w), Math.floor(255 * y / h), 140], y * (w * 3 + 1) + 1 + x * 3)
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const out = Buffer.alloc(body.length + 8)
    out.writeUInt32BE(data.length, 0)
    body.copy(out, 4)
    out.writeUInt32BE(crc32(body), body.length + 4)
    return out
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(w, 0)
  header.writeUInt32BE(h, 4)
  header.set([8, 2, 0, 0, 0], 8)
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

describe('files in the web app (Chromium)', function () {
  this.timeout(300_000)
  let lab: WebLab
  let dave: NsDaemon & { webUrl: string }
  let a: AppPage
  let b: AppPage

  before(async function () {
    lab = WebLab.setupOrSkip(this)
    dave = await lab.daemon('dave')
    ;[a, b] = await lab.friends(dave.webUrl)
    await a.page.locator('[data-test=chat] h2', { hasText: 'bob' }).waitFor()
  })

  after(async () => { await lab?.destroy() })

  it('a picture attached on one page shows as a thumbnail on the other and opens full size', async () => {
    const picture = png(640, 480)
    await a.openChat('bob')
    await a.page.locator('[data-test=attach]').setInputFiles({ name: 'map.png', mimeType: 'image/png', buffer: picture })
    // the sender shows its own thumbnail at once
    await a.page.locator('[data-test=message].out [data-test=thumbnail]').waitFor({ timeout: 30_000 })
    await b.openChat('alice')
    const thumb = b.page.locator('[data-test=message].in [data-test=thumbnail]')
    await thumb.waitFor({ timeout: 60_000 })
    await waitFor('the thumbnail decoded', async () => (await thumb.evaluate((img: any) => img.complete === true && img.naturalWidth > 0)), 10_000)
    const small = await thumb.evaluate((img: any) => ({ w: img.naturalWidth, h: img.naturalHeight }))
    assert.ok(small.w > 0 && small.w <= 320 && small.h <= 320, `the thumbnail is ${small.w}x${small.h}`)
    assert.equal(Math.round(small.w / small.h * 100), Math.round(640 / 480 * 100), 'the thumbnail keeps the picture\'s shape')
    await b.page.locator('[data-test=message].in [data-test=file][data-status=complete]').waitFor({ timeout: 60_000 })
    assert.equal(await b.page.locator('[data-test=message].in [data-test=file-name]').textContent(), 'map.png')
    await screenshot(b.page, '40-file-thumbnail')
    await thumb.click()
    const full = b.page.locator('[data-test=viewer] [data-test=full-image]')
    await full.waitFor({ timeout: 30_000 })
    await waitFor('the full picture decoded', async () => (await full.evaluate((img: any) => img.naturalWidth)) > 0, 10_000)
    assert.deepEqual(await full.evaluate((img: any) => ({ w: img.naturalWidth, h: img.naturalHeight })), { w: 640, h: 480 })
    await screenshot(b.page, '41-file-viewer')
    await b.page.keyboard.press('Escape')
    await b.page.locator('[data-test=viewer]').waitFor({ state: 'detached' })
    assert.deepEqual([...a.errors, ...b.errors], [])
  })

  it('a file a daemon user sends with ferry send --file downloads in the page with the same SHA-256', async () => {
    // bob adds the daemon's user from the served config; dave adds bob's invite with the CLI
    await b.page.locator('[data-test=nav-add]').click()
    await b.page.locator('[data-test=add-daemon]').click()
    await b.page.locator('[data-test=add-submit]').click()
    await b.page.locator('[data-test=chat] h2', { hasText: 'dave' }).waitFor()
    assert.equal((await dave.run(['contact', 'add', 'bob', await b.invite()])).code, 0)
    const bytes = randomBytes(3 * 1024 * 1024 + 17)
    const path = join(lab.profile(), 'report.bin')
    writeFileSync(path, bytes)
    const sent = await dave.run(['send', 'bob', '--file', path, 'the report'])
    assert.equal(sent.code, 0, sent.stderr)
    await b.openChat('dave')
    const file = b.page.locator('[data-test=message].in [data-test=file][data-status=complete]')
    await file.waitFor({ timeout: 90_000 })
    assert.equal(await b.page.locator('[data-test=message].in .text').last().textContent(), 'the report')
    await screenshot(b.page, '42-file-download')
    const [download] = await Promise.all([b.page.waitForEvent('download'), file.locator('[data-test=download]').click()])
    assert.equal(download.suggestedFilename(), 'report.bin')
    const saved = await download.path()
    assert.equal(sha(readFileSync(saved)), sha(bytes))
    assert.deepEqual(b.errors, [])
  })
})
