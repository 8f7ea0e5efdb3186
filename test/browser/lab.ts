/**
 * The browser test lab: a namespace "web" whose veth
 * (10.77.x.1/24) is paired with an otherwise empty namespace "void" (10.77.x.2) and has a default
 * route through it. Chromium gathers a host candidate on 10.77.x.1, so browser-to-browser WebRTC
 * connects with no STUN server, and anything addressed elsewhere dies in the empty namespace.
 * Daemons and Chromium run in "web"; pages load the app from the daemon at http://127.0.0.1
 * (a secure context: WebCrypto needs one). destroy() ends every process and deletes both.
 */
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { haveNetns, Netns, NsDaemon } from '../node/netns.js'
import { tempDir, waitFor } from '../node/harness.js'
import { haveChromium, launchChromium } from './chromium.js'
import { AppPage } from './app-driver.js'
import type { Chromium } from './chromium.js'

/** The routing table dropUdpTo() fills (any unused number). */
const BLACKHOLE_TABLE = 177

export class WebLab {
  readonly netns = new Netns()
  ns = ''
  /** this lab's 10.77.x.1 */
  address = ''
  private readonly dirs: string[] = []
  private readonly browsers: Chromium[] = []
  private readonly daemons: NsDaemon[] = []

  /**
   * A set-up lab, or skip the calling suite (`this` in its before hook) where root, iproute2 or
   * Chromium is missing.
   */
  static setupOrSkip (suite: Mocha.Context): WebLab {
    if (!haveNetns() || !haveChromium()) {
      console.log('    (skipped: needs root, iproute2 and /usr/bin/chromium)')
      suite.skip()
    }
    return new WebLab().setup()
  }

  /** Make the namespaces. */
  setup (): this {
    const web = this.netns.add('web')
    const hole = this.netns.add('void')
    const subnet = 77 + (process.pid % 100) // distinct per test process
    const a = `${this.netns.tag}w`
    const b = `${this.netns.tag}v`
    const ip = (...args: string[]): void => { execFileSync('ip', args) }
    ip('link', 'add', a, 'netns', web, 'type', 'veth', 'peer', 'name', b, 'netns', hole)
    ip('-n', web, 'addr', 'add', `10.${subnet}.0.1/24`, 'dev', a)
    ip('-n', hole, 'addr', 'add', `10.${subnet}.0.2/24`, 'dev', b)
    ip('-n', web, 'link', 'set', a, 'up')
    ip('-n', hole, 'link', 'set', b, 'up')
    ip('-n', web, 'route', 'add', 'default', 'via', `10.${subnet}.0.2`)
    this.ns = web
    this.address = `10.${subnet}.0.1`
    return this
  }

  /** A daemon in the lab listening on its address (TCP, WebSockets, WebRTC-direct), serving the web app. */
  async daemon (name: string, extra: string[] = []): Promise<NsDaemon & { webUrl: string }> {
    const dir = tempDir('ferry-web-')
    this.dirs.push(dir)
    const d = await new NsDaemon(this.ns, dir, name).init()
    const listen = [`/ip4/${this.address}/tcp/0`, `/ip4/${this.address}/tcp/0/ws`, `/ip4/${this.address}/udp/0/webrtc-direct`]
    await d.start(['--no-mdns', '--web-port', '0', ...listen.flatMap(l => ['--listen', l]), ...extra])
    this.daemons.push(d)
    let webUrl = ''
    await waitFor(`${name}'s web app URL`, () => {
      webUrl = d.log.match(/web app on (\S+)/)?.[1] ?? ''
      return webUrl !== ''
    })
    return Object.assign(d, { webUrl })
  }

  /**
   * Make UDP to `port` (a daemon's WebRTC-direct port) vanish, as a firewall that drops it would:
   * packets to that port are routed out to the empty namespace (policy routing on the
   * destination port, ahead of the local table) and die there, silently. WebSockets and TCP are
   * untouched, and so is UDP to every other port (browser-to-browser WebRTC).
   */
  dropUdpTo (port: number): void {
    const ip = (...args: string[]): void => { execFileSync('ip', ['-n', this.ns, ...args]) }
    const table = String(BLACKHOLE_TABLE)
    ip('route', 'add', 'default', 'via', this.address.replace(/\.1$/, '.2'), 'table', table)
    ip('rule', 'add', 'pref', '10', 'ipproto', 'udp', 'dport', String(port), 'lookup', table)
    // the local table answers first by default (pref 0): move it behind the rule above
    ip('rule', 'add', 'pref', '100', 'lookup', 'local')
    ip('rule', 'del', 'pref', '0', 'lookup', 'local')
  }

  /** Chromium inside the lab; pass the same profile to reopen a browser with its storage. */
  async browser (profile?: string, args?: string[]): Promise<Chromium> {
    const b = await launchChromium({ ns: this.ns, profile, args })
    this.browsers.push(b)
    return b
  }

  /**
   * Two web-app users, alice and bob, each in a browser of its own (extra Chromium `args`), on
   * `webUrl`'s page, reachable, and each other's contacts by invite.
   */
  async friends (webUrl: string, args?: string[]): Promise<[AppPage, AppPage]> {
    const open = async (): Promise<AppPage> => await new AppPage(await (await this.browser(this.profile(), args)).context.newPage()).open(webUrl)
    const a = await open()
    const b = await open()
    await a.createIdentity('alice')
    await b.createIdentity('bob')
    await Promise.all([a.reachable(), b.reachable()])
    const [inviteA, inviteB] = [await a.invite(), await b.invite()]
    await a.addContact('bob', inviteB)
    await b.addContact('alice', inviteA)
    return [a, b]
  }

  /** A profile directory that outlives one browser (removed by destroy). */
  profile (): string {
    const dir = tempDir('ferry-profile-')
    this.dirs.push(dir)
    return dir
  }

  async destroy (): Promise<void> {
    await Promise.allSettled(this.browsers.map(async b => b.close()))
    await Promise.allSettled(this.daemons.map(async d => d.stop()))
    await this.netns.destroy()
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true })
  }
}

/** Make two lab daemons each other's contacts through the CLI, each under the other's name. */
export async function befriendDaemons (a: NsDaemon, b: NsDaemon): Promise<void> {
  const inviteOf = async (d: NsDaemon): Promise<string> => (await d.json<{ invite: string }>(['invite'])).invite
  for (const [from, to] of [[a, b], [b, a]]) {
    const r = await from.run(['contact', 'add', to.name, await inviteOf(to)])
    if (r.code !== 0) throw new Error(`${from.name} could not add ${to.name}: ${r.stderr}`)
  }
}
