/**
 * An in-process Ferry peer on real SQLite (a file in a temp dir) and TCP on 127.0.0.1, which can
 * be stopped and started again on the same files: the offline halves of mailbox tests.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tcp } from '@libp2p/tcp'
import { createFerry, createIdentity } from '../../protocol/index.js'
import { nodeCrypto } from '../../node/crypto.js'
import { SqliteContactStore } from '../../node/store/contacts.js'
import { SqliteMailboxStore } from '../../node/store/mailbox.js'
import { SqliteMessageStore } from '../../node/store/messages.js'
import { SqlitePrekeyStore } from '../../node/store/prekeys.js'
import { openDatabase } from '../../node/store/sqlite.js'
import type { Ferry, FerryOptions, Identity } from '../../protocol/index.js'
import type { DatabaseSync } from 'node:sqlite'

export class SqlitePeer {
  ferry?: Ferry
  db?: DatabaseSync
  private constructor (readonly name: string, readonly dir: string, readonly identity: Identity, private readonly options: Partial<FerryOptions>) {}

  static async create (name: string, options: Partial<FerryOptions> = {}): Promise<SqlitePeer> {
    const dir = await mkdtemp(join(tmpdir(), `ferry-${name}-`))
    return new SqlitePeer(name, dir, await createIdentity(), options)
  }

  get path (): string {
    return join(this.dir, 'ferry.db')
  }

  get node (): Ferry {
    if (this.ferry == null) throw new Error(`${this.name} is not running`)
    return this.ferry
  }

  get peerId (): string {
    return this.identity.deviceKey.publicKey.toString()
  }

  async start (): Promise<Ferry> {
    const db = openDatabase(this.path)
    this.db = db
    this.ferry = await createFerry({
      identity: this.identity,
      name: this.name,
      stores: { contacts: new SqliteContactStore(db), messages: new SqliteMessageStore(db), prekeys: new SqlitePrekeyStore(db), mailbox: new SqliteMailboxStore(db) },
      transports: [tcp()],
      listen: ['/ip4/127.0.0.1/tcp/0'],
      crypto: nodeCrypto(),
      dht: false,
      ...this.options
    })
    await this.ferry.start()
    return this.ferry
  }

  async stop (): Promise<void> {
    await this.ferry?.stop()
    this.ferry = undefined
    if (this.db?.isOpen === true) this.db.close()
  }

  async remove (): Promise<void> {
    await this.stop()
    await rm(this.dir, { recursive: true, force: true })
  }
}

/** Make two running peers contacts of each other by invite. */
export async function befriend (a: SqlitePeer, b: SqlitePeer): Promise<void> {
  await a.node.roster.add(b.name, await b.node.roster.invite())
  await b.node.roster.add(a.name, await a.node.roster.invite())
}

/** Poll `fn` until it returns true, or fail after `ms` with `what`. */
export async function until (what: string, fn: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!await fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/**
 * A factory of started peers for one describe block, each removed by `hook` (mocha's `after` by
 * default; `afterEach` for peers that live one test). Options given to one peer are laid over
 * the block's.
 */
export function runningPeers (options: Partial<FerryOptions> = {}, hook: (fn: () => Promise<void>) => void = after): (name: string, more?: Partial<FerryOptions>) => Promise<SqlitePeer> {
  const peers: SqlitePeer[] = []
  hook(async () => { await Promise.all(peers.splice(0).map(async p => p.remove())) })
  return async (name, more = {}) => {
    const p = await SqlitePeer.create(name, { ...options, ...more })
    peers.push(p)
    await p.start()
    return p
  }
}

/**
 * `owner`'s mail is kept at `hosts`: the owner befriends `sender` and each host, each host hosts
 * it, the owner uses them, and the sender ends up holding the owner's capability that names them.
 */
export async function mailboxesFor (sender: SqlitePeer, owner: SqlitePeer, hosts: SqlitePeer[]): Promise<void> {
  await befriend(sender, owner)
  for (const m of hosts) await befriend(owner, m)
  for (const m of hosts) await m.node.needMailboxes().host(owner.name)
  await owner.node.useMailboxes(hosts.map(m => m.name))
  await until(`${sender.name} holds ${owner.name}'s capability`, async () => await sender.node['stores'].messages.capability(owner.peerId) != null)
}
