/**
 * `node:assert/strict` for test pages bundled for Chromium (test/browser/pages.ts aliases
 * `node:assert` and `node:assert/strict` here). Strict semantics as Node's: `equal` is Object.is,
 * `deepEqual` is deepStrictEqual (same prototypes, same own keys — a property holding undefined
 * differs from a missing one —, typed arrays by content). Covers what the shared compliance suites
 * use and a little more; anything else is a bundling error, not a silent pass.
 */

/** A failed assertion, as Node's AssertionError. */
export class AssertionError extends Error {
  override name = 'AssertionError'
  readonly code = 'ERR_ASSERTION'
  constructor (message: string, readonly actual?: unknown, readonly expected?: unknown, readonly operator?: string) {
    super(message)
  }
}

type Message = string | Error | undefined

function fail (message: Message, fallback: string, actual?: unknown, expected?: unknown, operator?: string): never {
  if (message instanceof Error) throw message
  throw new AssertionError(message ?? fallback, actual, expected, operator)
}

/** A short printable form of a value for failure messages. */
export function inspect (value: unknown, depth = 0): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? value.slice(0, 200) + '…' : value)
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value !== 'object' || value === null) return String(value)
  if (depth > 3) return Array.isArray(value) ? '[Array]' : '[Object]'
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
    return `${value.constructor.name}(${value.byteLength}) [${Array.from(bytes.subarray(0, 24)).join(', ')}${bytes.byteLength > 24 ? ', …' : ''}]`
  }
  if (value instanceof Error) return `${value.name}: ${value.message}`
  if (Array.isArray(value)) return `[${value.slice(0, 20).map(v => inspect(v, depth + 1)).join(', ')}${value.length > 20 ? ', …' : ''}]`
  if (value instanceof Map) return `Map(${value.size}) {${[...value].slice(0, 20).map(([k, v]) => `${inspect(k, depth + 1)} => ${inspect(v, depth + 1)}`).join(', ')}}`
  if (value instanceof Set) return `Set(${value.size}) {${[...value].slice(0, 20).map(v => inspect(v, depth + 1)).join(', ')}}`
  const name = Object.getPrototypeOf(value)?.constructor?.name
  const body = Object.entries(value).map(([k, v]) => `${k}: ${inspect(v, depth + 1)}`).join(', ')
  return `${name != null && name !== 'Object' ? name + ' ' : ''}{ ${body} }`
}

function bytesOf (v: ArrayBufferView | ArrayBuffer): Uint8Array {
  return ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(v)
}

/** Node's isDeepStrictEqual, for the kinds of values tests compare. */
export function isDeepStrictEqual (a: unknown, b: unknown, seen = new Map<object, object>()): boolean {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false
  if (seen.get(a) === b) return true
  seen.set(a, b)
  if (ArrayBuffer.isView(a) || a instanceof ArrayBuffer) {
    const [x, y] = [bytesOf(a as ArrayBufferView), bytesOf(b as ArrayBufferView)]
    if (x.byteLength !== y.byteLength || !x.every((v, i) => v === y[i])) return false
  } else if (a instanceof Date) {
    if (a.getTime() !== (b as Date).getTime()) return false
  } else if (a instanceof RegExp) {
    if (String(a) !== String(b)) return false
  } else if (a instanceof Error) {
    if (a.name !== (b as Error).name || a.message !== (b as Error).message) return false
  } else if (a instanceof Map) {
    const m = b as Map<unknown, unknown>
    if (a.size !== m.size || ![...a].every(([k, v]) => m.has(k) && isDeepStrictEqual(v, m.get(k), seen))) return false
  } else if (a instanceof Set) {
    const s = b as Set<unknown>
    if (a.size !== s.size || ![...a].every(v => s.has(v) || [...s].some(w => isDeepStrictEqual(v, w, seen)))) return false
  }
  if (ArrayBuffer.isView(a)) return true
  const [ka, kb] = [Object.keys(a), Object.keys(b)]
  if (ka.length !== kb.length) return false
  return ka.every(k => Object.prototype.hasOwnProperty.call(b, k) && isDeepStrictEqual((a as any)[k], (b as any)[k], seen))
}

/** Check a thrown or rejected error against `expected`, as Node does. */
function checkError (err: unknown, expected: unknown, message: Message): void {
  if (expected == null) return
  if (expected instanceof RegExp) {
    if (!expected.test(String(err))) fail(message, `The input did not match the regular expression ${String(expected)}. Input:\n\n${inspect(String(err))}`, err, expected)
    return
  }
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && err instanceof expected) return
    if (expected === Error || expected.prototype instanceof Error) {
      fail(message, `The error is expected to be an instance of "${expected.name}". Received "${(err as Error)?.name}"\n\nError message:\n\n${(err as Error)?.message}`, err, expected)
    }
    const verdict = (expected as (e: unknown) => unknown)(err)
    if (verdict !== true) fail(message, `The ${expected.name === '' ? 'validation function' : `"${expected.name}" validation function`} is expected to return "true". Received ${inspect(verdict)}\n\nCaught error:\n\n${inspect(err)}`, err, expected)
    return
  }
  if (typeof expected === 'object') {
    for (const [key, want] of Object.entries(expected)) {
      const got = (err as any)?.[key]
      const same = want instanceof RegExp && typeof got === 'string' ? want.test(got) : isDeepStrictEqual(got, want)
      if (!same) fail(message, `Expected the error's "${key}" to be ${inspect(want)}, got ${inspect(got)}`, err, expected)
    }
  }
}

/** `value` is truthy. */
export function ok (value: unknown, message?: Message): asserts value {
  if (!value) fail(message, `The expression evaluated to a falsy value:\n\n  assert.ok(${inspect(value)})`, value, true, '==')
}

/** Object.is(actual, expected), as Node's strictEqual. */
export function equal<T> (actual: unknown, expected: T, message?: Message): asserts actual is T {
  if (!Object.is(actual, expected)) fail(message, `Expected values to be strictly equal:\n\n${inspect(actual)} !== ${inspect(expected)}`, actual, expected, 'strictEqual')
}

/** !Object.is(actual, expected). */
export function notEqual (actual: unknown, expected: unknown, message?: Message): void {
  if (Object.is(actual, expected)) fail(message, `Expected "actual" to be strictly unequal to: ${inspect(expected)}`, actual, expected, 'notStrictEqual')
}

/** Node's deepStrictEqual. */
export function deepEqual<T> (actual: unknown, expected: T, message?: Message): asserts actual is T {
  if (!isDeepStrictEqual(actual, expected)) fail(message, `Expected values to be strictly deep-equal:\n\nactual:   ${inspect(actual)}\nexpected: ${inspect(expected)}`, actual, expected, 'deepStrictEqual')
}

/** Not deepStrictEqual. */
export function notDeepEqual (actual: unknown, expected: unknown, message?: Message): void {
  if (isDeepStrictEqual(actual, expected)) fail(message, `Expected "actual" not to be strictly deep-equal to: ${inspect(expected)}`, actual, expected, 'notDeepStrictEqual')
}

/** `value` is a string matching `pattern`. */
export function match (value: string, pattern: RegExp, message?: Message): void {
  if (typeof value !== 'string' || !pattern.test(value)) fail(message, `The input did not match the regular expression ${String(pattern)}. Input:\n\n${inspect(value)}`, value, pattern, 'match')
}

/** `block` throws, and the error matches `expected` (a class, a RegExp, a validation function or an object of properties). */
export function throws (block: () => unknown, expected?: unknown, message?: Message): void {
  try {
    block()
  } catch (err) {
    checkError(err, expected, message)
    return
  }
  fail(message, 'Missing expected exception.', undefined, expected, 'throws')
}

/** The promise (or the promise `block` returns) rejects, and the error matches `expected` as for throws. */
export async function rejects (block: Promise<unknown> | (() => Promise<unknown>), expected?: unknown, message?: Message): Promise<void> {
  try {
    await (typeof block === 'function' ? block() : block)
  } catch (err) {
    checkError(err, expected, message)
    return
  }
  fail(message, `Missing expected rejection${typeof expected === 'function' && expected.name !== '' ? ` (${expected.name})` : ''}.`, undefined, expected, 'rejects')
}

/** The promise (or the promise `block` returns) fulfils. */
export async function doesNotReject (block: Promise<unknown> | (() => Promise<unknown>), message?: Message): Promise<void> {
  try {
    await (typeof block === 'function' ? block() : block)
  } catch (err) {
    fail(message, `Got unwanted rejection.\nActual message: "${(err as Error)?.message}"`, err, undefined, 'doesNotReject')
  }
}

/** Always fails. */
export function assertFail (message?: Message): never {
  fail(message, 'Failed')
}

/** The default export: callable like `assert(value)`, with every method above. */
export interface Assert {
  (value: unknown, message?: Message): asserts value
  ok: typeof ok
  equal: typeof equal
  strictEqual: typeof equal
  notEqual: typeof notEqual
  notStrictEqual: typeof notEqual
  deepEqual: typeof deepEqual
  deepStrictEqual: typeof deepEqual
  notDeepEqual: typeof notDeepEqual
  notDeepStrictEqual: typeof notDeepEqual
  match: typeof match
  throws: typeof throws
  rejects: typeof rejects
  doesNotReject: typeof doesNotReject
  fail: typeof assertFail
  AssertionError: typeof AssertionError
  strict: Assert
}

const assert: Assert = Object.assign((value: unknown, message?: Message): asserts value => { ok(value, message) }, {
  ok,
  equal,
  strictEqual: equal,
  notEqual,
  notStrictEqual: notEqual,
  deepEqual,
  deepStrictEqual: deepEqual,
  notDeepEqual,
  notDeepStrictEqual: notDeepEqual,
  match,
  throws,
  rejects,
  doesNotReject,
  fail: assertFail,
  AssertionError
}) as Assert
assert.strict = assert

export { equal as strictEqual, deepEqual as deepStrictEqual, assertFail as fail }
export default assert
