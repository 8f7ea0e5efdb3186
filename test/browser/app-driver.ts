/**
 * Drives the Ferry web app the way a person does — through its screens, by label and button —
 * for the browser tests. Also reads what only a test needs (which transport carries the
 * conversation, raw IndexedDB contents) through the page.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { waitFor } from '../node/harness.js'
import type { Page } from 'playwright-core'

/** Where screenshots go (kept as CI artifacts): $FERRY_ARTIFACTS or test-artifacts/. */
export const ARTIFACTS = process.env.FERRY_ARTIFACTS ?? join(import.meta.dirname, '..', '..', '..', 'test-artifacts')

export async function screenshot (page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
}

export class AppPage {
  constructor (readonly page: Page) {
    page.on('pageerror', err => { this.errors.push(err.message) })
  }

  /** uncaught errors in the page: a test asserts there were none */
  readonly errors: string[] = []

  async open (url: string): Promise<this> {
    await this.page.goto(url)
    return this
  }

  /** First run: create the identity; waits for the messenger to show. */
  async createIdentity (name: string): Promise<void> {
    await this.page.getByLabel('Your name').fill(name)
    await this.page.getByRole('button', { name: 'Create my identity' }).click()
    await this.page.locator('[data-test=net]').waitFor({ timeout: 30_000 })
  }

  /** wait until the tab holds a relay slot (other browsers can reach it) */
  async reachable (): Promise<void> {
    await waitFor('a relay slot', async () => this.page.evaluate(() => (globalThis as any).ferryTab?.ferry.addresses().some((a: string) => a.includes('/p2p-circuit')) === true), 30_000)
  }

  async peerId (): Promise<string> {
    await this.page.waitForFunction(() => (globalThis as any).ferryTab != null, undefined, { timeout: 30_000 })
    return this.page.evaluate(() => (globalThis as any).ferryTab.ferry.peerId)
  }

  async invite (): Promise<string> {
    await this.page.locator('[data-test=nav-invite]').click()
    const box = this.page.locator('[data-test=my-invite]')
    await box.waitFor()
    return box.inputValue()
  }

  async addContact (name: string, invite: string): Promise<void> {
    await this.page.locator('[data-test=nav-add]').click()
    await this.page.getByLabel('Name', { exact: true }).fill(name)
    await this.page.getByLabel('Their invite').fill(invite)
    await this.page.locator('[data-test=add-submit]').click()
  }

  async openChat (name: string): Promise<void> {
    const entry = this.page.locator(`[data-test="contact-${name}"]`).first()
    // on a phone-size screen the list shows alone: go back to it first
    if (!await entry.isVisible()) await this.page.getByRole('button', { name: 'Conversations', exact: true }).click()
    await entry.click()
    await this.page.locator('[data-test=chat] h2', { hasText: name }).waitFor()
  }

  async send (text: string): Promise<void> {
    const box = this.page.locator('[data-test=compose]')
    await box.fill(text)
    await box.press('Enter')
  }

  /** The shown messages of the open conversation: text, direction, status. */
  async messages (): Promise<Array<{ text: string, dir: string, status: string, state: string }>> {
    return this.page.locator('[data-test=message]').evaluateAll(els => els.map(el => ({
      text: el.querySelector('.text')?.textContent ?? '',
      dir: el.classList.contains('out') ? 'out' : 'in',
      status: el.getAttribute('data-status') ?? '',
      state: el.querySelector('[data-test=state]')?.textContent ?? ''
    })))
  }

  /** Wait until `fn` holds for the shown messages. */
  async until (what: string, fn: (ms: Array<{ text: string, dir: string, status: string, state: string }>) => boolean, timeoutMs = 60_000): Promise<void> {
    let last: Awaited<ReturnType<AppPage['messages']>> = []
    try {
      await waitFor(what, async () => fn(last = await this.messages()), timeoutMs)
    } catch (err: any) {
      // say what was shown instead (texts are test data)
      throw new Error(`${err.message}; shown: ${JSON.stringify(last.map(m => `${m.dir} ${m.text.slice(0, 30)} [${m.state || m.status}]`))}`)
    }
  }

  /** The error the app shows, if any. */
  async error (): Promise<string | undefined> {
    const el = this.page.locator('[data-test=error], [data-test=add-error]').first()
    return await el.count() > 0 ? (await el.textContent()) ?? '' : undefined
  }

  /**
   * Transports of the connections to `peer` that carry the /ferry/dm stream, e.g. ['webrtc'].
   * A WebRTC connection signalled through a relay has no limits; a relayed one has.
   */
  async dmTransports (peer: string): Promise<Array<{ addr: string, limited: boolean }>> {
    return this.page.evaluate((p) => {
      const libp2p = (globalThis as any).ferryTab.ferry.libp2p
      return libp2p.getConnections().filter((c: any) => c.remotePeer.toString() === p && c.streams.some((s: any) => String(s.protocol).startsWith('/ferry/dm/')))
        .map((c: any) => ({ addr: c.remoteAddr.toString(), limited: c.limits != null }))
    }, peer)
  }
}
