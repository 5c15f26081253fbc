/** YAML of the usual fixes, ready to apply. */
export function defaultDenyYaml(namespace: string, types: ('Ingress' | 'Egress')[]): string {
  return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny${types.length === 1 ? `-${types[0]!.toLowerCase()}` : ''}
  namespace: ${namespace}
spec:
  podSelector: {}
  policyTypes: [${types.join(', ')}]`;
}

export function dnsEgressYaml(namespace: string, podLabels: Record<string, string>): string {
  const selector = Object.keys(podLabels).length ? `\n    matchLabels:\n${Object.entries(podLabels).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`).join('\n')}` : ' {}';
  return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns-egress
  namespace: ${namespace}
spec:
  podSelector:${selector}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: kube-system}
          podSelector:
            matchLabels: {k8s-app: kube-dns}
      ports:
        - {protocol: UDP, port: 53}
        - {protocol: TCP, port: 53}`;
}
