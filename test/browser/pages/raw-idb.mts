/**
 * IndexedDB below the stores, for tests that look at what is really on disk: every record of
 * every object store in raw form, and raw edits.
 */

/** Every value found in a database, flattened. */
export interface RawDump {
  /** every string, from keys and values */
  strings: string[]
  /** every byte array (Uint8Array, other views, ArrayBuffer), from keys and values */
  bytes: Uint8Array[]
  /** every CryptoKey */
  keys: CryptoKey[]
  /** records per object store */
  records: Record<string, number>
}

/** Open an existing database with a plain connection (no upgrade). */
export async function rawOpen (name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name)
    req.onsuccess = () => { resolve(req.result) }
    req.onerror = () => { reject(req.error) }
  })
}

/** Resolve one raw request. */
export async function raw<T> (req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => { resolve(req.result) }
    req.onerror = () => { reject(req.error) }
  })
}

function collect (value: unknown, out: RawDump, depth = 0): void {
  if (depth > 20 || value == null) return
  if (typeof value === 'string') out.strings.push(value)
  else if (value instanceof CryptoKey) out.keys.push(value)
  else if (ArrayBuffer.isView(value)) out.bytes.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))
  else if (value instanceof ArrayBuffer) out.bytes.push(new Uint8Array(value))
  else if (Array.isArray(value)) for (const v of value) collect(v, out, depth + 1)
  else if (value instanceof Map) for (const [k, v] of value) { collect(k, out, depth + 1); collect(v, out, depth + 1) }
  else if (value instanceof Set) for (const v of value) collect(v, out, depth + 1)
  else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) { out.strings.push(k); collect(v, out, depth + 1) }
}

/** Every key and value of every object store of database `name`. */
export async function dumpDatabase (name: string): Promise<RawDump> {
  const db = await rawOpen(name)
  try {
    const out: RawDump = { strings: [], bytes: [], keys: [], records: {} }
    const names = [...db.objectStoreNames]
    const tx = db.transaction(names, 'readonly')
    for (const store of names) {
      const [keys, values] = await Promise.all([raw(tx.objectStore(store).getAllKeys()), raw(tx.objectStore(store).getAll())])
      out.records[store] = values.length
      collect(keys, out)
      collect(values, out)
    }
    return out
  } finally {
    db.close()
  }
}

/** Where `needle` starts in `haystack`, or -1. */
export function indexOfBytes (haystack: Uint8Array, needle: Uint8Array): number {
  for (let i = 0; i + needle.byteLength <= haystack.byteLength; i++) {
    if (needle.every((v, j) => haystack[i + j] === v)) return i
  }
  return -1
}

/** Change records of one object store in place with a plain connection. */
export async function rawEdit (name: string, store: string, edit: (records: Array<{ key: IDBValidKey, value: any }>) => Array<{ key: IDBValidKey, value: any }>): Promise<void> {
  const db = await rawOpen(name)
  try {
    const tx = db.transaction([store], 'readwrite')
    const os = tx.objectStore(store)
    const [keys, values] = await Promise.all([raw(os.getAllKeys()), raw(os.getAll())])
    const changed = edit(keys.map((key, i) => ({ key, value: values[i] })))
    for (const { key, value } of changed) os.put(value, os.keyPath == null ? key : undefined)
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => { resolve() }
      tx.onabort = () => { reject(tx.error) }
    })
  } finally {
    db.close()
  }
}
