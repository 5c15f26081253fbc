/**
 * The benchmark's clusters as `kubectl get -A -o yaml` / `-o json` prints them: one `kind: List`
 * with Pods carrying full specs, status and managedFields, their Deployments and ReplicaSets,
 * Services, Nodes, Namespaces and the policies of generate.ts. The minimal cluster is the model;
 * this adds what a real dump carries around it, so parsing is measured on realistic text.
 */
import { load } from 'js-yaml';
import { generateYaml, type Shape } from './generate.js';

type Obj = Record<string, unknown>;

export interface Dump {
  yaml: string;
  json: string;
  objects: number;
}

export function generateDump(shape: Shape): Dump {
  const minimal = generateYaml(shape)
    .split('---\n')
    .map((d) => load(d) as Obj);
  const make = dumpItems(shape);
  const items = make.items(minimal);
  for (let i = 0; i < make.nodeCount; i++) items.push(make.node(i));
  return { ...make.list(items), objects: items.length };
}

/**
 * The makers of realistic objects around the minimal ones, sharing one seeded sequence (so a dump made in
 * one piece is the same every run): `items` turns minimal objects (a namespace's, or the whole cluster's)
 * into what `kubectl get` prints for them, with their Deployments, ReplicaSets and Services.
 */
export function dumpItems(shape: Shape): { items(minimal: readonly (Obj | string)[]): Obj[]; node(i: number): Obj; nodeCount: number; list(items: Obj[]): { yaml: string; json: string } } {
  let s = 3;
  const rnd = (n: number): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return (s >>> 12) % n; // the high bits: the low ones of this generator repeat quickly
  };
  const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[rnd(16)]).join('');
  const uid = (): string => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
  const time = (): string => new Date(Date.UTC(2026, 9, 1) + rnd(50 * 86_400_000)).toISOString().replace(/\.\d+Z$/, 'Z');
  const nodeCount = Math.max(3, Math.ceil(shape.pods / 30));
  // nodes in their own range: the generator's pod addresses start at 10.0.0.0, and a pod holding a node's address
  // would meet the agent's node entry, a cluster no VPC CNI makes (EKS and the specification then disagree for no mechanism)
  const nodeAddress = (i: number): string => `10.200.${(i >> 8) & 255}.${i & 255}`;
  const nodeName = (i: number): string => `ip-${nodeAddress(i).replaceAll('.', '-')}.eu-west-1.compute.internal`;
  const meta = (m: Obj, manager: string, fields: Obj): Obj => ({
    ...m,
    creationTimestamp: time(),
    resourceVersion: String(100000 + rnd(9000000)),
    uid: uid(),
    managedFields: [{ apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: fields, manager, operation: 'Update', time: time() }],
  });
  // as kubectl prints a list: `kind: List` around the items
  const list = (items: Obj[]): { yaml: string; json: string } => {
    const l = { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
    return { yaml: toYaml(l), json: JSON.stringify(l, null, 4) + '\n' };
  };
  return { items, node, nodeCount, list };

  function items(minimal: readonly (Obj | string)[]): Obj[] {
    const items: Obj[] = [];
    const apps = new Map<string, { ns: string; app: string; hash: string; port: number; labels: Obj; replicas: number }>();
    for (const text of minimal) {
      const o = typeof text === 'string' ? (load(text) as Obj) : text;
      const m = o.metadata as Obj;
      if (o.kind !== 'Pod') {
        items.push({ ...o, metadata: meta(m, o.kind === 'Namespace' ? 'kubectl-create' : 'kubectl-client-side-apply', { 'f:metadata': { 'f:labels': { '.': {} } }, 'f:spec': {} }) });
        continue;
      }
      const labels = m.labels as Obj;
      const key = `${String(m.namespace)}/${String(labels.app)}`;
      let app = apps.get(key);
      const spec = o.spec as { containers: { ports: { containerPort: number }[] }[] };
      if (!app) {
        app = { ns: String(m.namespace), app: String(labels.app), hash: hex(10), port: spec.containers[0]!.ports[0]!.containerPort, labels, replicas: 0 };
        apps.set(key, app);
      }
      app.replicas++;
      items.push(pod(o, app.hash));
    }
    for (const a of apps.values()) items.push(deployment(a), replicaSet(a), service(a));
    return items;
  }

  function container(name: string, port: number, app: string): Obj {
    return {
      env: [
        { name: 'APP_NAME', value: app },
        { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
        { name: 'LOG_LEVEL', value: 'info' },
      ],
      image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${app}:1.${rnd(40)}.${rnd(10)}`,
      imagePullPolicy: 'IfNotPresent',
      livenessProbe: { failureThreshold: 3, httpGet: { path: '/healthz', port, scheme: 'HTTP' }, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1 },
      name,
      ports: [{ containerPort: port, name: 'http', protocol: 'TCP' }],
      readinessProbe: { failureThreshold: 3, httpGet: { path: '/ready', port, scheme: 'HTTP' }, periodSeconds: 5, successThreshold: 1, timeoutSeconds: 1 },
      resources: { limits: { memory: '512Mi' }, requests: { cpu: '100m', memory: '256Mi' } },
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      volumeMounts: [{ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: 'kube-api-access-' + hex(5), readOnly: true }],
    };
  }

  function podSpec(port: number, app: string): Obj {
    return {
      containers: [container('main', port, app)],
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: { fsGroup: 1000 },
      serviceAccount: 'default',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
      tolerations: [
        { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
        { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
      ],
      volumes: [
        {
          name: 'kube-api-access-' + hex(5),
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: 'kube-root-ca.crt' } },
              { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
            ],
          },
        },
      ],
    };
  }

  function podFields(): Obj {
    return {
      'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {}, 'f:tier': {} }, 'f:ownerReferences': { '.': {}, ['k:{"uid":"' + uid() + '"}']: {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"main"}': {
            '.': {},
            'f:env': { '.': {}, 'k:{"name":"APP_NAME"}': { '.': {}, 'f:name': {}, 'f:value': {} }, 'k:{"name":"LOG_LEVEL"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
            'f:image': {},
            'f:imagePullPolicy': {},
            'f:livenessProbe': { '.': {}, 'f:failureThreshold': {}, 'f:httpGet': { '.': {}, 'f:path': {}, 'f:port': {}, 'f:scheme': {} } },
            'f:name': {},
            'f:ports': { '.': {}, 'k:{"containerPort":8080,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:name': {}, 'f:protocol': {} } },
            'f:resources': { '.': {}, 'f:limits': { '.': {}, 'f:memory': {} }, 'f:requests': { '.': {}, 'f:cpu': {}, 'f:memory': {} } },
          },
        },
        'f:dnsPolicy': {},
        'f:enableServiceLinks': {},
        'f:restartPolicy': {},
        'f:schedulerName': {},
        'f:securityContext': { '.': {}, 'f:fsGroup': {} },
        'f:terminationGracePeriodSeconds': {},
      },
    };
  }

  function pod(o: Obj, hash: string): Obj {
    const m = o.metadata as Obj;
    const labels: Obj = { ...(m.labels as Obj), 'pod-template-hash': hash };
    const app = String(labels.app);
    const spec = o.spec as { containers: { ports: { containerPort: number }[] }[] };
    const port = spec.containers[0]!.ports[0]!.containerPort;
    const status = o.status as Obj;
    const node = rnd(nodeCount);
    const hostIP = nodeAddress(node);
    const started = time();
    const metadata = meta({ generateName: `${app}-${hash}-`, labels, name: m.name, namespace: m.namespace, ownerReferences: [{ apiVersion: 'apps/v1', blockOwnerDeletion: true, controller: true, kind: 'ReplicaSet', name: `${app}-${hash}`, uid: uid() }] }, 'kube-controller-manager', podFields());
    (metadata.managedFields as Obj[]).push({
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:lastProbeTime': {}, 'f:lastTransitionTime': {}, 'f:status': {}, 'f:type': {} } }, 'f:containerStatuses': {}, 'f:hostIP': {}, 'f:phase': {}, 'f:podIP': {}, 'f:podIPs': { '.': {}, ['k:{"ip":"' + String(status.podIP) + '"}']: { '.': {}, 'f:ip': {} } }, 'f:startTime': {} } },
      manager: 'kubelet',
      operation: 'Update',
      subresource: 'status',
      time: started,
    });
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata,
      spec: { ...podSpec(port, app), nodeName: nodeName(node) },
      status: {
        conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ lastProbeTime: null, lastTransitionTime: started, status: 'True', type })),
        containerStatuses: [
          {
            containerID: `containerd://${hex(64)}`,
            image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${app}:1.0.0`,
            imageID: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${app}@sha256:${hex(64)}`,
            lastState: {},
            name: 'main',
            ready: true,
            restartCount: rnd(3),
            started: true,
            state: { running: { startedAt: started } },
          },
        ],
        hostIP,
        hostIPs: [{ ip: hostIP }],
        phase: 'Running',
        podIP: status.podIP,
        podIPs: [{ ip: status.podIP }],
        qosClass: 'Burstable',
        startTime: started,
      },
    };
  }

  function template(a: { app: string; port: number; labels: Obj }): Obj {
    return { metadata: { creationTimestamp: null, labels: { ...a.labels } }, spec: podSpec(a.port, a.app) };
  }

  function deployment(a: { ns: string; app: string; port: number; labels: Obj; replicas: number }): Obj {
    const lastApplied = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { annotations: {}, name: a.app, namespace: a.ns }, spec: { replicas: a.replicas, selector: { matchLabels: { app: a.app } } } }) + '\n';
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta({ annotations: { 'deployment.kubernetes.io/revision': '3', 'kubectl.kubernetes.io/last-applied-configuration': lastApplied }, generation: 3, labels: { app: a.app }, name: a.app, namespace: a.ns }, 'kubectl-client-side-apply', { 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': {} } } } }),
      spec: { progressDeadlineSeconds: 600, replicas: a.replicas, revisionHistoryLimit: 10, selector: { matchLabels: { app: a.app } }, strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' }, template: template(a) },
      status: { availableReplicas: a.replicas, observedGeneration: 3, readyReplicas: a.replicas, replicas: a.replicas, updatedReplicas: a.replicas },
    };
  }

  function replicaSet(a: { ns: string; app: string; hash: string; port: number; labels: Obj; replicas: number }): Obj {
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: meta({ annotations: { 'deployment.kubernetes.io/desired-replicas': String(a.replicas), 'deployment.kubernetes.io/max-replicas': String(a.replicas + 2), 'deployment.kubernetes.io/revision': '3' }, generation: 1, labels: { app: a.app, 'pod-template-hash': a.hash }, name: `${a.app}-${a.hash}`, namespace: a.ns, ownerReferences: [{ apiVersion: 'apps/v1', blockOwnerDeletion: true, controller: true, kind: 'Deployment', name: a.app, uid: uid() }] }, 'kube-controller-manager', { 'f:spec': { 'f:replicas': {} } }),
      spec: { replicas: a.replicas, selector: { matchLabels: { app: a.app, 'pod-template-hash': a.hash } }, template: template({ ...a, labels: { ...a.labels, 'pod-template-hash': a.hash } }) },
      status: { availableReplicas: a.replicas, fullyLabeledReplicas: a.replicas, observedGeneration: 1, readyReplicas: a.replicas, replicas: a.replicas },
    };
  }

  function service(a: { ns: string; app: string; port: number }): Obj {
    const ip = `172.20.${rnd(256)}.${rnd(256)}`;
    return {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta({ labels: { app: a.app }, name: a.app, namespace: a.ns }, 'kubectl-client-side-apply', { 'f:spec': { 'f:ports': {}, 'f:selector': {} } }),
      spec: { clusterIP: ip, clusterIPs: [ip], internalTrafficPolicy: 'Cluster', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }], selector: { app: a.app }, sessionAffinity: 'None', type: 'ClusterIP' },
      status: { loadBalancer: {} },
    };
  }

  function node(i: number): Obj {
    const ip = nodeAddress(i);
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: meta({ annotations: { 'alpha.kubernetes.io/provided-node-ip': ip, 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' }, labels: { 'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/instance-type': 'm6i.xlarge', 'beta.kubernetes.io/os': 'linux', 'eks.amazonaws.com/nodegroup': 'main', 'kubernetes.io/hostname': nodeName(i), 'topology.kubernetes.io/region': 'eu-west-1', 'topology.kubernetes.io/zone': `eu-west-1${'abc'[i % 3]}` }, name: nodeName(i) }, 'kubelet', { 'f:status': { 'f:images': {} } }),
      spec: { providerID: `aws:///eu-west-1a/i-${hex(17)}` },
      status: {
        addresses: [{ address: ip, type: 'InternalIP' }, { address: nodeName(i), type: 'InternalDNS' }, { address: nodeName(i), type: 'Hostname' }],
        allocatable: { cpu: '3920m', 'ephemeral-storage': '95551679124', memory: '15269768Ki', pods: '58' },
        capacity: { cpu: '4', 'ephemeral-storage': '104845292Ki', memory: '15919496Ki', pods: '58' },
        conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((type) => ({ lastHeartbeatTime: time(), lastTransitionTime: time(), message: `kubelet has no ${type}`, reason: `KubeletHasNo${type}`, status: type === 'Ready' ? 'True' : 'False', type })),
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        images: Array.from({ length: 12 }, () => ({ names: [`123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:${hex(64)}`], sizeBytes: 10_000_000 + rnd(90_000_000) })),
        nodeInfo: { architecture: 'amd64', bootID: uid(), containerRuntimeVersion: 'containerd://1.7.27', kernelVersion: '6.1.140-154.222.amzn2023.x86_64', kubeProxyVersion: 'v1.33.0-eks-802817d', kubeletVersion: 'v1.33.0-eks-802817d', machineID: hex(32), operatingSystem: 'linux', osImage: 'Amazon Linux 2023.7.20250609', systemUUID: uid() },
      },
    };
  }
}

/** YAML as kubectl prints it (go-yaml through sigs.k8s.io/yaml): sorted keys, sequences not indented. */
export function toYaml(value: unknown): string {
  const out: string[] = [];
  emit(value, '', out, false);
  return out.join('');
}

function emit(value: unknown, indent: string, out: string[], inSeq: boolean): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      const lead = i === 0 && inSeq ? '' : indent;
      if (isCollection(v)) {
        out.push(`${lead}- `);
        emit(v, indent + '  ', out, true);
      } else out.push(`${lead}- ${scalar(v, indent + '  ')}\n`);
    });
    return;
  }
  const entries = Object.entries(value as Obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  entries.forEach(([k, v], i) => {
    const lead = i === 0 && inSeq ? '' : indent;
    const key = scalar(k, indent);
    if (Array.isArray(v) && v.length) {
      out.push(`${lead}${key}:\n`);
      emit(v, indent, out, false);
    } else if (isCollection(v)) {
      out.push(`${lead}${key}:\n`);
      emit(v, indent + '  ', out, false);
    } else out.push(`${lead}${key}: ${scalar(v, indent + '  ')}\n`);
  });
}

function isCollection(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);
}

const NOT_PLAIN = /^$|^[\s\-?:,[\]{}#&*!|>'"%@`]|[\s]$|: | #|[\n\t\x00-\x1f]|^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$|^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$|^0[xo]|^[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$/;

function scalar(v: unknown, indent: string): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object') return '{}';
  if (typeof v !== 'string') return String(v);
  if (v.endsWith('\n') && !v.slice(0, -1).includes('\n')) return `|\n${indent}${v.slice(0, -1)}`; // a one-line text with its newline, as last-applied-configuration
  if (!NOT_PLAIN.test(v)) return v;
  if (!/[\n\\'\x00-\x1f]/.test(v)) return `'${v}'`;
  return JSON.stringify(v);
}
