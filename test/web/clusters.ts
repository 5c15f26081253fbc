/**
 * Clusters for the dashboard's browser tests, shaped like real ones. `boutique()`: Online Boutique and
 * Argo CD HA with the policies they ship with (deny-all plus one ingress rule per service; Argo CD's
 * per-component ingress rules), hardened egress, DNS, monitoring and an ingress controller: 25 workloads.
 * `platform(n)`: n workloads in namespaces of 10-20 apps, each namespace default-deny with a call
 * chain, DNS, scrapes from monitoring, a call into the next namespace and an egress to the internet.
 */
const ns = (name: string, labels: Record<string, string> = {}): string =>
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels: {kubernetes.io/metadata.name: ${name}${Object.entries(labels).map(([k, v]) => `, ${k}: ${v}`).join('')}}\n`;

const app = (namespace: string, name: string, port: number, kind = 'Deployment', replicas = 1): string =>
  `apiVersion: apps/v1\nkind: ${kind}\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n  replicas: ${replicas}\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec:\n      containers: [{name: main, image: example/${name}, ports: [{containerPort: ${port}}]}]\n`;

const policy = (namespace: string, name: string, spec: string): string => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n${spec}`;

/** Ingress to `app` from the listed apps of its namespace on one port. */
const from = (namespace: string, target: string, sources: string[], port: number): string =>
  policy(namespace, `${target}-ingress`, `  podSelector: {matchLabels: {app: ${target}}}\n  policyTypes: [Ingress]\n  ingress:\n    - from: [${sources.map((s) => `{podSelector: {matchLabels: {app: ${s}}}}`).join(', ')}]\n      ports: [{port: ${port}}]\n`);

const platformBase = (): string[] => [
  ns('kube-system'),
  ns('monitoring'),
  app('kube-system', 'coredns', 53, 'Deployment', 2).replace('{app: coredns}}\n    spec', '{app: coredns, k8s-app: kube-dns}}\n    spec'),
  app('monitoring', 'prometheus', 9090, 'StatefulSet'),
  app('kube-system', 'aws-load-balancer-controller', 9443),
];

const dnsAndNamespace = (namespace: string): string =>
  policy(namespace, 'egress-dns-and-namespace', `  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]\n      ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\n    - to: [{podSelector: {}}]\n`);

const scrapes = (namespace: string, port: number): string =>
  policy(namespace, 'allow-prometheus', `  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]\n      ports: [{port: ${port}}]\n`);

/** The boutique; `proposal`: its policies as a change would leave them (checkout may call the ad
 * service; the payment service may no longer reach the internet). */
export function boutique(proposal = false): string {
  const b = 'boutique';
  const out = [...platformBase(), ns(b), ns('argocd'), ns('ingress-nginx'), app('monitoring', 'grafana', 3000), app('ingress-nginx', 'ingress-nginx-controller', 443)];
  const services: [string, number][] = [
    ['frontend', 8080], ['cartservice', 7070], ['productcatalogservice', 3550], ['currencyservice', 7000], ['paymentservice', 50051], ['shippingservice', 50051],
    ['emailservice', 8080], ['checkoutservice', 5050], ['recommendationservice', 8080], ['adservice', 9555], ['redis-cart', 6379], ['loadgenerator', 8089],
  ];
  for (const [s, p] of services) out.push(app(b, s, p));
  out.push(policy(b, 'deny-all', '  podSelector: {}\n  policyTypes: [Ingress, Egress]\n'), dnsAndNamespace(b));
  out.push(policy(b, 'frontend-external', '  podSelector: {matchLabels: {app: frontend}}\n  policyTypes: [Ingress]\n  ingress:\n    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}, {podSelector: {matchLabels: {app: loadgenerator}}}]\n      ports: [{port: 8080}]\n'));
  out.push(from(b, 'cartservice', ['frontend', 'checkoutservice'], 7070), from(b, 'redis-cart', ['cartservice'], 6379), from(b, 'productcatalogservice', ['frontend', 'checkoutservice', 'recommendationservice'], 3550));
  out.push(from(b, 'currencyservice', ['frontend', 'checkoutservice'], 7000), from(b, 'paymentservice', ['checkoutservice'], 50051), from(b, 'shippingservice', ['frontend', 'checkoutservice'], 50051));
  out.push(from(b, 'emailservice', ['checkoutservice'], 8080), from(b, 'checkoutservice', ['frontend'], 5050), from(b, 'recommendationservice', ['frontend'], 8080), from(b, 'adservice', proposal ? ['frontend', 'checkoutservice'] : ['frontend'], 9555));
  // the payment provider and the e-mail relay outside the cluster
  if (!proposal) out.push(policy(b, 'payment-egress', '  podSelector: {matchLabels: {app: paymentservice}}\n  policyTypes: [Egress]\n  egress:\n    - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]\n      ports: [{port: 443}]\n'));
  out.push(policy(b, 'email-egress', '  podSelector: {matchLabels: {app: emailservice}}\n  policyTypes: [Egress]\n  egress:\n    - to: [{ipBlock: {cidr: 198.51.100.0/24}}]\n      ports: [{port: 587}]\n'));
  const a = 'argocd';
  for (const [s, p, kind] of [['argocd-server', 8080, 'Deployment'], ['argocd-repo-server', 8081, 'Deployment'], ['argocd-application-controller', 8082, 'StatefulSet'], ['argocd-applicationset-controller', 7000, 'Deployment'], ['argocd-dex-server', 5556, 'Deployment'], ['argocd-notifications-controller', 9001, 'Deployment'], ['argocd-redis-ha-server', 6379, 'StatefulSet'], ['argocd-redis-ha-haproxy', 6379, 'Deployment']] as const) out.push(app(a, s, p, kind, kind === 'StatefulSet' ? 3 : 2));
  out.push(policy(a, 'argocd-server-network-policy', '  podSelector: {matchLabels: {app: argocd-server}}\n  policyTypes: [Ingress]\n  ingress:\n    - {}\n'));
  out.push(from(a, 'argocd-repo-server', ['argocd-server', 'argocd-application-controller', 'argocd-notifications-controller', 'argocd-applicationset-controller'], 8081));
  out.push(from(a, 'argocd-dex-server', ['argocd-server'], 5556), from(a, 'argocd-redis-ha-haproxy', ['argocd-server', 'argocd-repo-server', 'argocd-application-controller'], 6379), from(a, 'argocd-redis-ha-server', ['argocd-redis-ha-haproxy'], 6379));
  out.push(policy(a, 'argocd-application-controller-network-policy', '  podSelector: {matchLabels: {app: argocd-application-controller}}\n  policyTypes: [Ingress]\n  ingress:\n    - from: [{namespaceSelector: {}}]\n      ports: [{port: 8082}]\n'));
  out.push(policy(a, 'argocd-notifications-controller-network-policy', '  podSelector: {matchLabels: {app: argocd-notifications-controller}}\n  policyTypes: [Ingress]\n  ingress:\n    - from: [{namespaceSelector: {}}]\n      ports: [{port: 9001}]\n'));
  out.push(policy(a, 'argocd-applicationset-controller-network-policy', '  podSelector: {matchLabels: {app: argocd-applicationset-controller}}\n  policyTypes: [Ingress]\n  ingress:\n    - from: [{namespaceSelector: {}}]\n      ports: [{port: 7000}]\n'));
  // hardened egress, as a platform team would add: DNS, the namespace, and git over the internet for the repo server
  out.push(dnsAndNamespace(a), policy(a, 'repo-server-git', '  podSelector: {matchLabels: {app: argocd-repo-server}}\n  policyTypes: [Egress]\n  egress:\n    - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]\n      ports: [{port: 443}, {port: 22}]\n'));
  out.push(policy('monitoring', 'deny-ingress', '  podSelector: {}\n  policyTypes: [Ingress]\n'));
  out.push(policy('kube-system', 'dns-ingress', '  podSelector: {matchLabels: {k8s-app: kube-dns}}\n  policyTypes: [Ingress]\n  ingress:\n    - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\n'));
  out.push(policy('ingress-nginx', 'controller', '  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress:\n    - from: [{ipBlock: {cidr: 0.0.0.0/0}}]\n      ports: [{port: 443}]\n  egress:\n    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: boutique}}, podSelector: {matchLabels: {app: frontend}}}]\n      ports: [{port: 8080}]\n'));
  return out.join('---\n');
}

/** About `workloads` workloads: namespaces of `perNamespace` apps (plus DNS and Prometheus). */
export function platform(workloads: number, perNamespace: number): string {
  const namespaces = Math.max(1, Math.floor((workloads - 3) / perNamespace));
  const out = [...platformBase()];
  out.push(policy('monitoring', 'deny-ingress', '  podSelector: {}\n  policyTypes: [Ingress]\n'));
  for (let n = 0; n < namespaces; n++) {
    const name = `team-${String(n).padStart(3, '0')}`;
    const next = `team-${String((n + 1) % namespaces).padStart(3, '0')}`;
    out.push(ns(name));
    for (let a = 0; a < perNamespace; a++) out.push(app(name, `svc-${String(a).padStart(2, '0')}`, 8080));
    out.push(policy(name, 'deny-all', '  podSelector: {}\n  policyTypes: [Ingress, Egress]\n'), dnsAndNamespace(name), scrapes(name, 8080));
    // a call chain inside the namespace: svc-00 -> svc-01 -> ... (a few branches)
    for (let a = 1; a < perNamespace; a++) out.push(from(name, `svc-${String(a).padStart(2, '0')}`, [`svc-${String(Math.floor((a - 1) / 2)).padStart(2, '0')}`], 8080));
    // the last app calls the next namespace's first one, and the internet
    if (namespaces > 1) {
      out.push(policy(name, 'to-next-team', `  podSelector: {matchLabels: {app: svc-${String(perNamespace - 1).padStart(2, '0')}}}\n  policyTypes: [Egress]\n  egress:\n    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${next}}}, podSelector: {matchLabels: {app: svc-00}}}]\n      ports: [{port: 8080}]\n    - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]\n      ports: [{port: 443}]\n`));
      out.push(policy(next, `from-${name}`, `  podSelector: {matchLabels: {app: svc-00}}\n  policyTypes: [Ingress]\n  ingress:\n    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${name}}}}]\n      ports: [{port: 8080}]\n`));
    }
  }
  return out.join('---\n');
}
