/**
 * Real headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core. With `ns`, Chromium runs inside that network
 * namespace: playwright talks to it over a pipe, so the browser needs no network of its own.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { BrowserContext } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

/** Flags that keep Chromium from reaching out on its own (invariant 7). */
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns', '--allow-loopback-in-peer-connection'
]

export function haveChromium (): boolean {
  return existsSync(CHROMIUM)
}

export interface ChromiumOptions {
  /** run inside this network namespace (needs root) */
  ns?: string
  /** the profile directory; reuse it to reopen the same profile. Default: a fresh one */
  profile?: string
  /** flags added to CHROMIUM_FLAGS (fake media devices for calls) */
  args?: string[]
}

/** A running Chromium profile; close() ends the browser (its profile directory stays when given). */
export interface Chromium {
  context: BrowserContext
  profile: string
  close(): Promise<void>
}

/** Launch Chromium with a persistent profile (IndexedDB survives close and relaunch). */
export async function launchChromium (options: ChromiumOptions = {}): Promise<Chromium> {
  const made = options.profile == null
  const profile = options.profile ?? mkdtempSync(join(tmpdir(), 'ferry-chromium-'))
  let executablePath = CHROMIUM
  if (options.ns != null) {
    executablePath = join(profile + '-launch.sh')
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec ${options.ns} ${CHROMIUM} "$@"\n`)
    chmodSync(executablePath, 0o755)
  }
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: [...CHROMIUM_FLAGS, ...options.args ?? []], viewport: { width: 420, height: 820 } })
  return {
    context,
    profile,
    close: async () => {
      await context.close().catch(() => {})
      if (options.ns != null) rmSync(executablePath, { force: true })
      if (made) rmSync(profile, { recursive: true, force: true })
    }
  }
}
