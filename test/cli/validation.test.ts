// Validation as the API server does it (docs/semantics.md, "Validation"): what the API server and the
// CRDs accept is read, with the meaning the enforcing system gives it; what they reject is an error
// naming file, line and object; inputs podwall cannot use are warnings, never silent and never fatal.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { podwall } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'podwall-validation-'));
let counter = 0;

function write(name: string, text: string): string {
  const file = join(dir, `${++counter}-${name.replace(/\W+/g, '-')}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** Two namespaces with one pod each, the cluster every accepted case is judged on. */
const PODS = `apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec: {containers: [{name: c, image: i, ports: [{containerPort: 8080, name: http}]}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: y, labels: {app: b}}
spec: {containers: [{name: c, image: i, ports: [{containerPort: 8080, name: http}, {containerPort: 53, protocol: UDP, name: dns}]}]}
status: {podIP: 10.0.0.2}
---
`;

const EKS_CNP = (spec: string): string => `apiVersion: networking.k8s.aws/v1alpha1
kind: ClusterNetworkPolicy
metadata: {name: p}
spec:
  tier: Admin
  priority: 1
${spec}`;

const ANP_AWS = (spec: string): string => `apiVersion: networking.k8s.aws/v1alpha1
kind: ApplicationNetworkPolicy
metadata: {name: p, namespace: x}
spec:
${spec}`;

const UPSTREAM_ANP = (spec: string): string => `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: p}
spec:
  priority: 1
  subject: {namespaces: {}}
${spec}`;

const UPSTREAM_CNP = (spec: string): string => `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: p}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {}}
${spec}`;

const NP = (spec: string, meta = '{name: np, namespace: x}'): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: ${meta}
spec:
${spec}`;

interface Rejected {
  name: string;
  yaml: string;
  line: number;
  object: string;
  message: RegExp;
}

// Each of these the API server (or the CRD's schema and CEL rules) rejects.
const rejected: Rejected[] = [
  {
    name: 'EKS ClusterNetworkPolicy: ports: [] (minItems 1)',
    yaml: EKS_CNP('  subject: {namespaces: {}}\n  ingress:\n    - action: Deny\n      from: [{namespaces: {}}]\n      ports: []\n'),
    line: 11,
    object: 'ClusterNetworkPolicy p',
    message: /spec\.ingress\[0\]\.ports: Invalid value: 0: should have at least 1 items/,
  },
  {
    name: 'EKS ClusterNetworkPolicy: pods without namespaceSelector',
    yaml: EKS_CNP('  subject: {namespaces: {}}\n  ingress:\n    - action: Deny\n      from:\n        - pods: {podSelector: {}}\n'),
    line: 11,
    object: 'ClusterNetworkPolicy p',
    message: /spec\.ingress\[0\]\.from\[0\]\.pods\.namespaceSelector: Required value/,
  },
  {
    name: 'EKS ClusterNetworkPolicy: subject pods without podSelector',
    yaml: EKS_CNP('  subject:\n    pods: {namespaceSelector: {}}\n'),
    line: 8,
    object: 'ClusterNetworkPolicy p',
    message: /spec\.subject\.pods\.podSelector: Required value/,
  },
  {
    name: 'ApplicationNetworkPolicy without podSelector',
    yaml: ANP_AWS('  policyTypes: [Egress]\n  egress:\n    - to: [{domainNames: [example.com]}]\n'),
    line: 5,
    object: 'ApplicationNetworkPolicy x/p',
    message: /spec\.podSelector: Required value/,
  },
  {
    name: 'EKS ClusterNetworkPolicy: 26 domain names in one peer (maxItems 25)',
    yaml: EKS_CNP(`  subject: {namespaces: {}}\n  egress:\n    - action: Accept\n      to:\n        - domainNames: [${Array.from({ length: 26 }, (_, i) => `d${i}.example.com`).join(', ')}]\n`),
    line: 11,
    object: 'ClusterNetworkPolicy p',
    message: /domainNames: Too many: 26: must have at most 25 items/,
  },
  {
    name: 'ApplicationNetworkPolicy: ipBlock and domainNames in one peer (CEL)',
    yaml: ANP_AWS('  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - ipBlock: {cidr: 10.0.0.0/8}\n          domainNames: [example.com]\n'),
    line: 9,
    object: 'ApplicationNetworkPolicy x/p',
    message: /ipBlock and domainNames are mutually exclusive/,
  },
  {
    name: 'domain name *.com (the CRD pattern needs two labels after the wildcard)',
    yaml: EKS_CNP('  subject: {namespaces: {}}\n  egress:\n    - action: Accept\n      to: [{domainNames: ["*.com"]}]\n'),
    line: 10,
    object: 'ClusterNetworkPolicy p',
    message: /invalid domain name "\*\.com"/,
  },
  {
    name: 'upstream ClusterNetworkPolicy: 26 rules (maxItems 25)',
    yaml: UPSTREAM_CNP(`  ingress:\n${'    - {action: Deny, from: [{namespaces: {}}]}\n'.repeat(26)}`),
    line: 8,
    object: 'ClusterNetworkPolicy p',
    message: /spec\.ingress: Too many: 26: must have at most 25 items/,
  },
  {
    name: 'upstream ClusterNetworkPolicy: 26 peers (maxItems 25)',
    yaml: UPSTREAM_CNP(`  ingress:\n    - action: Deny\n      from:\n${'        - namespaces: {}\n'.repeat(26)}`),
    line: 10,
    object: 'ClusterNetworkPolicy p',
    message: /spec\.ingress\[0\]\.from: Too many: 26: must have at most 25 items/,
  },
  {
    name: 'upstream ClusterNetworkPolicy: tcp: {} (minProperties 1)',
    yaml: UPSTREAM_CNP('  ingress:\n    - action: Deny\n      from: [{namespaces: {}}]\n      protocols:\n        - tcp: {}\n'),
    line: 12,
    object: 'ClusterNetworkPolicy p',
    message: /protocols\[0\]\.tcp: Invalid value: 0: should have at least 1 properties/,
  },
  {
    name: 'upstream ClusterNetworkPolicy: destinationNamedPort with networks (CEL)',
    yaml: UPSTREAM_CNP('  egress:\n    - action: Deny\n      to: [{networks: [10.0.0.0/8]}]\n      protocols: [{destinationNamedPort: http}]\n'),
    line: 9,
    object: 'ClusterNetworkPolicy p',
    message: /networks\/nodes\/domainNames peer cannot be set with namedPorts/,
  },
  {
    name: 'upstream AdminNetworkPolicy: a port item with two forms (maxProperties 1)',
    yaml: UPSTREAM_ANP('  ingress:\n    - action: Deny\n      from: [{namespaces: {}}]\n      ports:\n        - portNumber: {port: 80}\n          namedPort: http\n'),
    line: 11,
    object: 'AdminNetworkPolicy p',
    message: /needs exactly one of portNumber, portRange, namedPort \(found portNumber and namedPort\)/,
  },
  {
    name: 'upstream AdminNetworkPolicy: a bare IP in networks (CEL isCIDR)',
    yaml: UPSTREAM_ANP('  egress:\n    - action: Deny\n      to: [{networks: [203.0.113.5]}]\n'),
    line: 9,
    object: 'AdminNetworkPolicy p',
    message: /invalid CIDR "203\.0\.113\.5": missing \/prefix-length/,
  },
  {
    name: 'NetworkPolicy: invalid label key in podSelector',
    yaml: NP('  podSelector:\n    matchLabels: {"app!": web}\n'),
    line: 6,
    object: 'NetworkPolicy x/np',
    message: /spec\.podSelector\.matchLabels: Invalid value: "app!": name part must consist of alphanumeric characters/,
  },
  {
    name: 'NetworkPolicy: label value too long in a peer',
    yaml: NP(`  podSelector: {}\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels: {app: ${'v'.repeat(64)}}\n`),
    line: 9,
    object: 'NetworkPolicy x/np',
    message: /matchLabels\.app: Invalid value: "v{64}": must be no more than 63 bytes/,
  },
  {
    name: 'NetworkPolicy: invalid matchExpressions key',
    yaml: NP('  podSelector:\n    matchExpressions:\n      - {key: "-app", operator: Exists}\n'),
    line: 7,
    object: 'NetworkPolicy x/np',
    message: /matchExpressions\[0\]\.key: Invalid value: "-app"/,
  },
  {
    name: 'NetworkPolicy: metadata.name not a DNS subdomain',
    yaml: NP('  podSelector: {}\n', '{name: My_Policy, namespace: x}'),
    line: 3,
    object: 'NetworkPolicy',
    message: /metadata\.name: Invalid value: "My_Policy": a lowercase RFC 1123 subdomain/,
  },
  {
    name: 'NetworkPolicy: namespace not a DNS label',
    yaml: NP('  podSelector: {}\n', '{name: np, namespace: team.a}'),
    line: 3,
    object: 'NetworkPolicy',
    message: /metadata\.namespace: Invalid value: "team\.a": must not contain dots/,
  },
  {
    name: 'NetworkPolicy: a CIDR with a space',
    yaml: NP('  podSelector: {}\n  egress:\n    - to:\n        - ipBlock: {cidr: "10.0.0.0/8 "}\n'),
    line: 8,
    object: 'NetworkPolicy x/np',
    message: /invalid CIDR "10\.0\.0\.0\/8 ": must not contain spaces/,
  },
  {
    name: 'NetworkPolicy: three policyTypes',
    yaml: NP('  podSelector: {}\n  policyTypes: [Ingress, Egress, Ingress]\n'),
    line: 6,
    object: 'NetworkPolicy x/np',
    message: /spec\.policyTypes: Invalid value: \["Ingress","Egress","Ingress"\]: may not specify more than two policyTypes/,
  },
  {
    name: 'NetworkPolicy: an unknown policy type',
    yaml: NP('  podSelector: {}\n  policyTypes: [ingress]\n'),
    line: 6,
    object: 'NetworkPolicy x/np',
    message: /spec\.policyTypes\[0\]: Unsupported value: "ingress": supported values: "Ingress", "Egress"/,
  },
  {
    name: 'NetworkPolicy: a lower-case protocol',
    yaml: NP('  podSelector: {}\n  ingress:\n    - ports: [{port: 80, protocol: tcp}]\n'),
    line: 7,
    object: 'NetworkPolicy x/np',
    message: /protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"/,
  },
  {
    name: 'NetworkPolicy: endPort without port',
    yaml: NP('  podSelector: {}\n  ingress:\n    - ports:\n        - {endPort: 90}\n'),
    line: 8,
    object: 'NetworkPolicy x/np',
    message: /endPort: Invalid value: 90: may not be specified when `port` is not specified/,
  },
  {
    name: 'NetworkPolicy: an empty peer',
    yaml: NP('  podSelector: {}\n  ingress:\n    - from: [{}]\n'),
    line: 7,
    object: 'NetworkPolicy x/np',
    message: /from\[0\]: Required value: must specify a peer/,
  },
  {
    name: 'Pod: invalid label key',
    yaml: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: x\n  labels: {"a/b/c": x}\nspec: {containers: [{name: c, image: i}]}\n',
    line: 6,
    object: 'Pod x/a',
    message: /metadata\.labels: Invalid value: "a\/b\/c": a valid label key must consist of/,
  },
  {
    name: 'Service: name not a DNS-1035 label',
    yaml: 'apiVersion: v1\nkind: Service\nmetadata: {name: 1api, namespace: x}\nspec: {selector: {app: a}}\n',
    line: 3,
    object: 'Service',
    message: /metadata\.name: Invalid value: "1api": a DNS-1035 label/,
  },
];

describe('rejected as the API server rejects it: exit 2, file, line and object', () => {
  for (const c of rejected) {
    it(c.name, () => {
      const file = write(c.name, c.yaml);
      const r = podwall(['audit', '-f', file]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.ok(r.stderr.includes(`${file}:${c.line}: ${c.object}`), `names ${file}:${c.line}: ${c.object}: ${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }
});

interface Accepted {
  name: string;
  yaml: string;
  assertions: string;
  /** A warning the case must print, at file:line. */
  warning?: { line: number; message: RegExp };
}

// Each of these the API server accepts; the assertions pin the meaning the enforcing system gives it.
const accepted: Accepted[] = [
  {
    name: 'EKS ClusterNetworkPolicy: a port item with two forms opens both',
    yaml: EKS_CNP('  subject: {namespaces: {}}\n  ingress:\n    - action: Deny\n      from: [{namespaces: {}}]\n      ports:\n        - portNumber: {port: 9090, protocol: TCP}\n          namedPort: http\n'),
    assertions: `
  - {from: x/a, to: y/b, port: 8080, expect: deny}
  - {from: x/a, to: y/b, port: 9090, expect: deny}
  - {from: x/a, to: y/b, port: 9091, expect: allow}`,
  },
  {
    name: 'EKS ClusterNetworkPolicy: protocol udp is enforced as TCP by the agent',
    yaml: EKS_CNP('  subject: {namespaces: {}}\n  ingress:\n    - action: Deny\n      from: [{namespaces: {}}]\n      ports:\n        - portNumber: {port: 53, protocol: udp}\n'),
    assertions: `
  - {from: x/a, to: y/b, port: 53, protocol: TCP, expect: deny}
  - {from: x/a, to: y/b, port: 53, protocol: UDP, expect: allow}`,
    warning: { line: 12, message: /protocol "udp" is not exactly TCP, UDP or SCTP: the EKS agent enforces it as TCP/ },
  },
  {
    name: 'EKS ClusterNetworkPolicy: a bare IP in networks is that one host',
    yaml: EKS_CNP('  subject: {namespaces: {}}\n  egress:\n    - action: Deny\n      to: [{networks: [203.0.113.5]}]\n'),
    assertions: `
  - {from: x/a, to: 203.0.113.5, port: 443, expect: deny}
  - {from: x/a, to: 203.0.113.6, port: 443, expect: allow}`,
  },
  {
    name: 'ApplicationNetworkPolicy: 30 domain names (the CRD sets no maximum)',
    yaml: ANP_AWS(`  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - domainNames: [${Array.from({ length: 30 }, (_, i) => `d${i}.example.com`).join(', ')}]\n`),
    assertions: `
  - {from: x/a, to: d29.example.com, port: 443, expect: allow}
  - {from: x/a, to: other.example.com, port: 443, expect: deny}`,
  },
  {
    name: 'domain names with _, numeric and long labels (the CRD pattern)',
    yaml: ANP_AWS(`  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to: [{domainNames: [_sip._tcp.example.com, 123.example.com, ${'l'.repeat(70)}.example.com]}]\n`),
    assertions: `
  - {from: x/a, to: 123.example.com, port: 443, expect: allow}
  - {from: x/a, to: 10.9.9.9, port: 443, expect: deny}`,
  },
  {
    name: 'ApplicationNetworkPolicy: ipBlock with podSelector is the ipBlock (EKS controller)',
    yaml: ANP_AWS('  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - ipBlock: {cidr: 203.0.113.0/24}\n          podSelector: {}\n'),
    assertions: `
  - {from: x/a, to: 203.0.113.9, port: 443, expect: allow}
  - {from: x/a, to: y/b, port: 8080, expect: deny}`,
    warning: { line: 9, message: /ipBlock with podSelector or namespaceSelector: the EKS controller uses the ipBlock/ },
  },
  {
    name: 'ApplicationNetworkPolicy: an empty peer is every pod of its namespace (EKS controller)',
    yaml: `${ANP_AWS('  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n    - from: [{}]\n')}
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: x, labels: {app: c}}
spec: {containers: [{name: c, image: i, ports: [{containerPort: 8080, name: http}]}]}
`,
    assertions: `
  - {from: x/c, to: x/a, port: 8080, expect: allow}
  - {from: y/b, to: x/a, port: 8080, expect: deny}`,
    warning: { line: 8, message: /an empty peer: the EKS controller reads it as every pod of namespace x/ },
  },
  {
    name: 'ApplicationNetworkPolicy: endPort without port is every port of the protocol',
    yaml: ANP_AWS('  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to: [{ipBlock: {cidr: 0.0.0.0/0}}]\n      ports: [{protocol: UDP, endPort: 90}]\n'),
    assertions: `
  - {from: x/a, to: 203.0.113.9, port: 5000, protocol: UDP, expect: allow}
  - {from: x/a, to: 203.0.113.9, port: 80, protocol: TCP, expect: deny}`,
    warning: { line: 9, message: /endPort without port: the EKS controller drops endPort/ },
  },
  {
    name: 'ApplicationNetworkPolicy: protocol tcp matches the port on every protocol (EKS agent)',
    yaml: ANP_AWS('  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to: [{ipBlock: {cidr: 0.0.0.0/0}}]\n      ports: [{port: 5000, protocol: tcp}]\n'),
    assertions: `
  - {from: x/a, to: 203.0.113.9, port: 5000, protocol: UDP, expect: allow}
  - {from: x/a, to: 203.0.113.9, port: 5000, protocol: TCP, expect: allow}
  - {from: x/a, to: 203.0.113.9, port: 5001, protocol: TCP, expect: deny}`,
    warning: { line: 9, message: /protocol "tcp" is not exactly TCP, UDP or SCTP: the EKS agent matches the port on every protocol/ },
  },
  {
    name: 'upstream AdminNetworkPolicy: protocol udp is read as UDP',
    yaml: UPSTREAM_ANP('  ingress:\n    - action: Deny\n      from: [{namespaces: {}}]\n      ports:\n        - portNumber: {port: 53, protocol: udp}\n'),
    assertions: `
  - {from: x/a, to: y/b, port: 53, protocol: UDP, expect: deny}
  - {from: x/a, to: y/b, port: 53, protocol: TCP, expect: allow}`,
    warning: { line: 11, message: /protocol "udp" read as UDP/ },
  },
  {
    name: 'upstream AdminNetworkPolicy v1alpha1: domainNames (experimental channel)',
    yaml: UPSTREAM_ANP('  egress:\n    - action: Allow\n      to: [{domainNames: ["*.example.com"]}]\n    - action: Deny\n      to: [{networks: [0.0.0.0/0]}]\n'),
    assertions: `
  - {from: x/a, to: api.example.com, port: 443, expect: allow}
  - {from: x/a, to: 203.0.113.9, port: 443, expect: deny}`,
  },
  {
    name: 'NETWORK_POLICY_ENFORCING_MODE Strict (the agent lower-cases it)',
    yaml: `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: aws-node, namespace: kube-system}
spec:
  template:
    metadata: {labels: {k8s-app: aws-node}}
    spec:
      hostNetwork: true
      containers: [{name: aws-node, image: i, env: [{name: NETWORK_POLICY_ENFORCING_MODE, value: Strict}]}]
`,
    assertions: `
  - {from: x/a, to: y/b, port: 8080, expect: deny}`,
  },
  {
    name: 'NetworkPolicy: policyTypes: [] is defaulted as if absent (isolates ingress)',
    yaml: NP('  podSelector: {}\n  policyTypes: []\n', '{name: np, namespace: y}'),
    assertions: `
  - {from: x/a, to: y/b, port: 8080, expect: deny}
  - {from: y/b, to: x/a, port: 8080, expect: allow}`,
  },
  {
    name: 'items of a typed list (PodList) take the list kind and apiVersion',
    yaml: `apiVersion: v1
kind: PodList
items:
  - metadata: {name: d, namespace: x, labels: {app: d}}
    spec: {containers: [{name: c, image: i, ports: [{containerPort: 8080, name: http}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicyList
items:
  - metadata: {name: np, namespace: x}
    spec: {podSelector: {matchLabels: {app: d}}}
`,
    assertions: `
  - {from: y/b, to: x/d, port: 8080, expect: deny}
  - {from: y/b, to: x/a, port: 8080, expect: allow}`,
  },
  {
    name: 'a kind podwall does not use, with metadata it could not read, never fails the run',
    yaml: `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [a.yaml]
---
apiVersion: example.com/v1
kind: Widget
metadata: {labels: {version: 2}, namespace: [not, a, string]}
`,
    assertions: `
  - {from: x/a, to: y/b, port: 8080, expect: allow}`,
  },
];

// The meaning asserted is the specification's (`--dataplane kubernetes`): what the EKS data plane makes
// of the same objects (upstream kinds not reconciled, CNP named ports) is pinned in test/cli/eks-*.test.ts.
describe('accepted as the API server accepts it, with the enforcing system\'s meaning', () => {
  for (const c of accepted) {
    it(c.name, () => {
      const manifests = write(c.name, PODS + c.yaml);
      const tests = write(`${c.name}.test`, `assertions:${c.assertions}\n`);
      const r = podwall(['test', tests, '-f', manifests, '--dataplane', 'kubernetes']);
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /error:/);
      if (c.warning) {
        const line = PODS.split('\n').length - 1 + c.warning.line;
        assert.ok(r.stderr.includes(`${manifests}:${line}: `), `warning at ${manifests}:${line}: ${r.stderr}`);
        assert.match(r.stderr, c.warning.message);
      }
    });
  }
});

describe('inputs podwall cannot use are named, never dropped without a word', () => {
  const warned: { name: string; yaml: string; line: number; message: RegExp }[] = [
    {
      name: 'a NetworkPolicy under a misspelt apiVersion',
      yaml: NP('  podSelector: {}\n').replace('networking.k8s.io/v1', 'networking.k8s.i/v1'),
      line: 1,
      message: /NetworkPolicy x\/np: warning: NetworkPolicy under unknown apiVersion "networking\.k8s\.i\/v1" \(expected networking\.k8s\.io\/v1\): skipped/,
    },
    {
      name: 'a Pod under apps/v1',
      yaml: 'apiVersion: apps/v1\nkind: Pod\nmetadata: {name: z, namespace: x}\nspec: {containers: [{name: c, image: i}]}\n',
      line: 1,
      message: /Pod x\/z: warning: Pod under unknown apiVersion "apps\/v1" \(expected v1\)/,
    },
    {
      name: 'a lower-case kind',
      yaml: NP('  podSelector: {}\n').replace('kind: NetworkPolicy', 'kind: networkpolicy'),
      line: 1,
      message: /networkpolicy x\/np: warning: unknown kind "networkpolicy"; did you mean NetworkPolicy\?/,
    },
    {
      name: 'a near-miss kind',
      yaml: NP('  podSelector: {}\n').replace('kind: NetworkPolicy', 'kind: NetworkPolicys'),
      line: 1,
      message: /unknown kind "NetworkPolicys"; did you mean NetworkPolicy\?/,
    },
  ];
  for (const c of warned) {
    it(c.name, () => {
      const manifests = write(c.name, PODS + c.yaml);
      const r = podwall(['explain', '--from', 'y/b', '--to', 'x/a', '--port', '8080', '-f', manifests]);
      assert.equal(r.code, 0, r.stderr);
      const line = PODS.split('\n').length - 1 + c.line;
      assert.ok(r.stderr.includes(`${manifests}:${line}: `), `names ${manifests}:${line}: ${r.stderr}`);
      assert.match(r.stderr, c.message);
      assert.match(r.stdout, /^ALLOW/, 'the skipped policy is not in the model');
    });
  }

  it('a retired apiVersion of the same shape is read, with a warning', () => {
    const manifests = write('retired', PODS + NP('  podSelector: {}\n').replace('networking.k8s.io/v1', 'extensions/v1beta1'));
    const r = podwall(['explain', '--from', 'y/b', '--to', 'x/a', '--port', '8080', '-f', manifests]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.includes(`${manifests}:13: NetworkPolicy x/np: warning: apiVersion extensions/v1beta1 is no longer served for NetworkPolicy`), r.stderr);
    assert.match(r.stdout, /^DENY/, 'the policy is in the model');
  });

  it('a misspelt workload kind is named', () => {
    const manifests = write('typo-kind', `${PODS}apiVersion: apps/v1
kind: Deploymnet
metadata: {name: web, namespace: x}
spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: i}]}}}
`);
    const r = podwall(['matrix', '-f', manifests]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.includes(`${manifests}:13: Deploymnet x/web: warning: unknown kind "Deploymnet"; did you mean Deployment?`), r.stderr);
  });

  it('cluster-scoped objects of kinds podwall does not use make no namespace', () => {
    const manifests = write('cluster-scoped', `${PODS}apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: []
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec: {}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
`);
    const r = podwall(['audit', '-f', manifests, '-o', 'json']);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    assert.doesNotMatch(r.stdout, /"default"|default\//, 'no phantom default namespace');
    assert.match(r.stdout, /"x"|x\//, 'the real namespaces are audited');
  });
});
