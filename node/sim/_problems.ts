/**
 * The scenario checker's bookkeeping (internal to scenario.ts): typed readers for plain values
 * that record a problem instead of throwing, and the `file:line:col: path: message` lines built
 * from the YAML source positions of each path.
 */
import { MAX_TTL_MS, MIN_TTL_MS } from '../../protocol/constants.js'

/** 1-based line and column. */
export interface Pos { line: number, col: number }
/** Where a path's key and value start in the source. */
export interface Where { key?: Pos, value?: Pos }

/** A numeric rule and how a message says it. */
export interface Rule { test: (n: number) => boolean, says: string }

/** The largest message size a scenario may ask for: 60 KiB, under Ferry's 64 KiB text limit. */
export const MAX_SIZE_BYTES = 60 * 1024

export const rules = {
  positiveInt: { test: n => Number.isInteger(n) && n > 0, says: 'must be a positive integer' },
  nonNegativeInt: { test: n => Number.isInteger(n) && n >= 0, says: 'must be a non-negative integer' },
  positive: { test: n => n > 0 && Number.isFinite(n), says: 'must be a positive number' },
  nonNegative: { test: n => n >= 0 && Number.isFinite(n), says: 'must be a non-negative number' },
  fraction: { test: n => n >= 0 && n <= 1, says: 'must be a number from 0 to 1' },
  percent: { test: n => n >= 0 && n <= 100, says: 'must be a number from 0 to 100' },
  seed: { test: n => Number.isInteger(n) && n >= 0 && n <= 0xffffffff, says: 'must be an integer from 0 to 4294967295' },
  size: { test: n => Number.isInteger(n) && n >= 1 && n <= MAX_SIZE_BYTES, says: `must be an integer from 1 to ${MAX_SIZE_BYTES} (60 KiB)` },
  ttl: { test: n => Number.isInteger(n) && n >= MIN_TTL_MS && n <= MAX_TTL_MS, says: `must be an integer from ${MIN_TTL_MS} to ${MAX_TTL_MS} (10 s to 30 days)` }
} satisfies Record<string, Rule>

/** `a` + `b` → `a.b`; the root path is ''. */
export const join = (path: string, key: string): string => path === '' ? key : `${path}.${key}`
const parentOf = (path: string): string => /[.[]/.test(path) ? path.replace(/(\.[^.[\]]*|\[\d+\])$/, '') : ''

/** A value as an error message shows it: strings quoted, collections by kind. */
export function describe (v: unknown): string {
  if (v === undefined) return 'nothing'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object' && v !== null) return 'a mapping'
  if (typeof v === 'string') return JSON.stringify(v)
  return String(v)
}

/** Edit distance, to suggest the key a typo meant. */
function distance (a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = row
  }
  return prev[b.length]
}

/** The problems found so far, and readers that add to them. */
export class Problems {
  private readonly found: Array<{ pos?: Pos, seq: number, text: string }> = []

  /** @param where source positions by path; absent for plain objects (no line numbers then) */
  constructor (readonly file: string, private readonly where?: Map<string, Where>) {}

  get count (): number { return this.found.length }

  /**
   * Record a problem at `path`: at its value (default), its key (unknown or misplaced keys), or
   * its parent mapping (a missing key has no position of its own).
   */
  add (path: string, message: string, at: 'value' | 'key' | 'parent' = 'value'): void {
    const label = path === '' ? 'scenario' : path
    const pos = this.position(path, at)
    const text = pos === undefined ? `${this.file}: ${label}: ${message}` : `${this.file}:${pos.line}:${pos.col}: ${label}: ${message}`
    this.found.push({ pos, seq: this.found.length, text })
  }

  /** The problems in source order. */
  lines (): string[] {
    const key = (p: { pos?: Pos }): number => p.pos === undefined ? Infinity : p.pos.line * 1e6 + p.pos.col
    return [...this.found].sort((a, b) => key(a) - key(b) || a.seq - b.seq).map(p => p.text)
  }

  private position (path: string, at: 'value' | 'key' | 'parent'): Pos | undefined {
    if (this.where === undefined) return undefined
    let p = at === 'parent' ? parentOf(path) : path
    const own = this.where.get(p)
    const first = at === 'key' ? own?.key ?? own?.value : own?.value ?? own?.key
    if (first !== undefined) return first
    while (p !== '') {
      p = parentOf(p)
      const w = this.where.get(p)
      if (w?.value !== undefined) return w.value
    }
    return { line: 1, col: 1 }
  }

  /** A mapping with exactly these keys allowed; reports missing required and unknown keys (absent: undefined). */
  mapping (path: string, value: unknown, required: string[], optional: string[]): Record<string, unknown> | undefined {
    if (value === undefined) return undefined
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.add(path, `must be a mapping, got ${describe(value)}`)
      return undefined
    }
    const obj = value as Record<string, unknown>
    const allowed = [...required, ...optional]
    for (const key of Object.keys(obj)) {
      if (allowed.includes(key)) continue
      const near = allowed.find(a => a.toLowerCase() === key.toLowerCase()) ?? allowed.find(a => distance(a, key) <= Math.max(1, Math.floor(a.length / 4)))
      this.add(join(path, key), near !== undefined ? `unknown key, did you mean "${near}"?` : `unknown key (allowed: ${allowed.join(', ')})`, 'key')
    }
    for (const key of required) {
      if (obj[key] === undefined) this.add(join(path, key), 'is required', 'parent')
    }
    return obj
  }

  /** A list (absent: undefined, reported by the mapping if it was required). */
  list (path: string, value: unknown, nonEmpty: boolean): unknown[] | undefined {
    if (value === undefined) return undefined
    if (!Array.isArray(value)) this.add(path, `must be a list, got ${describe(value)}`)
    else if (nonEmpty && value.length === 0) this.add(path, 'must not be empty')
    else return value
    return undefined
  }

  string (path: string, value: unknown, allowEmpty = false): string | undefined {
    if (value === undefined) return undefined
    if (typeof value === 'string' && (allowEmpty || value.trim() !== '')) return value
    this.add(path, `must be a ${allowEmpty ? '' : 'non-empty '}string, got ${describe(value)}`)
    return undefined
  }

  oneOf<T extends string>(path: string, value: unknown, values: readonly T[]): T | undefined {
    if (value === undefined) return undefined
    if (values.includes(value as T)) return value as T
    this.add(path, `must be one of ${values.map(v => `"${v}"`).join(', ')}, got ${describe(value)}`)
    return undefined
  }

  /**
   * A number that follows `rule`. Absent values are reported only when `missing` says why they
   * are required here (keys that are always required are reported by `mapping`).
   */
  number (path: string, value: unknown, rule: Rule, at: 'parent' | undefined = undefined, missing?: string): number | undefined {
    if (value === undefined) {
      if (missing !== undefined) this.add(path, missing, at ?? 'parent')
      return undefined
    }
    if (typeof value === 'number' && rule.test(value)) return value
    this.add(path, `${rule.says}, got ${describe(value)}`)
    return undefined
  }
}
