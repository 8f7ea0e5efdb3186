/**
 * `ferry sim k8s`: the manifests, parsed back and checked for how their parts
 * meet — no cluster is used (none was available where this was written). What a cluster would
 * do with them (the agents, the remote driver) runs on loopback in sim-remote.spec.ts.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { parse } from 'yaml'
import { AGENT_PORT, nodeNameOfPod } from '../../node/sim/agent.js'
import { CONTAINERFILE, k8sManifests, K8sOptionError, labelOf } from '../../node/sim/k8s.js'
import { plan } from '../../node/sim/plan.js'
import { parseScenario, validateScenario } from '../../node/sim/scenario.js'
import { cli, ROOT } from './harness.js'

const scenario = validateScenario({
  name: 'K8s_Team.1',
  mode: 'processes',
  durationMs: 60_000,
  timeScale: 2,
  groups: [
    { name: 'host', count: 2, roles: ['mailbox-host', 'always-on'] },
    { name: 'unit', count: 5, roles: ['churny'], offlineFraction: 0.2, offlineWindowMs: 5_000 }
  ],
  contacts: { kind: 'teams', size: 7 },
  traffic: { rate: 1, sizes: [100] },
  events: [{ at: 10_000, kind: 'partition', nodes: ['unit-0'] }, { at: 20_000, kind: 'heal' }]
}, 'k8s')

const TOKEN = 'test-token-0123456789abcdef0123456789'
const bundle = k8sManifests(scenario, { image: 'registry.example/ferry:test', namespace: 'ferry-ci', randomToken: () => TOKEN })
const doc = (file: string): any => parse(bundle.files[file])
const [ns, secret, config, service, sts, pvc, job] = ['namespace.yaml', 'secret.yaml', 'configmap.yaml', 'service.yaml', 'statefulset.yaml', 'results-pvc.yaml', 'job.yaml'].map(doc)
const podOf = (o: any): any => o.spec.template.spec
const containers = (o: any): any[] => podOf(o).containers

/** The volume and key behind a file path inside a container (configMap and secret volumes). */
function fileAt (pod: any, container: any, path: string): { volume: any, key: string } | undefined {
  for (const m of container.volumeMounts ?? []) {
    if (!path.startsWith(m.mountPath + '/')) continue
    const volume = pod.volumes.find((v: any) => v.name === m.name)
    const rel = posix.relative(m.mountPath, path)
    const item = volume?.configMap?.items?.find((i: any) => i.path === rel)
    return { volume, key: item?.key ?? rel }
  }
  return undefined
}

/** Every value under `key` anywhere in `value`. */
function valuesOf (value: unknown, key: string): unknown[] {
  if (value == null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([k, v]) => [...(k === key ? [v] : []), ...valuesOf(v, key)])
}

const argAfter = (args: string[], flag: string): string => {
  const i = args.indexOf(flag)
  assert.ok(i >= 0 && i + 1 < args.length, `${flag} in ${args.join(' ')}`)
  return args[i + 1]
}

describe('ferry sim k8s: manifests', function () {
  it('writes the expected kinds, all in one namespace', () => {
    assert.deepEqual(Object.keys(bundle.files), ['Containerfile', 'namespace.yaml', 'secret.yaml', 'configmap.yaml', 'service.yaml', 'statefulset.yaml', 'results-pvc.yaml', 'job.yaml'])
    assert.deepEqual([ns, secret, config, service, sts, pvc, job].map(o => o.kind), ['Namespace', 'Secret', 'ConfigMap', 'Service', 'StatefulSet', 'PersistentVolumeClaim', 'Job'])
    assert.equal(ns.metadata.name, 'ferry-ci')
    for (const o of [secret, config, service, sts, pvc, job]) assert.equal(o.metadata.namespace, 'ferry-ci', o.kind)
    assert.equal(sts.apiVersion, 'apps/v1')
    assert.equal(job.apiVersion, 'batch/v1')
  })

  it('runs one agent pod per scenario node, selected by the headless Service', () => {
    const names = plan(scenario).nodes.map(n => n.name)
    assert.equal(names.length, 7)
    assert.equal(sts.spec.replicas, names.length)
    assert.deepEqual(bundle.nodes, names)
    const labels = sts.spec.template.metadata.labels
    for (const [k, v] of Object.entries(sts.spec.selector.matchLabels)) assert.equal(labels[k], v, `template carries selector label ${k}`)
    assert.equal(service.spec.clusterIP, 'None', 'headless')
    assert.equal(sts.spec.serviceName, service.metadata.name)
    assert.deepEqual(service.spec.selector, sts.spec.selector.matchLabels)
    // the driver's pods are not selected by the Service
    assert.notEqual(job.spec.template.metadata.labels['app.kubernetes.io/component'], labels['app.kubernetes.io/component'])
    assert.equal(labels['app.kubernetes.io/instance'], 'k8s-team-1')
    const ports = containers(sts)[0].ports.map((p: any) => p.name)
    for (const p of service.spec.ports) assert.ok(ports.includes(p.targetPort), `Service port ${p.name} targets a container port`)
  })

  it('gives each pod its data volume, resources and a readiness probe on the agent', () => {
    const [agent] = containers(sts)
    const claim = sts.spec.volumeClaimTemplates[0]
    assert.equal(claim.spec.resources.requests.storage, '1Gi')
    const dataMount = agent.volumeMounts.find((m: any) => m.name === claim.metadata.name)
    assert.ok(dataMount != null, 'the claim is mounted')
    assert.ok(argAfter(agent.args, '--data-dir').startsWith(dataMount.mountPath + '/'), 'the agent keeps its data on the claim')
    assert.ok(agent.resources.requests.cpu != null && agent.resources.requests.memory != null && agent.resources.limits.memory != null)
    assert.equal(agent.readinessProbe.httpGet.path, '/healthz')
    assert.equal(agent.ports.find((p: any) => p.name === agent.readinessProbe.httpGet.port).containerPort, AGENT_PORT)
    assert.equal(argAfter(agent.args, '--port'), String(AGENT_PORT))
    assert.equal(argAfter(agent.args, '--host'), '0.0.0.0')
    assert.deepEqual(agent.args.slice(0, 2), ['sim', 'agent'])
  })

  it('names pod i after node i, and maps every node to its pod\'s DNS name', () => {
    const pod = podOf(sts)
    const [agent] = pod.containers
    const names = fileAt(pod, agent, argAfter(agent.args, '--names'))
    assert.equal(names?.volume.configMap.name, config.metadata.name)
    const nodes = JSON.parse(config.data[names?.key as string])
    assert.deepEqual(nodes, bundle.nodes)
    assert.deepEqual(agent.env.find((e: any) => e.name === 'POD_NAME').valueFrom.fieldRef, { fieldPath: 'metadata.name' })
    const endpoints = JSON.parse(config.data['endpoints.json'])
    assert.deepEqual(Object.keys(endpoints.endpoints).sort(), [...nodes].sort())
    nodes.forEach((node: string, i: number) => {
      const pod = `${sts.metadata.name}-${i}`
      assert.equal(nodeNameOfPod(nodes, pod), node, 'the agent of pod i runs node i')
      const url = new URL(endpoints.endpoints[node])
      assert.equal(url.hostname, `${pod}.${service.metadata.name}.ferry-ci.svc.cluster.local`)
      assert.equal(Number(url.port), AGENT_PORT)
    })
  })

  it('runs the driver Job against the mounted scenario and endpoints, with the results on a claim', () => {
    const pod = podOf(job)
    const [driver] = pod.containers
    assert.deepEqual(driver.args.slice(0, 2), ['sim', 'run'])
    assert.equal(pod.restartPolicy, 'Never')
    const scenarioFile = fileAt(pod, driver, driver.args[2])
    assert.equal(scenarioFile?.volume.configMap.name, config.metadata.name)
    assert.deepEqual(parseScenario(config.data[scenarioFile?.key as string], 'scenario.json'), scenario, 'the mounted scenario is the scenario, valid as it stands')
    const endpointsFile = fileAt(pod, driver, argAfter(driver.args, '--remote'))
    assert.equal(endpointsFile?.volume.configMap.name, config.metadata.name)
    const remote = JSON.parse(config.data[endpointsFile?.key as string])
    assert.deepEqual(remote.endpoints, bundle.endpoints)
    const tokenFile = fileAt(pod, driver, remote.tokenFile)
    assert.equal(tokenFile?.volume.secret.secretName, secret.metadata.name)
    assert.ok(Object.keys(secret.stringData).includes(tokenFile?.key as string))
    const out = argAfter(driver.args, '--out')
    const results = driver.volumeMounts.find((m: any) => out.startsWith(m.mountPath + '/'))
    assert.equal(pod.volumes.find((v: any) => v.name === results.name).persistentVolumeClaim.claimName, pvc.metadata.name)
    assert.ok(job.spec.activeDeadlineSeconds >= scenario.durationMs / scenario.timeScale / 1000)
  })

  it('shares one Secret between the agents and the driver', () => {
    assert.equal(secret.stringData.token, TOKEN)
    const pod = podOf(sts)
    const [agent] = pod.containers
    const tokenFile = fileAt(pod, agent, argAfter(agent.args, '--token-file'))
    assert.equal(tokenFile?.volume.secret.secretName, secret.metadata.name)
    assert.equal(tokenFile?.key, 'token')
    assert.deepEqual(valuesOf([sts, job], 'secretName'), [secret.metadata.name, secret.metadata.name])
    const a = k8sManifests(scenario)
    const b = k8sManifests(scenario)
    const token = (x: typeof a): string => parse(x.files['secret.yaml']).stringData.token
    assert.notEqual(token(a), token(b), 'a fresh token each time')
    assert.ok(token(a).length >= 32)
  })

  it('uses the image everywhere, and asks for no host access or privilege', () => {
    assert.deepEqual(valuesOf([sts, job], 'image'), ['registry.example/ferry:test', 'registry.example/ferry:test'])
    for (const key of ['hostNetwork', 'hostPID', 'hostIPC', 'hostPath', 'privileged']) {
      assert.ok(valuesOf([sts, job], key).every(v => v === false), `${key} never set`)
    }
    for (const c of [...containers(sts), ...containers(job)]) {
      assert.equal(c.securityContext.privileged, false)
      assert.equal(c.securityContext.allowPrivilegeEscalation, false)
      assert.equal(c.securityContext.runAsNonRoot, true)
      assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'])
    }
    for (const o of [sts, job]) assert.equal(podOf(o).automountServiceAccountToken, false)
  })

  it('ships the same image recipe it writes: node 24, npm ci (which builds), ferry as the entry point', () => {
    assert.equal(readFileSync(join(ROOT, 'sim', 'k8s', 'Containerfile'), 'utf8'), CONTAINERFILE)
    assert.match(CONTAINERFILE, /^FROM node:24-slim/m)
    assert.match(CONTAINERFILE, /^RUN npm ci && test -f dist\/node\/cli\/main\.js/m)
    // npm ci builds through the prepare script
    assert.equal(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.prepare, 'npm run -s build')
    assert.match(CONTAINERFILE, /^ENTRYPOINT \["node", "\/app\/node\/bin\/ferry\.js"\]$/m)
    assert.equal(bundle.files.Containerfile, CONTAINERFILE)
  })

  it('refuses a namespace that is not a DNS label and an image with spaces', () => {
    assert.throws(() => k8sManifests(scenario, { namespace: 'Ferry_Sim' }), K8sOptionError)
    assert.throws(() => k8sManifests(scenario, { namespace: 'x'.repeat(64) }), K8sOptionError)
    assert.throws(() => k8sManifests(scenario, { image: 'ferry dev' }), K8sOptionError)
    assert.equal(labelOf('--Odd..Name--'), 'odd-name')
    assert.equal(labelOf('___'), 'scenario')
    assert.throws(() => nodeNameOfPod(['a'], 'ferry-node-1'), /lists only 1/)
    assert.throws(() => nodeNameOfPod(['a'], 'ferry-node'), /ordinal/)
  })
})

describe('ferry sim k8s: the command', function () {
  this.timeout(60_000)
  const dir = mkdtempSync(join(tmpdir(), 'ferry-sim-k8s-'))
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  it('writes the files for a shipped scenario and says how to apply them', async () => {
    const out = join(dir, 'team')
    const r = await cli(['sim', 'k8s', join(ROOT, 'sim', 'scenarios', 'team-churn.json'), '--out', out, '--image', 'ferry:ci', '--namespace', 'ferry-team'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /50 nodes -> a StatefulSet of 50 agent pods/)
    assert.match(r.stdout, /kubectl apply -f .*namespace\.yaml/)
    assert.match(r.stdout, /not been tried on a real cluster/)
    const sts = parse(readFileSync(join(out, 'statefulset.yaml'), 'utf8'))
    assert.equal(sts.spec.replicas, 50)
    assert.equal(sts.metadata.namespace, 'ferry-team')
    assert.equal(sts.spec.template.spec.containers[0].image, 'ferry:ci')
    assert.equal(statSync(join(out, 'secret.yaml')).mode & 0o777, 0o600, 'the token is readable by its owner only')
  })

  it('reports a bad scenario with file:line:col and a bad namespace as a usage error', async () => {
    const { writeFileSync } = await import('node:fs')
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '{\n  "name": "x",\n  "mode": "processes",\n  "durationMs": -1\n}\n')
    const r = await cli(['sim', 'k8s', bad, '--out', join(dir, 'bad')])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /bad\.json:4:\d+: durationMs/)
    const ns = await cli(['sim', 'k8s', join(ROOT, 'sim', 'scenarios', 'team-churn.json'), '--out', join(dir, 'ns'), '--namespace', 'NOT_OK'])
    assert.equal(ns.code, 2)
    assert.match(ns.stderr, /--namespace must be a DNS label/)
  })
})
