// compare.ts's Dataplanes as it was before naming mechanisms was made cheap (commit ad60deb, src/eks/compare.ts):
// every variant data plane kept for the whole run, each keeping the maps of every identifier it was asked
// about. Kept as the oracle the cheap comparison must equal on every connection: it switches every mechanism
// on every disagreement, which is simple enough to trust and too costly to ship.
import { Engine } from '../../src/engine/engine.js';
import { selects } from '../../src/engine/match.js';
import type { Cluster } from '../../src/model/cluster.js';
import { isPolicyPod, type Connection, type Endpoint } from '../../src/model/endpoint.js';
import type { Direction } from '../../src/policy/types.js';
import type { Comparison } from '../../src/eks/compare.js';
import { EksDataplane, type EksVerdict } from '../../src/eks/decide.js';
import { MECHANISMS, type Compute, type EksOptions, type Mechanism } from '../../src/eks/types.js';

/** Mechanisms the comparison can switch to the specification's behaviour. */
const SWITCHABLE = (Object.keys(MECHANISMS) as Mechanism[]).filter((m) => m !== 'port-limit' && m !== 'upstream-kind-not-enforced' && m !== 'unknown-address');

export class ReferenceDataplanes {
  readonly engine: Engine;
  readonly eks: EksDataplane;
  private readonly variants = new Map<string, EksDataplane>();

  constructor(
    readonly cluster: Cluster,
    readonly options: { version: string; compute: Compute; controller?: string },
  ) {
    this.engine = new Engine(cluster);
    this.eks = new EksDataplane(cluster, options);
  }

  private variant(spec: readonly Mechanism[]): EksDataplane {
    const key = spec.join(',');
    let v = this.variants.get(key);
    if (!v) {
      const opts: EksOptions = { ...this.options, spec: new Set(spec) };
      this.variants.set(key, (v = new EksDataplane(this.cluster, opts, this.eks)));
    }
    return v;
  }

  compare(conn: Connection): Comparison {
    const kubernetes = this.engine.decide(conn);
    const eks = this.eks.decide(conn);
    const caveats: Mechanism[] = eks.egress.uncertain || eks.ingress.uncertain ? ['port-limit'] : [];
    if (kubernetes.allowed === eks.allowed) return { kubernetes, eks, agree: true, mechanisms: [], explained: true, caveats };
    const same = (v: EksVerdict): boolean => v.allowed === kubernetes.allowed;
    let mechanisms: Mechanism[] = SWITCHABLE.filter((m) => same(this.variant([m]).decide(conn)));
    if (mechanisms.length === 0 && same(this.variant(SWITCHABLE).decide(conn))) {
      // several act together: keep those without which the specification's verdict does not come back
      mechanisms = SWITCHABLE.filter((m) => !same(this.variant(SWITCHABLE.filter((x) => x !== m)).decide(conn)));
      if (mechanisms.length === 0) mechanisms = SWITCHABLE.filter((m) => this.variant([m]).decide(conn).allowed !== eks.allowed || changesSide(this.variant([m]).decide(conn), eks));
    }
    if (mechanisms.length === 0) {
      if (this.upstreamDecides(conn)) mechanisms = ['upstream-kind-not-enforced'];
      else if ([conn.from, conn.to].some((e) => this.eks.addressing.isPlaceholder(this.eks.address(e)))) mechanisms = ['unknown-address'];
    }
    if (mechanisms.length === 0 && caveats.length > 0) mechanisms = ['port-limit'];
    return { kubernetes, eks, agree: false, mechanisms, explained: mechanisms.length > 0, caveats };
  }

  /** Does an upstream kind (which EKS does not enforce) select one of the connection's pods? */
  private upstreamDecides(conn: Connection): boolean {
    const sides: [Direction, Endpoint][] = [['egress', conn.from], ['ingress', conn.to]];
    return sides.some(([d, e]) => isPolicyPod(e) && this.cluster.policies.some((p) => p.ref.apiVersion.startsWith('policy.networking.k8s.io/') && p[d].length > 0 && selects(p.subject, e.pod, this.engine.ctx)));
  }
}

function changesSide(a: EksVerdict, b: EksVerdict): boolean {
  return a.egress.allowed !== b.egress.allowed || a.ingress.allowed !== b.ingress.allowed;
}
