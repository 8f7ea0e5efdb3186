/**
 * `ferry sim k8s SCENARIO`: a scenario beyond one machine. Writes an image
 * recipe and Kubernetes manifests that run one `ferry sim agent` (agent.ts) per scenario node as
 * the pods of a StatefulSet, and a Job that runs the driver against them
 * (`ferry sim run --remote`, remote.ts). Nothing here talks to a cluster; the manifests are
 * checked structurally in test/node/sim-k8s.spec.ts, and no real cluster was used to write them.
 *
 * How the pieces meet. Pod i of the StatefulSet runs node `nodes.json[i]`: the agent reads its
 * pod name (downward API, `POD_NAME`) and takes the entry at the ordinal (agent.ts nodeNameOfPod).
 * The headless Service gives pod i the DNS name `<sts>-<i>.<svc>.<ns>.svc.cluster.local`, which
 * is what `endpoints.json` maps the node's name to; the driver checks every agent names the node
 * it expects before it starts. One random token, in a Secret, is mounted into every agent and into
 * the Job. Daemons listen on the pod network (TCP P2P_PORT, mDNS off: few CNIs carry multicast) and
 * reach each other through the addresses in their invites; their control APIs stay on loopback.
 * Partitions and link shapes are not applied in remote mode (remote.ts says why).
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { AGENT_PORT } from './agent.js'
import { plan as makePlan } from './plan.js'
import type { Scenario } from './types.js'

/** The names of what is made; pod i is `<statefulSet>-i`. */
export const K8S_NAMES = { statefulSet: 'ferry-node', service: 'ferry-node', job: 'ferry-sim-driver', secret: 'ferry-sim-token', config: 'ferry-sim-config', results: 'ferry-sim-results' } as const
export const K8S_DEFAULTS = { image: 'ferry:dev', namespace: 'ferry-sim' } as const
/** The daemons' libp2p port (TCP) on the pod network. */
export const P2P_PORT = 4001
/** Where things are mounted in the containers. */
export const MOUNTS = { config: '/config', secret: '/secret', data: '/data', results: '/results', tmp: '/tmp' } as const

/** The image recipe, also shipped as sim/k8s/Containerfile (a test keeps the two equal). */
export const CONTAINERFILE = `# The ferry image for \`ferry sim k8s\`: the CLI, the daemon and \`ferry sim agent\`,
# built from this checkout. Build it from the repository root, e.g.
#   docker build -f sim/k8s/Containerfile -t ferry:dev .      (or podman build ...)
# Not built or run on a cluster where it was written: see sim/k8s/README.md.
FROM node:24-slim AS build
WORKDIR /app
COPY . .
# npm ci runs every install script (node-datachannel fetches its prebuilt binary), then this
# project's prepare script, which is \`npm run build\` (tsc and the browser bundle); the check
# fails the image early if the build did not happen; prune drops the build tools
RUN npm ci && test -f dist/node/cli/main.js && npm prune --omit=dev

FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
# uid 1000, as the manifests' runAsUser and fsGroup
USER node
ENTRYPOINT ["node", "/app/node/bin/ferry.js"]
CMD ["--help"]
`

/** An option of `ferry sim k8s` that cannot be used. */
export class K8sOptionError extends Error {
  override name = 'K8sOptionError'
}

export interface K8sOptions {
  image?: string
  namespace?: string
  /** the shared agent token (random by default; a parameter so tests are deterministic) */
  randomToken?: () => string
}

export interface K8sBundle {
  /** file name -> contents, in the order to apply */
  files: Record<string, string>
  /** scenario node names; pod i runs nodes[i] */
  nodes: string[]
  /** node name -> agent URL (pod DNS name) */
  endpoints: Record<string, string>
  namespace: string
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** A scenario name as a label value: lower case, [a-z0-9-], at most 63 characters. */
export function labelOf (name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 63).replace(/^-+|-+$/g, '')
  return slug === '' ? 'scenario' : slug
}

/**
 * The image recipe and manifests for a scenario.
 *
 * @throws K8sOptionError on a namespace that is not a DNS label or an image name with spaces
 * @example
 * const bundle = k8sManifests(await loadScenario('sim/scenarios/team-churn.json'), { image: 'registry.example/ferry:1' })
 * writeK8s('k8s-out', bundle)
 */
export function k8sManifests (scenario: Scenario, options: K8sOptions = {}): K8sBundle {
  const namespace = options.namespace ?? K8S_DEFAULTS.namespace
  const image = options.image ?? K8S_DEFAULTS.image
  if (namespace.length > 63 || !DNS_LABEL.test(namespace)) throw new K8sOptionError(`--namespace must be a DNS label (a-z, 0-9 and -, at most 63 characters), got "${namespace}"`)
  if (!/^[^\s]+$/.test(image)) throw new K8sOptionError(`--image must be an image reference without spaces, got "${image}"`)
  const token = (options.randomToken ?? (() => randomBytes(32).toString('base64url')))()
  const nodes = makePlan(scenario).nodes.map(n => n.name)
  const instance = labelOf(scenario.name)
  const { statefulSet, service } = K8S_NAMES
  const endpoints = Object.fromEntries(nodes.map((n, i) => [n, `http://${statefulSet}-${i}.${service}.${namespace}.svc.cluster.local:${AGENT_PORT}`]))
  const common = { 'app.kubernetes.io/name': 'ferry-sim', 'app.kubernetes.io/instance': instance, 'app.kubernetes.io/managed-by': 'ferry-sim-k8s' }
  const ctx: Context = { namespace, image, instance, common, scenario }
  const objects: Record<string, object> = {
    'namespace.yaml': { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: common } },
    'secret.yaml': { apiVersion: 'v1', kind: 'Secret', metadata: meta(ctx, K8S_NAMES.secret), type: 'Opaque', stringData: { token } },
    'configmap.yaml': {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(ctx, K8S_NAMES.config),
      data: {
        'scenario.json': JSON.stringify(scenario, null, 2) + '\n',
        'nodes.json': JSON.stringify(nodes) + '\n',
        // the Job waits up to 10 minutes for every pod to be scheduled, pull the image and answer
        'endpoints.json': JSON.stringify({ tokenFile: `${MOUNTS.secret}/token`, waitMs: 600_000, endpoints }, null, 2) + '\n'
      }
    },
    'service.yaml': serviceOf(ctx),
    'statefulset.yaml': statefulSetOf(ctx, nodes.length),
    'results-pvc.yaml': { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta(ctx, K8S_NAMES.results), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    'job.yaml': jobOf(ctx)
  }
  const files: Record<string, string> = { Containerfile: CONTAINERFILE }
  for (const [file, object] of Object.entries(objects)) files[file] = `# generated by \`ferry sim k8s\` for scenario "${scenario.name}"\n${stringify(object, { lineWidth: 0 })}`
  return { files, nodes, endpoints, namespace }
}

interface Context {
  namespace: string
  image: string
  instance: string
  common: Record<string, string>
  scenario: Scenario
}

function meta (ctx: Context, name: string, component?: string): object {
  return { name, namespace: ctx.namespace, labels: { ...ctx.common, ...(component != null ? { 'app.kubernetes.io/component': component } : {}) } }
}

/** What selects the agent pods (Service and StatefulSet). */
function nodeSelector (ctx: Context): Record<string, string> {
  return { 'app.kubernetes.io/name': 'ferry-sim', 'app.kubernetes.io/instance': ctx.instance, 'app.kubernetes.io/component': 'node' }
}

/** Non-root, no privilege, read-only root file system (data, results and /tmp are volumes). */
const CONTAINER_SECURITY = { privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } }
const POD_SECURITY = { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }

function sharedVolumes (ctx: Context, configItems: string[]): object[] {
  return [
    { name: 'config', configMap: { name: K8S_NAMES.config, items: configItems.map(key => ({ key, path: key })) } },
    // 0440: readable by the group fsGroup gives the container
    { name: 'token', secret: { secretName: K8S_NAMES.secret, defaultMode: 0o440 } },
    { name: 'tmp', emptyDir: {} }
  ]
}

const SHARED_MOUNTS = [
  { name: 'config', mountPath: MOUNTS.config, readOnly: true },
  { name: 'token', mountPath: MOUNTS.secret, readOnly: true },
  { name: 'tmp', mountPath: MOUNTS.tmp }
]

function serviceOf (ctx: Context): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(ctx, K8S_NAMES.service, 'node'),
    spec: {
      // headless: a DNS name per pod, no load balancing (the driver talks to each node)
      clusterIP: 'None',
      selector: nodeSelector(ctx),
      ports: [{ name: 'agent', port: AGENT_PORT, targetPort: 'agent' }, { name: 'p2p', port: P2P_PORT, targetPort: 'p2p' }]
    }
  }
}

function statefulSetOf (ctx: Context, replicas: number): object {
  const agent = {
    name: 'agent',
    image: ctx.image,
    imagePullPolicy: 'IfNotPresent',
    args: ['sim', 'agent', '--names', `${MOUNTS.config}/nodes.json`, '--data-dir', `${MOUNTS.data}/agent`, '--token-file', `${MOUNTS.secret}/token`, '--host', '0.0.0.0', '--port', String(AGENT_PORT), '--listen', `/ip4/0.0.0.0/tcp/${P2P_PORT}`],
    env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
    ports: [{ name: 'agent', containerPort: AGENT_PORT }, { name: 'p2p', containerPort: P2P_PORT }],
    // /healthz needs no token and says only "up"
    readinessProbe: { httpGet: { path: '/healthz', port: 'agent' }, periodSeconds: 5, failureThreshold: 3 },
    // one daemon peaked at ~200 MB RSS in netns runs; the agent and `ferry init` add some
    resources: { requests: { cpu: '250m', memory: '384Mi' }, limits: { memory: '768Mi' } },
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [{ name: 'data', mountPath: MOUNTS.data }, ...SHARED_MOUNTS]
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(ctx, K8S_NAMES.statefulSet, 'node'),
    spec: {
      serviceName: K8S_NAMES.service,
      replicas,
      // all pods at once: the driver waits for every one anyway
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: nodeSelector(ctx) },
      template: {
        metadata: { labels: { ...ctx.common, ...nodeSelector(ctx) } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // the agent stops its daemon with SIGTERM on the way out
          terminationGracePeriodSeconds: 30,
          securityContext: POD_SECURITY,
          containers: [agent],
          volumes: sharedVolumes(ctx, ['nodes.json'])
        }
      },
      volumeClaimTemplates: [{ metadata: { name: 'data', labels: nodeSelector(ctx) }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }]
    }
  }
}

function jobOf (ctx: Context): object {
  const wallS = Math.ceil(ctx.scenario.durationMs / ctx.scenario.timeScale / 1000)
  const driver = {
    name: 'driver',
    image: ctx.image,
    imagePullPolicy: 'IfNotPresent',
    args: ['sim', 'run', `${MOUNTS.config}/scenario.json`, '--remote', `${MOUNTS.config}/endpoints.json`, '--out', `${MOUNTS.results}/${ctx.instance}`],
    resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '2Gi' } },
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [...SHARED_MOUNTS, { name: 'results', mountPath: MOUNTS.results }]
  }
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(ctx, K8S_NAMES.job, 'driver'),
    spec: {
      // a failed checker is an answer, not a reason to run again
      backoffLimit: 0,
      // the scenario's wall time, plus an hour for pods to come up and contacts to be made
      activeDeadlineSeconds: wallS + 3600,
      template: {
        metadata: { labels: { ...ctx.common, 'app.kubernetes.io/component': 'driver' } },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: POD_SECURITY,
          containers: [driver],
          volumes: [...sharedVolumes(ctx, ['scenario.json', 'endpoints.json']), { name: 'results', persistentVolumeClaim: { claimName: K8S_NAMES.results } }]
        }
      }
    }
  }
}

/** Write the bundle's files into `dir` (made if needed); returns their paths. */
export function writeK8s (dir: string, bundle: K8sBundle): string[] {
  mkdirSync(dir, { recursive: true })
  return Object.entries(bundle.files).map(([file, text]) => {
    const path = join(dir, file)
    // the Secret holds the agents' token
    writeFileSync(path, text, { mode: file === 'secret.yaml' ? 0o600 : 0o644 })
    return path
  })
}

/** The commands that build the image and run the bundle written to `dir`. */
export function applyCommands (dir: string, bundle: K8sBundle, image: string = K8S_DEFAULTS.image): string[] {
  const ns = bundle.namespace
  return [
    `docker build -f ${join(dir, 'Containerfile')} -t ${image} .   # from the repository root; push it where the cluster pulls from`,
    `kubectl apply -f ${join(dir, 'namespace.yaml')}`,
    `kubectl apply -f ${dir}`,
    `kubectl -n ${ns} rollout status statefulset/${K8S_NAMES.statefulSet}`,
    `kubectl -n ${ns} wait --for=condition=complete job/${K8S_NAMES.job} --timeout=2h`,
    `kubectl -n ${ns} logs job/${K8S_NAMES.job}`,
    `kubectl delete namespace ${ns}   # also removes the volumes' claims`
  ]
}
