/**
 * The libp2p datastore in the same SQLite file: peer store, keychain and the WebRTC-direct
 * certificate survive restarts, so addresses handed out in invites stay valid.
 */
import { BaseDatastore } from 'datastore-core'
import { Key } from 'interface-datastore'
import { NotFoundError } from 'interface-store'
import type { Pair, Query, KeyQuery } from 'interface-datastore'
import type { DatabaseSync, StatementSync } from 'node:sqlite'

export class SqliteDatastore extends BaseDatastore {
  private readonly stmt: Record<string, StatementSync>

  constructor (db: DatabaseSync) {
    super()
    this.stmt = {
      put: db.prepare('INSERT INTO datastore (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      get: db.prepare('SELECT value FROM datastore WHERE key = ?'),
      del: db.prepare('DELETE FROM datastore WHERE key = ?'),
      prefix: db.prepare('SELECT key, value FROM datastore WHERE key >= ? AND key < ? ORDER BY key'),
      all: db.prepare('SELECT key, value FROM datastore ORDER BY key')
    }
  }

  override put (key: Key, val: Uint8Array): Key {
    this.stmt.put.run(key.toString(), val)
    return key
  }

  override get (key: Key): Uint8Array {
    const row = this.stmt.get.get(key.toString()) as { value: Uint8Array } | undefined
    if (row == null) throw new NotFoundError(`no datastore entry for ${key.toString()}`)
    return new Uint8Array(row.value)
  }

  override has (key: Key): boolean {
    return this.stmt.get.get(key.toString()) != null
  }

  override delete (key: Key): void {
    this.stmt.del.run(key.toString())
  }

  override * _all (q: Query): Generator<Pair> {
    for (const row of this.rows(q.prefix)) yield { key: new Key(row.key), value: new Uint8Array(row.value) }
  }

  override * _allKeys (q: KeyQuery): Generator<Key> {
    for (const row of this.rows(q.prefix)) yield new Key(row.key)
  }

  private rows (prefix?: string): Array<{ key: string, value: Uint8Array }> {
    // a prefix range scan: every key that starts with `prefix` sorts in [prefix, successor(prefix))
    const rows = prefix == null || prefix === '/'
      ? this.stmt.all.all()
      : this.stmt.prefix.all(prefix, successor(prefix))
    return rows as unknown as Array<{ key: string, value: Uint8Array }>
  }
}

/** The smallest string greater than every string starting with `prefix` (last code point + 1). */
function successor (prefix: string): string {
  const points = [...prefix]
  const last = points.pop() as string
  return points.join('') + String.fromCodePoint((last.codePointAt(0) as number) + 1)
}
