/**
 * Generated clusters for the benchmark, shaped like real ones: apps of ~6 replicas per namespace
 * (half as Deployments whose replicas the model runs, half as Pods with addresses; `pods` counts both),
 * a quarter of the NetworkPolicies empty (default-deny), the median policy one rule, one peer, one
 * port, a few peers that match thousands of pods, and Admin/Baseline ClusterNetworkPolicies.
 */
export interface Shape {
  workload: 'typical' | 'large' | 'extreme';
  namespaces: number;
  pods: number;
  policies: number;
  clusterPolicies: number;
}

export const SHAPES: Record<Shape['workload'], Shape> = {
  typical: { workload: 'typical', namespaces: 100, pods: 2500, policies: 350, clusterPolicies: 20 },
  large: { workload: 'large', namespaces: 604, pods: 5413, policies: 13678, clusterPolicies: 200 },
  extreme: { workload: 'extreme', namespaces: 10000, pods: 150000, policies: 75000, clusterPolicies: 200 },
};

const PORTS = [8080, 443, 5432, 9090];

export function generateYaml(shape: Shape, seed = 1): string {
  let s = seed;
  const rnd = (n: number): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
  const out: string[] = [];
  const apps = Math.max(1, Math.ceil(shape.pods / shape.namespaces / 6)); // apps per namespace, ~6 replicas each
  for (let n = 0; n < shape.namespaces; n++) {
    out.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns${n}\n  labels:\n    team: team${n % 50}\n    env: ${n % 3 === 0 ? 'prod' : 'dev'}\n`);
  }
  const perNamespace = Math.ceil(shape.pods / shape.namespaces);
  for (let pod = 0; pod < shape.pods; pod++) {
    const n = Math.floor(pod / perNamespace);
    const j = pod % perNamespace;
    const a = Math.floor(j / 6);
    const r = j % 6;
    const port = PORTS[a % PORTS.length];
    const labels = `    app: app${a}\n    tier: ${a % 2 ? 'backend' : 'web'}\n    monitored: "true"\n`;
    const container = `containers:\n    - name: main\n      image: example/app\n      ports:\n        - containerPort: ${port}\n          name: http\n`;
    if ((n + a) % 2 === 0) {
      // half the apps as Helm renders them: a Deployment whose replicas are the pods (no IPs)
      if (r !== 0) continue;
      const replicas = Math.min(6, perNamespace - j, shape.pods - pod);
      out.push(
        `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app${a}\n  namespace: ns${n}\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels:\n      app: app${a}\n  template:\n    metadata:\n      labels:\n${labels.replace(/^ {4}/gm, '        ')}    spec:\n      ${container.replace(/\n(?=.)/g, '\n    ')}`,
      );
      continue;
    }
    // the other half as a live cluster lists them: Pods with their addresses
    const ip = `10.${(pod >> 16) & 255}.${(pod >> 8) & 255}.${pod & 255}`;
    out.push(`apiVersion: v1\nkind: Pod\nmetadata:\n  name: app${a}-${r}\n  namespace: ns${n}\n  labels:\n${labels}spec:\n  ${container}status:\n  podIP: ${ip}\n`);
  }
  for (let p = 0; p < shape.policies; p++) {
    const n = rnd(shape.namespaces);
    const a = rnd(apps);
    const kind = p % 4;
    let spec: string;
    if (kind === 0) {
      spec = `  podSelector: {}\n  policyTypes: [Ingress${p % 8 === 0 ? ', Egress' : ''}]\n`; // empty: default-deny
    } else if (kind === 3 && p % 20 === 3) {
      // a broad peer: every monitored pod in every prod namespace (thousands of pods)
      spec = `  podSelector:\n    matchLabels:\n      app: app${a}\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              env: prod\n          podSelector:\n            matchLabels:\n              monitored: "true"\n      ports:\n        - port: 9090\n`;
    } else if (kind === 2) {
      spec = `  podSelector:\n    matchLabels:\n      app: app${a}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - namespaceSelector:\n            matchLabels:\n              team: team${rnd(50)}\n      ports:\n        - port: ${PORTS[rnd(PORTS.length)]}\n    - to:\n        - ipBlock:\n            cidr: 0.0.0.0/0\n            except: [10.0.0.0/8]\n      ports:\n        - port: 443\n`;
    } else {
      spec = `  podSelector:\n    matchLabels:\n      app: app${a}\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n              app: app${rnd(apps)}\n      ports:\n        - port: http\n`;
    }
    out.push(`apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np${p}\n  namespace: ns${n}\nspec:\n${spec}`);
  }
  for (let c = 0; c < shape.clusterPolicies; c++) {
    const tier = c % 4 === 0 ? 'Baseline' : 'Admin';
    const action = ['Accept', 'Deny', 'Pass'][c % 3];
    out.push(
      `apiVersion: networking.k8s.aws/v1alpha1\nkind: ClusterNetworkPolicy\nmetadata:\n  name: cnp${c}\nspec:\n  tier: ${tier}\n  priority: ${c % 50}\n  subject:\n    namespaces:\n      matchLabels:\n        team: team${c % 50}\n  ingress:\n    - name: r${c}\n      action: ${action}\n      from:\n        - namespaces:\n            matchLabels:\n              team: team${(c * 7) % 50}\n      ports:\n        - portNumber:\n            port: ${PORTS[c % PORTS.length]}\n  egress:\n    - name: e${c}\n      action: ${action === 'Pass' ? 'Accept' : action}\n      to:\n        - networks: ["192.0.2.0/24"]\n`,
    );
  }
  return out.join('---\n');
}
