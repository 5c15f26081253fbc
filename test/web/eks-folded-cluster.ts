/**
 * A cluster above FOLD_ABOVE workloads (312 bare pods, each a workload) where the EKS data plane and the
 * specification disagree in two ways the folded views must show (test/cli/eks-behaviours.test.ts, cases 1 and 2):
 * - ingress named ports resolved over every selected pod (`ingress-named-port-union`): namespace srv's web pods
 *   name 8080 `http`, one of them (web0) 9090; EKS opens both ports on every one of them to clients in cli;
 * - egress named ports dropped (`egress-named-port-dropped`): cli's clients may reach db/db (by its address range)
 *   on its named port `pg` (5432) under the specification, not under EKS.
 * Pod names carry no `-suffix`: each pod is an EKS identifier of its own (no `identifier-sharing`).
 */
import { N1, np, ns, pod } from '../eks/fixtures.js';

export const WEB_PODS = 160;
export const CLIENT_PODS = 150;

/** `web` and `clients`: how many pods of each (smaller for tests that decide every pod pair). */
export function namedPortsAtScale(web = WEB_PODS, clients = CLIENT_PODS): string {
  let yaml = ns('srv', 'kubernetes.io/metadata.name: srv') + ns('cli', 'kubernetes.io/metadata.name: cli') + ns('db', 'kubernetes.io/metadata.name: db') + N1;
  for (let i = 0; i < web; i++) {
    const port = i === 0 ? 9090 : 8080;
    yaml += pod('srv', `web${i}`, { app: 'web', i: String(i) }, `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, { ports: `[{containerPort: ${port}, name: http}]` });
  }
  for (let i = 0; i < clients; i++) yaml += pod('cli', `client${i}`, { app: 'client' }, `10.2.${Math.floor(i / 250)}.${(i % 250) + 1}`);
  yaml += pod('db', 'db', { app: 'db' }, '10.3.0.1', { ports: '[{containerPort: 5432, name: pg}]' });
  yaml += np('srv', 'web-http', 'podSelector: {matchLabels: {app: web}}\ningress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: cli}}}], ports: [{port: http}]}]');
  yaml += np('cli', 'client-egress', 'podSelector: {matchLabels: {app: client}}\npolicyTypes: [Egress]\negress:\n- to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: srv}}}]\n- to: [{ipBlock: {cidr: 10.3.0.0/16}}]\n  ports: [{port: pg}]');
  return yaml;
}
