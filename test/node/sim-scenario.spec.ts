/**
 * `ferry sim` scenarios: the shipped scenarios parse; defaults are filled; YAML and
 * JSON mean the same; and each malformed scenario gets exactly the expected `file:line:col` list.
 */
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_TTL_MS } from '../../protocol/constants.js'
import { loadScenario, parseScenario, ScenarioError, validateScenario } from '../../node/sim/scenario.js'

const SCENARIOS = join(import.meta.dirname, '../../../sim/scenarios')

/** A valid YAML scenario; the line numbers matter to the cases below. */
const BASE = [
  'name: team', //                                  1
  'mode: inprocess', //                             2
  'durationMs: 60000', //                           3
  'groups:', //                                     4
  '  - name: host', //                              5
  '    count: 2', //                                6
  '    roles: [mailbox-host, always-on]', //        7
  '  - name: churny', //                            8
  '    count: 8', //                                9
  '    roles: [churny]', //                        10
  '    offlineFraction: 0.3', //                   11
  '    offlineWindowMs: 5000', //                  12
  'contacts:', //                                  13
  '  kind: teams', //                              14
  '  size: 5', //                                  15
  'traffic:', //                                   16
  '  rate: 2', //                                  17
  '  sizes: [100, 1000]', //                       18
  'events:', //                                    19
  '  - at: 10000', //                              20
  '    kind: partition', //                        21
  '    nodes: [churny]', //                        22
  '  - at: 20000', //                              23
  '    kind: heal' //                              24
]

/** BASE with lines replaced (1-based; null deletes the line). */
function yamlWith (edits: Record<number, string | null>): string {
  return BASE.map((line, i) => (i + 1) in edits ? edits[i + 1] : line).filter(l => l !== null).join('\n') + '\n'
}

/** The same scenario as JSON, one key per line where it matters to the cases. */
const JSON_BASE = [
  '{', //                                                                    1
  '  "name": "team",', //                                                    2
  '  "mode": "netns",', //                                                   3
  '  "durationMs": 60000,', //                                               4
  '  "groups": [', //                                                        5
  '    { "name": "unit", "count": 5, "roles": ["churny"],', //              6
  '      "offlineFraction": 0.2, "offlineWindowMs": 10000 }', //            7
  '  ],', //                                                                 8
  '  "contacts": { "kind": "random", "k": 2 },', //                          9
  '  "traffic": { "rate": 1, "sizes": [64] },', //                          10
  '  "link": { "delayMs": 5, "lossPct": 1 },', //                           11
  '  "events": [{ "at": 1000, "kind": "shape", "link": { "delayMs": 50 } }]', // 12
  '}' //                                                                    13
]
const jsonWith = (edits: Record<number, string | null>): string =>
  JSON_BASE.map((line, i) => (i + 1) in edits ? edits[i + 1] : line).filter(l => l !== null).join('\n') + '\n'

function problemsOf (text: string, file: string): string[] {
  try {
    parseScenario(text, file)
  } catch (err) {
    assert.ok(err instanceof ScenarioError, `expected a ScenarioError, got ${String(err)}`)
    assert.equal(err.name, 'ScenarioError')
    assert.equal(err.message, err.problems.join('\n'))
    assert.equal(err.file, file)
    return err.problems
  }
  assert.fail(`${file} parsed, but it is malformed`)
}

describe('sim scenarios', () => {
  it('parses every shipped scenario, each with its documented mode', async () => {
    const files = readdirSync(SCENARIOS).filter(f => f.endsWith('.json')).sort()
    assert.deepEqual(files, ['field-units-ferrying.json', 'field-units-lan.json', 'partition-heal.json', 'scale-1000.json', 'team-churn.json', 'team-groups.json'])
    const modes: Record<string, string> = {}
    for (const f of files) {
      const s = await loadScenario(join(SCENARIOS, f))
      assert.equal(s.name, f.replace('.json', ''))
      modes[s.name] = s.mode
    }
    assert.deepEqual(modes, { 'field-units-ferrying': 'inprocess', 'field-units-lan': 'netns', 'partition-heal': 'inprocess', 'scale-1000': 'inprocess', 'team-churn': 'inprocess', 'team-groups': 'inprocess' })
    const team = await loadScenario(join(SCENARIOS, 'team-churn.json'))
    assert.equal(team.groups.reduce((n, g) => n + g.count, 0), 50)
    const scale = await loadScenario(join(SCENARIOS, 'scale-1000.json'))
    assert.equal(scale.groups.reduce((n, g) => n + g.count, 0), 1000)
    assert.deepEqual(scale.contacts, { kind: 'random', k: 8 })
    // both keep Ferry's own limit: below the count nodes settle at, libp2p churns connections (sim/scenarios/README.md)
    assert.deepEqual(['maxConnections' in team, 'maxConnections' in scale], [false, false])
    assert.equal(scale.traffic.rate * (scale.durationMs - (scale.traffic.quietMs ?? 0)) / 1000, 10_000)
  })

  it('fills the defaults and keeps what is written', () => {
    const s = parseScenario(yamlWith({}), 'team.yaml')
    assert.deepEqual(s, {
      name: 'team',
      mode: 'inprocess',
      durationMs: 60000,
      timeScale: 1,
      seed: 1,
      replication: 2,
      groups: [
        { name: 'host', count: 2, roles: ['mailbox-host', 'always-on'] },
        { name: 'churny', count: 8, roles: ['churny'], offlineFraction: 0.3, offlineWindowMs: 5000 }
      ],
      contacts: { kind: 'teams', size: 5 },
      traffic: { rate: 2, sizes: [100, 1000], ttlMs: DEFAULT_TTL_MS, disappearing: 0, quietMs: 0 },
      events: [{ at: 10000, kind: 'partition', nodes: ['churny'] }, { at: 20000, kind: 'heal' }]
    })
    assert.equal('link' in s, false)
    const bare = parseScenario(yamlWith({ 7: null, 19: null, 20: null, 21: null, 22: null, 23: null, 24: null }), 'bare.yaml')
    assert.deepEqual(bare.groups[0].roles, [])
    assert.deepEqual(bare.events, [])
  })

  it('reads YAML and JSON alike', () => {
    const fromJson = parseScenario(JSON.stringify(parseScenario(yamlWith({}), 'a.yaml')), 'a.json')
    assert.deepEqual(fromJson, parseScenario(yamlWith({}), 'a.yaml'))
    const s = parseScenario(jsonWith({}), 'unit.json')
    assert.deepEqual(s.link, { delayMs: 5, lossPct: 1 })
    assert.deepEqual(s.events, [{ at: 1000, kind: 'shape', link: { delayMs: 50 } }])
  })

  const yamlCases: Array<[string, Record<number, string | null>, string[]]> = [
    ['a negative count', { 9: '    count: -3' }, ['team.yaml:9:12: groups[1].count: must be a positive integer, got -3']],
    ['a misspelt key (and so a missing one)', { 11: '    offlineFracton: 0.3' }, [
      'team.yaml:8:5: groups[1].offlineFraction: is required for a churny group',
      'team.yaml:11:5: groups[1].offlineFracton: unknown key, did you mean "offlineFraction"?'
    ]],
    ['a missing required key', { 2: null }, ['team.yaml:1:1: mode: is required']],
    ['an unknown mode', { 2: 'mode: cloud' }, ['team.yaml:2:7: mode: must be one of "inprocess", "processes", "netns", got "cloud"']],
    ['an event naming no node or group', { 22: '    nodes: [churny, nobody]' }, ['team.yaml:22:21: events[0].nodes[1]: no node or group named "nobody"']],
    ['an event after the end', { 20: '  - at: 70000' }, ['team.yaml:20:9: events[0].at: must be within the run (less than durationMs 60000), got 70000']],
    ['a partition without nodes', { 22: null }, ['team.yaml:20:5: events[0].nodes: is required for a partition event']],
    ['a shape without a link', { 24: '    kind: shape' }, ['team.yaml:23:5: events[1].link: is required for a shape event']],
    ['a fraction over 1', { 11: '    offlineFraction: 1.5' }, ['team.yaml:11:22: groups[1].offlineFraction: must be a number from 0 to 1, got 1.5']],
    ['a message over 60 KiB', { 18: '  sizes: [100, 70000]' }, ['team.yaml:18:16: traffic.sizes[1]: must be an integer from 1 to 61440 (60 KiB), got 70000']],
    ['churn that cannot fit before the end', { 11: '    offlineFraction: 0.95' }, ['team.yaml:11:22: groups[1].offlineFraction: offline windows of ~5000 ms adding up to 0.95 of 60000 ms do not fit in the first 90% of the run']],
    ['churn settings on a group that is not churny', { 10: '    roles: [always-on]' }, [
      'team.yaml:11:5: groups[1].offlineFraction: only allowed for a group with the role "churny"',
      'team.yaml:12:5: groups[1].offlineWindowMs: only allowed for a group with the role "churny"'
    ]],
    ['a partition of everyone', { 22: '    nodes: [churny, host]' }, ['team.yaml:22:12: events[0].nodes: must leave at least one node on the other side of the partition']],
    ['forMs on an event that is not a sleep', { 24: '    kind: heal\n    forMs: 10' }, ['team.yaml:25:5: events[1].forMs: only allowed for a sleep event']],
    ['a duplicate key', { 3: 'durationMs: 60000\nname: other' }, ['team.yaml:4:1: syntax: Map keys must be unique']],
    ['several problems at once, in source order', { 2: 'mode: cloud', 9: '    count: -3', 16: null, 17: null, 18: null }, [
      'team.yaml:1:1: traffic: is required',
      'team.yaml:2:7: mode: must be one of "inprocess", "processes", "netns", got "cloud"',
      'team.yaml:9:12: groups[1].count: must be a positive integer, got -3'
    ]]
  ]
  for (const [what, edits, expected] of yamlCases) {
    it(`YAML: ${what}`, () => {
      assert.deepEqual(problemsOf(yamlWith(edits), 'team.yaml'), expected)
    })
  }

  const jsonCases: Array<[string, Record<number, string | null>, string[]]> = [
    ['a zero count', { 6: '    { "name": "unit", "count": 0, "roles": ["churny"],' }, ['unit.json:6:32: groups[0].count: must be a positive integer, got 0']],
    ['a misspelt top-level key', { 4: '  "durationMs": 60000, "sead": 7,' }, ['unit.json:4:24: sead: unknown key, did you mean "seed"?']],
    ['a missing contacts', { 9: null }, ['unit.json:1:1: contacts: is required']],
    ['k not below the node count', { 9: '  "contacts": { "kind": "random", "k": 5 },' }, ['unit.json:9:40: contacts.k: must be less than the number of nodes (5), got 5']],
    ['a loss over 100%', { 11: '  "link": { "delayMs": 5, "lossPct": 150 },' }, ['unit.json:11:38: link.lossPct: must be a number from 0 to 100, got 150']],
    ['quietMs as long as the run', { 10: '  "traffic": { "rate": 1, "sizes": [64], "quietMs": 60000 },' }, ['unit.json:10:53: traffic.quietMs: must be less than durationMs (60000), got 60000']],
    ['a size given as a string', { 10: '  "traffic": { "rate": 1, "sizes": ["64"] },' }, ['unit.json:10:37: traffic.sizes[0]: must be an integer from 1 to 61440 (60 KiB), got "64"']],
    ['a link on an event that is not a shape', { 12: '  "events": [{ "at": 1000, "kind": "heal", "link": { "delayMs": 50 } }]' }, ['unit.json:12:44: events[0].link: only allowed for a shape event']],
    ['a missing comma', { 3: '  "mode": "netns"' }, ['unit.json:4:3: syntax: Missing , between flow map items']],
    ['maxConnections of zero', { 4: '  "durationMs": 60000, "maxConnections": 0,' }, ['unit.json:4:42: maxConnections: must be a positive integer, got 0']],
    ['a negative drainMs', { 4: '  "durationMs": 60000, "drainMs": -1,' }, ['unit.json:4:35: drainMs: must be a non-negative integer, got -1']]
  ]
  for (const [what, edits, expected] of jsonCases) {
    it(`JSON: ${what}`, () => {
      assert.deepEqual(problemsOf(jsonWith(edits), 'unit.json'), expected)
    })
  }

  it('rejects a document that is not a mapping', () => {
    assert.deepEqual(problemsOf('- a\n- b\n', 'list.yaml'), ['list.yaml:1:1: scenario: must be a mapping, got a list'])
    assert.deepEqual(problemsOf('', 'empty.yaml'), ['empty.yaml:1:1: scenario: must be a mapping, got null'])
  })

  it('validates plain objects from the TypeScript API, without positions', () => {
    const s = parseScenario(yamlWith({}), 'team.yaml')
    assert.deepEqual(validateScenario(structuredClone(s)), s)
    const bad = { ...structuredClone(s), traffic: { rate: -1, sizes: [1] }, extra: true }
    assert.throws(() => validateScenario(bad, 'api'), (err: unknown) => {
      assert.ok(err instanceof ScenarioError)
      assert.deepEqual(err.problems, ['api: extra: unknown key (allowed: name, mode, durationMs, groups, contacts, traffic, description, timeScale, seed, link, events, replication, maxConnections, drainMs, clockOffsets, rooms)', 'api: traffic.rate: must be a non-negative number, got -1'])
      return true
    })
  })

  it('takes clock offsets for named nodes of a daemon mode, and disappearing timers from a list', () => {
    const s = parseScenario(yamlWith({}), 'team.yaml')
    const daemons = { ...structuredClone(s), mode: 'netns' as const }
    const ok = validateScenario({ ...daemons, clockOffsets: { [s.groups[0].name + '-0']: 240_000 }, traffic: { ...s.traffic, disappearing: 0.5, disappearingTtlsMs: [60_000, 900_000] } })
    assert.deepEqual(ok.clockOffsets, { [s.groups[0].name + '-0']: 240_000 })
    assert.deepEqual(ok.traffic.disappearingTtlsMs, [60_000, 900_000])
    const node = `${s.groups[0].name}-0`
    assert.throws(() => validateScenario({ ...daemons, clockOffsets: { [node]: 1.5, nobody: 1_000, [`${s.groups[0].name}-1`]: -90_000_000 }, traffic: { ...s.traffic, disappearingTtlsMs: [5] } }, 'api'), (err: unknown) => {
      assert.ok(err instanceof ScenarioError)
      assert.deepEqual(err.problems, [
        'api: traffic.disappearingTtlsMs[0]: must be an integer from 10000 to 2592000000 (10 s to 30 days), got 5',
        `api: clockOffsets.nobody: unknown key (allowed: ${ok.groups.flatMap(g => Array.from({ length: g.count }, (_, i) => `${g.name}-${i}`)).join(', ')})`,
        `api: clockOffsets.${node}: must be a whole number of ms from -86400000 to 86400000 (a day), got 1.5`,
        `api: clockOffsets.${s.groups[0].name}-1: must be a whole number of ms from -86400000 to 86400000 (a day), got -90000000`
      ])
      return true
    })
    assert.throws(() => validateScenario({ ...structuredClone(s), mode: 'inprocess', clockOffsets: { [node]: 1_000 } }, 'api'), /clockOffsets: needs a node per process/)
  })
})
